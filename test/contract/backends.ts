import { randomUUID } from 'node:crypto';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateImageCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { type AccountConfig, accountSchema } from '../../src/config.js';
import { type MotoServer, motoInstalled, startMoto } from '../support/moto.js';
import { waitFor } from '../support/wait.js';

/**
 * The two AWS implementations the contract suite runs the same test bodies against: the project's
 * fake (`dev/fake-aws`) and the moto emulator. Tests talk to both through real SDK clients and the
 * product's AWS layer; only seeding differs where one of them lacks the API (the fake seeds
 * instances, Auto Scaling groups and state machines with its builders, moto through its API).
 */
export type BackendName = 'fake' | 'moto';

export type SeedInstanceState = 'running' | 'stopped' | 'terminated';

export interface SeededImage {
  imageId: string;
  name: string;
  snapshotIds: string[];
}

export interface Backend {
  readonly name: BackendName;
  readonly url: string;
  /** The account the base credentials act in (fake 111111111111, moto 123456789012). */
  readonly accountId: string;
  readonly credentials: AwsCredentialIdentity;
  /** The product's client cache with the base credentials. */
  readonly clients: AwsClients;
  /** An account config as the product's config would hold it (no role: the base credentials). */
  readonly account: AccountConfig;
  ec2(region: string, credentials?: AwsCredentialIdentity): EC2Client;
  autoscaling(region: string, credentials?: AwsCredentialIdentity): AutoScalingClient;
  sts(region: string, credentials?: AwsCredentialIdentity): STSClient;
  kms(region: string, credentials?: AwsCredentialIdentity): KMSClient;
  sfn(region: string, credentials?: AwsCredentialIdentity): SFNClient;
  /** A public Amazon-owned image of that architecture in the region (both preload or seed some). */
  publicImage(region: string, architecture?: 'x86_64' | 'arm64'): Promise<string>;
  /** An instance of the account in that state, launched from `imageId`. */
  seedInstance(region: string, imageId: string, state?: SeedInstanceState): Promise<string>;
  /** An image of the account: CreateImage of a fresh instance, waited for until `available`. */
  seedImage(
    region: string,
    input: { name?: string; tags?: Record<string, string>; architecture?: 'x86_64' | 'arm64' },
  ): Promise<SeededImage>;
  seedLaunchConfiguration(region: string, name: string, imageId: string): Promise<void>;
  seedAutoScalingGroup(
    region: string,
    input: {
      name: string;
      launchConfigurationName?: string;
      launchTemplate?: { launchTemplateId: string; version?: string };
      mixedInstancesPolicy?: {
        launchTemplate: { launchTemplateId: string; version?: string };
        overrides: {
          instanceType: string;
          launchTemplate?: { launchTemplateId: string; version?: string };
        }[];
      };
    },
  ): Promise<void>;
  /** A customer managed key, optionally with an alias (`alias/...`). */
  seedKey(region: string, alias?: string): Promise<{ keyId: string; arn: string }>;
  /** A state machine whose executions keep running. */
  seedStateMachine(region: string, name: string): Promise<string>;
  /** Credentials acting in another account, from STS AssumeRole of a role there. */
  assumeRole(accountId: string, roleName?: string): Promise<AwsCredentialIdentity>;
  close(): Promise<void>;
}

