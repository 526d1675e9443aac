import { Faults } from './faults.js';
import type { AddKmsKeyInput, FakeKmsKey } from './kms.js';
import { type FakeAwsCall, FakeAwsServer, type ServiceName } from './server.js';
import type { ExecutionScript, ExecutionStatus, FakeExecution } from './sfn.js';
import type {
  FakeParameter,
  FakeParameterVersion,
  ParameterType,
  ParameterValidationFailure,
} from './ssm.js';
import {
  type AccountOrganization,
  type AddAutoScalingGroupInput,
  type AddImageInput,
  type AddInstanceInput,
  type AddLaunchConfigurationInput,
  type AddLaunchTemplateInput,
  type AddSnapshotInput,
  type CopyFailure,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_REGION,
  type FakeAutoScalingGroup,
  FakeAwsState,
  type FakeImage,
  type FakeInstance,
  type FakeLaunchConfiguration,
  type FakeLaunchTemplate,
  type FakeLaunchTemplateVersion,
  type FakeSnapshot,
  type LaunchTemplateVersionInput,
  type Principal,
} from './state.js';

export interface AddParameterInput {
  name: string;
  value: string;
  /** Default String. */
  type?: ParameterType;
  /** Default text. */
  dataType?: string;
  description?: string;
  /** SecureString: the key (default alias/aws/ssm). */
  keyId?: string;
  region?: string;
  accountId?: string;
}

export interface FakeAwsOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The fake's notion of now: deprecation, copy progress, credentials expiry, executions. */
  clock?: () => Date;
  /** How long an image copy takes on the clock (default 2000 ms). */
  copyDurationMs?: number;
  /** Regions DescribeRegions lists and CopyImage accepts as SourceRegion. */
  regions?: readonly string[];
  /** Seed of the throttling sequence (default 1). */
  seed?: number;
}

/**
 * A fake AWS (EC2, Auto Scaling, STS, Step Functions, KMS, SSM) speaking the real wire protocols on one HTTP
 * endpoint: point the real SDK v3 clients at `url` with `endpoint`. State lives in memory, per
 * account and region; the builders below seed it and expose it for assertions.
 */
export class FakeAws {
  readonly url: string;
  readonly faults: Faults;
  /** The underlying world, for what the builders do not cover. */
  readonly state: FakeAwsState;
  private readonly recorded: FakeAwsCall[];
  private readonly server: FakeAwsServer;

  private constructor(
    state: FakeAwsState,
    faults: Faults,
    recorded: FakeAwsCall[],
    server: FakeAwsServer,
    url: string,
  ) {
    this.state = state;
    this.faults = faults;
    this.recorded = recorded;
    this.server = server;
    this.url = url;
  }

  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    const state = new FakeAwsState({
      clock: options.clock ?? (() => new Date()),
      ...(options.regions ? { regions: options.regions } : {}),
      ...(options.copyDurationMs !== undefined ? { copyDurationMs: options.copyDurationMs } : {}),
    });
    const faults = new Faults(options.seed ?? 1);
    const recorded: FakeAwsCall[] = [];
    const server = new FakeAwsServer(state, faults, recorded);
    const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return new FakeAws(state, faults, recorded, server, url);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  // ---- calls --------------------------------------------------------------------------------

  /** Every request answered, oldest first. */
  get calls(): readonly FakeAwsCall[] {
    return this.recorded;
  }

  /** The recorded calls of one action (optionally of one service). */
  callsOf(action: string, service?: ServiceName): FakeAwsCall[] {
    return this.recorded.filter(
      (c) => c.action === action && (service === undefined || c.service === service),
    );
  }

  resetCalls(): void {
    this.recorded.length = 0;
  }

  // ---- accounts -----------------------------------------------------------------------------

  /** Maps an access key to an account (unknown keys belong to 111111111111). */
  registerAccessKey(
    accessKeyId: string,
    accountId: string,
    identity?: { arn?: string; userId?: string },
  ): Principal {
    return this.state.registerAccessKey(accessKeyId, accountId, identity);
  }

  /** AssumeRole of this role ARN answers AccessDenied (403). */
  denyRole(roleArn: string): void {
    this.state.deniedRoles.add(roleArn);
  }

  allowRole(roleArn: string): void {
    this.state.deniedRoles.delete(roleArn);
  }

  /** Puts an account in an organization / OUs, for organization and OU launch permissions. */
  setOrganization(accountId: string, organization: Partial<AccountOrganization>): void {
    const entry: AccountOrganization = {
      organizationalUnitArns: [...(organization.organizationalUnitArns ?? [])],
    };
    if (organization.organizationArn !== undefined) entry.organizationArn = organization.organizationArn;
    this.state.organizations.set(accountId, entry);
  }

  // ---- EC2 ----------------------------------------------------------------------------------

  /** Creates an image and its snapshots (one 8 GiB root snapshot by default). */
  addImage(input: AddImageInput = {}): FakeImage {
    return this.state.addImage(input);
  }

  /**
   * Creates `count` images quickly: from a template (names get `-<index>` appended) or from a
   * function of the index.
   */
  addImages(count: number, template: AddImageInput | ((index: number) => AddImageInput) = {}): FakeImage[] {
    const images: FakeImage[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const input =
        typeof template === 'function'
          ? template(i)
          : { ...template, name: `${template.name ?? 'image'}-${i}` };
      images[i] = this.state.addImage(input);
    }
    return images;
  }

  getImage(region: string, imageId: string): FakeImage | undefined {
    this.state.settle();
    return this.state.regions.get(region)?.images.get(imageId);
  }

  /** Images in creation order, deregistered ones included (their state says so). */
  images(region?: string): FakeImage[] {
    this.state.settle();
    const stores = region ? [this.state.regions.get(region)] : [...this.state.regions.values()];
    return stores.flatMap((store) => store?.imageOrder ?? []);
  }

  addSnapshot(input: AddSnapshotInput = {}): FakeSnapshot {
    return this.state.addSnapshot(input);
  }

  getSnapshot(region: string, snapshotId: string): FakeSnapshot | undefined {
    this.state.settle();
    return this.state.regions.get(region)?.snapshot(snapshotId);
  }

  /** Existing (not deleted) snapshots in creation order. */
  snapshots(region?: string): FakeSnapshot[] {
    this.state.settle();
    const stores = region ? [this.state.regions.get(region)] : [...this.state.regions.values()];
    return stores.flatMap((store) =>
      store ? store.snapshotOrder.filter((s) => store.snapshot(s.snapshotId) === s) : [],
    );
  }

  addInstance(input: AddInstanceInput): FakeInstance {
    return this.state.addInstance(input);
  }

  /**
   * Creates a launch template with versions 1…N (`versions`) and a default version (1 unless
   * `defaultVersion` says otherwise, e.g. an older one than the latest).
   */
  addLaunchTemplate(input: AddLaunchTemplateInput): FakeLaunchTemplate {
    return this.state.addLaunchTemplate(input);
  }

  /** Appends a version to a template; `makeDefault` also makes it the default version. */
  addLaunchTemplateVersion(
    template: FakeLaunchTemplate,
    version: LaunchTemplateVersionInput,
    options: { makeDefault?: boolean } = {},
  ): FakeLaunchTemplateVersion {
    const added = this.state.addLaunchTemplateVersion(template, version);
    if (options.makeDefault) this.state.setDefaultLaunchTemplateVersion(template, added.versionNumber);
    return added;
  }

  setDefaultLaunchTemplateVersion(template: FakeLaunchTemplate, versionNumber: number): void {
    this.state.setDefaultLaunchTemplateVersion(template, versionNumber);
  }

  /** Launch templates in creation order (all accounts). */
  launchTemplates(region = DEFAULT_REGION): FakeLaunchTemplate[] {
    return [...(this.state.regions.get(region)?.launchTemplates ?? [])];
  }

  // ---- Auto Scaling -----------------------------------------------------------------------

  /**
   * Creates an Auto Scaling group launching from exactly one of a launch configuration, a launch
   * template (a template object, or an id/name, with an optional version) or a mixed instances
   * policy (its launch template plus overrides that may name other templates).
   */
  addAutoScalingGroup(input: AddAutoScalingGroupInput): FakeAutoScalingGroup {
    return this.state.addAutoScalingGroup(input);
  }