/** A name no other test (in this run, on this moto) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const BASE_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIACONTRACTTEST0001',
  secretAccessKey: 'contract-secret',
};

abstract class BaseBackend implements Backend {
  abstract readonly name: BackendName;
  abstract readonly accountId: string;
  readonly credentials = BASE_CREDENTIALS;
  readonly clients: AwsClients;
  readonly account: AccountConfig = accountSchema.parse({ alias: 'contract', default: true });
  private readonly made: { destroy(): void }[] = [];

  constructor(readonly url: string) {
    this.clients = new AwsClients({
      endpoint: url,
      maxAttempts: 2,
      retryMode: 'standard',
      credentials: BASE_CREDENTIALS,
    });
  }

  private config(region: string, credentials?: AwsCredentialIdentity) {
    return { endpoint: this.url, region, credentials: credentials ?? this.credentials, maxAttempts: 1 };
  }

  private keep<C extends { destroy(): void }>(client: C): C {
    this.made.push(client);
    return client;
  }

  ec2(region: string, credentials?: AwsCredentialIdentity): EC2Client {
    return this.keep(new EC2Client(this.config(region, credentials)));
  }

  autoscaling(region: string, credentials?: AwsCredentialIdentity): AutoScalingClient {
    return this.keep(new AutoScalingClient(this.config(region, credentials)));
  }

  sts(region: string, credentials?: AwsCredentialIdentity): STSClient {
    return this.keep(new STSClient(this.config(region, credentials)));
  }

  kms(region: string, credentials?: AwsCredentialIdentity): KMSClient {
    return this.keep(new KMSClient(this.config(region, credentials)));
  }

  sfn(region: string, credentials?: AwsCredentialIdentity): SFNClient {
    return this.keep(new SFNClient(this.config(region, credentials)));
  }

  abstract publicImage(region: string, architecture?: 'x86_64' | 'arm64'): Promise<string>;
  abstract seedInstance(region: string, imageId: string, state?: SeedInstanceState): Promise<string>;
  abstract seedLaunchConfiguration(region: string, name: string, imageId: string): Promise<void>;
  abstract seedAutoScalingGroup(
    region: string,
    input: Parameters<Backend['seedAutoScalingGroup']>[1],
  ): Promise<void>;
  abstract seedKey(region: string, alias?: string): Promise<{ keyId: string; arn: string }>;
  abstract seedStateMachine(region: string, name: string): Promise<string>;

  async seedImage(
    region: string,
    input: { name?: string; tags?: Record<string, string>; architecture?: 'x86_64' | 'arm64' },
  ): Promise<SeededImage> {
    const source = await this.publicImage(region, input.architecture ?? 'x86_64');
    const instanceId = await this.seedInstance(region, source, 'running');
    const name = input.name ?? unique('contract-image');
    const tags = Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const client = this.ec2(region);
    const out = await client.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: name,
        ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'image', Tags: tags }] } : {}),
      }),
    );
    const imageId = out.ImageId as string;
    const image = await waitFor(`${imageId} available`, async () => {
      const found = (await client.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
      return found?.State === 'available' ? found : undefined;
    });
    const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((b) =>
      b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [],
    );
    return { imageId, name, snapshotIds };
  }

  async assumeRole(accountId: string, roleName = 'amibot-contract'): Promise<AwsCredentialIdentity> {
    const out = await this.sts('us-east-1').send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
        RoleSessionName: 'contract',
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  }

  async close(): Promise<void> {
    for (const client of this.made) client.destroy();
    this.clients.destroy();
  }
}

const AMAZON_OWNER = '137112412989';

class FakeBackend extends BaseBackend {
  readonly name = 'fake' as const;
  readonly accountId = '111111111111';
  private readonly publicImages = new Map<string, string>();

  constructor(readonly fake: FakeAws) {
    super(fake.url);
  }

  async publicImage(region: string, architecture: 'x86_64' | 'arm64' = 'x86_64'): Promise<string> {
    const key = `${region}|${architecture}`;
    let imageId = this.publicImages.get(key);
    if (!imageId) {
      imageId = this.fake.addImage({
        region,
        ownerId: AMAZON_OWNER,
        imageOwnerAlias: 'amazon',
        public: true,
        architecture,
        name: `al2023-ami-2023.6.20261101.0-kernel-6.1-${architecture}`,
        description: 'Amazon Linux 2023 AMI',
      }).imageId;
      this.publicImages.set(key, imageId);
    }
    return imageId;
  }

  async seedInstance(region: string, imageId: string, state: SeedInstanceState = 'running'): Promise<string> {
    return this.fake.addInstance({ region, imageId, state, accountId: this.accountId }).instanceId;
  }

  async seedLaunchConfiguration(region: string, name: string, imageId: string): Promise<void> {
    this.fake.addLaunchConfiguration({ region, name, imageId, accountId: this.accountId });
  }

  async seedAutoScalingGroup(
    region: string,
    input: Parameters<Backend['seedAutoScalingGroup']>[1],
  ): Promise<void> {
    const mixed = input.mixedInstancesPolicy;
    this.fake.addAutoScalingGroup({
      region,
      accountId: this.accountId,
      name: input.name,
      ...(input.launchConfigurationName ? { launchConfigurationName: input.launchConfigurationName } : {}),
      ...(input.launchTemplate ? { launchTemplate: input.launchTemplate } : {}),
      ...(mixed ? { mixedInstancesPolicy: mixed } : {}),
    });
  }

  async seedKey(region: string, alias?: string): Promise<{ keyId: string; arn: string }> {
    const key = this.fake.addKmsKey({ region, accountId: this.accountId, ...(alias ? { alias } : {}) });
    return { keyId: key.keyId, arn: key.arn };
  }

  async seedStateMachine(region: string, name: string): Promise<string> {
    const arn = `arn:aws:states:${region}:${this.accountId}:stateMachine:${name}`;
    this.fake.scriptExecution(arn, { status: 'SUCCEEDED', durationMs: 24 * 3600_000 });
    return arn;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.fake.close();
  }
}

class MotoBackend extends BaseBackend {
  readonly name = 'moto' as const;
  readonly accountId = '123456789012';

  constructor(private readonly server: MotoServer) {
    super(server.url);
  }

  async publicImage(region: string, architecture: 'x86_64' | 'arm64' = 'x86_64'): Promise<string> {
    const out = await this.ec2(region).send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [
          { Name: 'architecture', Values: [architecture] },
          { Name: 'name', Values: ['al2023-ami-*', 'al2022-ami-*', 'amzn2-ami-*'] },
        ],
      }),
    );
    const imageId = out.Images?.[0]?.ImageId;
    if (!imageId) throw new Error(`moto has no public ${architecture} Amazon Linux image in ${region}`);
    return imageId;
  }

  async seedInstance(region: string, imageId: string, state: SeedInstanceState = 'running'): Promise<string> {
    const client = this.ec2(region);
    const out = await client.send(
      new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
    );
    const instanceId = out.Instances?.[0]?.InstanceId as string;
    if (state === 'stopped') await client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    if (state === 'terminated')
      await client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    return instanceId;
  }

  async seedLaunchConfiguration(region: string, name: string, imageId: string): Promise<void> {
    await this.autoscaling(region).send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: name,
        ImageId: imageId,
        InstanceType: 't3.micro',
      }),
    );
  }

  async seedAutoScalingGroup(
    region: string,
    input: Parameters<Backend['seedAutoScalingGroup']>[1],
  ): Promise<void> {
    const spec = (ref: { launchTemplateId: string; version?: string }) => ({
      LaunchTemplateId: ref.launchTemplateId,
      ...(ref.version ? { Version: ref.version } : {}),
    });
    const mixed = input.mixedInstancesPolicy;
    await this.autoscaling(region).send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: input.name,
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 0,
        AvailabilityZones: [`${region}a`],
        ...(input.launchConfigurationName ? { LaunchConfigurationName: input.launchConfigurationName } : {}),
        ...(input.launchTemplate ? { LaunchTemplate: spec(input.launchTemplate) } : {}),
        ...(mixed
          ? {
              MixedInstancesPolicy: {
                LaunchTemplate: {
                  LaunchTemplateSpecification: spec(mixed.launchTemplate),
                  Overrides: mixed.overrides.map((o) => ({
                    InstanceType: o.instanceType,
                    ...(o.launchTemplate ? { LaunchTemplateSpecification: spec(o.launchTemplate) } : {}),
                  })),
                },
              },
            }
          : {}),
      }),
    );
  }

  async seedKey(region: string, alias?: string): Promise<{ keyId: string; arn: string }> {
    const client = this.kms(region);
    const out = await client.send(new CreateKeyCommand({ Description: 'contract test key' }));
    const keyId = out.KeyMetadata?.KeyId as string;
    if (alias) await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
    return { keyId, arn: out.KeyMetadata?.Arn as string };
  }

  async seedStateMachine(region: string, name: string): Promise<string> {
    const out = await this.sfn(region).send(
      new CreateStateMachineCommand({
        name,
        roleArn: `arn:aws:iam::${this.accountId}:role/contract-sfn`,
        definition: JSON.stringify({
          StartAt: 'Wait',
          States: { Wait: { Type: 'Wait', Seconds: 86400, End: true } },
        }),
      }),
    );
    return out.stateMachineArn as string;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.server.stop();
  }
}

/** Whether the moto half can run: a server is given, or moto is installed to start one. */
export const motoAvailable: boolean = Boolean(process.env['AMIBOT_MOTO_URL']) || motoInstalled();