  addLaunchConfiguration(input: AddLaunchConfigurationInput): FakeLaunchConfiguration {
    return this.state.addLaunchConfiguration(input);
  }

  /** How long image copies take on the clock. */
  get copyDurationMs(): number {
    return this.state.copyDurationMs;
  }

  set copyDurationMs(ms: number) {
    this.state.copyDurationMs = ms;
  }

  /** Copies started from now on end `failed` with this reason; `false` stops failing them. */
  failCopies(failure: CopyFailure | false = {}): void {
    this.state.copyFailure = failure === false ? undefined : failure;
  }

  /** Makes one copy in flight end `failed`. */
  failCopy(imageId: string, failure: CopyFailure = {}): void {
    this.state.settle();
    const job = this.state.copies.find((j) => j.image.imageId === imageId);
    if (!job) throw new Error(`No copy in flight for ${imageId}`);
    job.failure = failure;
  }

  // ---- KMS ----------------------------------------------------------------------------------

  addKmsKey(input: AddKmsKeyInput = {}): FakeKmsKey {
    return this.state.kms.add(input);
  }

  /** Resolves a key id, ARN, alias or alias ARN as KMS would for a caller. */
  getKmsKey(ref: string, region = DEFAULT_REGION, accountId = '111111111111'): FakeKmsKey | undefined {
    return this.state.kms.resolve(ref, region, accountId);
  }

  setKmsKeyEnabled(key: FakeKmsKey, enabled: boolean): void {
    this.state.kms.setEnabled(key, enabled);
  }

  // ---- SSM Parameter Store ------------------------------------------------------------------

  /**
   * Creates (or adds a version to) a parameter directly, without PutParameter's checks: for
   * seeding, e.g. a golden-image parameter of data type `aws:ec2:image`.
   */
  addParameter(input: AddParameterInput): FakeParameter {
    const region = input.region ?? DEFAULT_REGION;
    const accountId = input.accountId ?? DEFAULT_ACCOUNT_ID;
    const key = `${accountId}|${region}|${input.name}`;
    let parameter = this.state.ssm.parameters.get(key);
    if (!parameter) {
      parameter = { name: input.name, region, accountId, versions: [], tags: {} };
      this.state.ssm.parameters.set(key, parameter);
    }
    const version: FakeParameterVersion = {
      name: input.name,
      type: input.type ?? 'String',
      value: input.value,
      version: (parameter.versions.at(-1)?.version ?? 0) + 1,
      dataType: input.dataType ?? 'text',
      lastModifiedDate: this.state.now().toISOString(),
      lastModifiedUser: `arn:aws:iam::${accountId}:user/sandbox`,
    };
    if (input.description !== undefined) version.description = input.description;
    if (version.type === 'SecureString') version.keyId = input.keyId ?? 'alias/aws/ssm';
    parameter.versions.push(version);
    return parameter;
  }

  getParameter(
    name: string,
    region = DEFAULT_REGION,
    accountId = DEFAULT_ACCOUNT_ID,
  ): FakeParameter | undefined {
    return this.state.ssm.get(accountId, region, name);
  }

  /** PutParameter calls of data type `aws:ec2:image` whose asynchronous validation failed (oldest first). */
  get parameterValidationFailures(): readonly ParameterValidationFailure[] {
    return this.state.ssm.validationFailures;
  }

  // ---- block public access for AMIs ------------------------------------------------------

  setImageBlockPublicAccess(blocked: boolean, region = DEFAULT_REGION, accountId = DEFAULT_ACCOUNT_ID): void {
    this.state.setImageBlockPublicAccess(accountId, region, blocked);
  }

  // ---- Step Functions ---------------------------------------------------------------------

  /** Makes the state machine exist; its executions end as scripted (against the clock). */
  scriptExecution(stateMachineArn: string, script: ExecutionScript): void {
    this.state.sfn.script(stateMachineArn, script);
  }

  executions(stateMachineArn?: string): FakeExecution[] {
    return [...this.state.sfn.executions.values()].filter(
      (e) => stateMachineArn === undefined || e.stateMachineArn === stateMachineArn,
    );
  }

  executionStatus(execution: FakeExecution): ExecutionStatus {
    return this.state.sfn.status(execution, this.state.now());
  }
}