if (!motoAvailable) {
  console.log(
    'moto is not installed (python3 -c "import moto" failed): the contract suite runs against the fake only, its moto half is skipped',
  );
}

export async function startBackend(name: BackendName): Promise<Backend> {
  if (name === 'fake') {
    const fake = await FakeAws.start({ copyDurationMs: 150 });
    return new FakeBackend(fake);
  }
  const server = await startMoto();
  if (!server) throw new Error('moto is not available');
  return new MotoBackend(server);
}

/**
 * Runs `body` once per backend, each in its own `describe` with the backend started before its
 * tests and closed after them. The moto half is skipped (and said so once) when moto is missing.
 */
export function describeContract(title: string, body: (backend: () => Backend) => void): void {
  for (const name of ['fake', 'moto'] as const) {
    describe.skipIf(name === 'moto' && !motoAvailable)(`${title} [${name}]`, () => {
      let backend: Backend | undefined;
      beforeAllBackend(name, (b) => {
        backend = b;
      });
      body(() => {
        if (!backend) throw new Error(`the ${name} backend did not start`);
        return backend;
      });
    });
  }
}

function beforeAllBackend(name: BackendName, set: (backend: Backend) => void): void {
  let started: Backend | undefined;
  beforeAll(async () => {
    started = await startBackend(name);
    set(started);
  });
  afterAll(async () => {
    await started?.close();
  });
}
