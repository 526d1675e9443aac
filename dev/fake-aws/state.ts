import { IdGenerator } from './ids.js';
import { KmsStore } from './kms.js';
import { SfnStore } from './sfn.js';
import { SsmStore } from './ssm.js';

export const DEFAULT_ACCOUNT_ID = '111111111111';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_COPY_DURATION_MS = 2000;

/** Commercial regions answered by DescribeRegions unless the fake is started with its own list. */
export const DEFAULT_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'me-south-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

export type ImageState =
  | 'pending'
  | 'available'
  | 'invalid'
  | 'deregistered'
  | 'transient'
  | 'failed'
  | 'error'
  | 'disabled';

export interface LaunchPermissions {
  /** Account ids with an explicit launch permission. */
  accounts: string[];
  /** `arn:aws:organizations::…:organization/o-…` */
  organizations: string[];
  /** `arn:aws:organizations::…:ou/o-…/ou-…` */
  organizationalUnits: string[];
}

export interface FakeBlockDevice {
  deviceName: string;
  /** EBS devices only. */
  snapshotId?: string;
  volumeSize?: number;
  volumeType?: string;
  encrypted?: boolean;
  deleteOnTermination?: boolean;
  iops?: number;
  throughput?: number;
  /** Instance-store devices (`ephemeral0`…). */
  virtualName?: string;
}

export interface StateReason {
  code: string;
  message: string;
}

/**
 * An AMI as the fake stores it. Objects returned by the builders are live: reading them shows the
 * current state; changing plain fields (name, tags, deprecationTime, lastLaunchedTime…) is fine,
 * but ids, owner and region are indexed and must not change.
 */
export interface FakeImage {
  imageId: string;
  region: string;
  ownerId: string;
  /** `amazon`, `aws-marketplace`, `aws-backup-vault`… */
  imageOwnerAlias?: string;
  name: string;
  description?: string;
  architecture: string;
  state: ImageState;
  stateReason?: StateReason;
  /** ISO 8601. */
  creationDate: string;
  public: boolean;
  launchPermission: LaunchPermissions;
  /** The owner's tags. */
  tags: Record<string, string>;
  /**
   * Tags that other accounts put on a shared or public image: as in EC2, each account sees only
   * the tags it set itself. Created on first use.
   */
  accountTags?: Record<string, Record<string, string>>;
  /** ISO 8601; in the past means deprecated. */
  deprecationTime?: string;
  /** `windows` for Windows images. */
  platform?: string;
  platformDetails: string;
  usageOperation: string;
  virtualizationType: string;
  hypervisor: string;
  bootMode?: string;
  enaSupport: boolean;
  sriovNetSupport?: string;
  /** `v2.0` when the image requires IMDSv2. */
  imdsSupport?: string;
  tpmSupport?: string;
  rootDeviceType: string;
  rootDeviceName: string;
  imageType: string;
  imageLocation: string;
  blockDevices: FakeBlockDevice[];
  productCodes: { productCodeId: string; productCodeType: string }[];
  /** ISO 8601. */
  lastLaunchedTime?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
  deregistrationProtection?: string;
}

export type SnapshotState = 'pending' | 'completed' | 'error' | 'recoverable' | 'recovering';

export interface FakeSnapshot {
  snapshotId: string;
  region: string;
  ownerId: string;
  ownerAlias?: string;
  volumeId: string;
  volumeSize: number;
  encrypted: boolean;
  /** Key ARN for encrypted snapshots. */
  kmsKeyId?: string;
  state: SnapshotState;
  stateMessage?: string;
  /** `0%` … `100%`. */
  progress: string;
  /** ISO 8601. */
  startTime: string;
  description?: string;
  tags: Record<string, string>;
  /** Tags other accounts set (see FakeImage.accountTags). */
  accountTags?: Record<string, Record<string, string>>;
  createVolumePermission: { public: boolean; accounts: string[] };
}

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export interface FakeInstance {
  instanceId: string;
  region: string;
  accountId: string;
  imageId: string;
  state: InstanceStateName;
  instanceType: string;
  /** ISO 8601. */
  launchTime: string;
  tags: Record<string, string>;
}

/** What a launch template version launches (the part of `LaunchTemplateData` the fake keeps). */
export interface LaunchTemplateData {
  /** An AMI id, or `resolve:ssm:<parameter>` for an image id kept in SSM Parameter Store. */
  imageId?: string;
  instanceType?: string;
  keyName?: string;
}

export interface FakeLaunchTemplateVersion extends LaunchTemplateData {
  versionNumber: number;
  description?: string;
  /** ISO 8601. */
  createTime: string;
  createdBy: string;
}

export interface FakeLaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  region: string;
  accountId: string;
  createdBy: string;
  /** ISO 8601. */
  createTime: string;
  defaultVersion: number;
  /** In version order; version N is `versions[N - 1]`. */
  versions: FakeLaunchTemplateVersion[];
  tags: Record<string, string>;
}

/** How an Auto Scaling group or override names a launch template (the Auto Scaling shape). */
export interface LaunchTemplateSpecification {
  launchTemplateId?: string;
  launchTemplateName?: string;
  /** A number, `$Latest` or `$Default`; absent means `$Default` (and is answered absent). */
  version?: string;
}

export interface MixedInstancesPolicy {
  launchTemplate: LaunchTemplateSpecification;
  overrides: {
    instanceType?: string;
    weightedCapacity?: string;
    launchTemplate?: LaunchTemplateSpecification;
  }[];
}

export interface AutoScalingInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycleState: string;
  healthStatus: string;
  /** What the instance was launched from (version as a number). */
  launchTemplate?: LaunchTemplateSpecification;
  launchConfigurationName?: string;
}

export interface FakeAutoScalingGroup {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  /** ISO 8601. */
  createdTime: string;
  /** Exactly one of launchConfigurationName, launchTemplate and mixedInstancesPolicy is set. */
  launchConfigurationName?: string;
  launchTemplate?: LaunchTemplateSpecification;
  mixedInstancesPolicy?: MixedInstancesPolicy;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZones: string[];
  instances: AutoScalingInstance[];
  tags: Record<string, string>;
}

export interface FakeLaunchConfiguration {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  imageId: string;
  instanceType: string;
  keyName?: string;
  /** ISO 8601. */
  createdTime: string;
}

/** Who made a request: the account and identity behind its access key. */
export interface Principal {
  accessKeyId: string;
  accountId: string;
  arn: string;
  userId: string;
  /** Temporary credentials (from AssumeRole) stop working at this time. */
  expiration?: Date;
}

export interface AccountOrganization {
  organizationArn?: string;
  organizationalUnitArns: string[];
}

export interface BlockDeviceInput {
  /** Defaults to the image's root device name for the first device, then /dev/sdb, /dev/sdc… */
  deviceName?: string;
  /** GiB, default 8. */
  volumeSize?: number;
  volumeType?: string;
  encrypted?: boolean;
  /** Key id, ARN or alias of the snapshot's key; encrypted without one uses `alias/aws/ebs`. */
  kmsKeyId?: string;
  deleteOnTermination?: boolean;
  iops?: number;
  throughput?: number;
  /** Reuse an existing snapshot instead of creating one. */
  snapshotId?: string;
  /** Instance-store device: no snapshot. */
  virtualName?: string;
  /** State of the created snapshot (default `completed`). */
  snapshotState?: SnapshotState;
  /** Make the created snapshot public (createVolumePermission group all). */
  snapshotPublic?: boolean;
}

export interface AddImageInput
  extends Partial<Omit<FakeImage, 'launchPermission' | 'blockDevices' | 'accountTags' | 'productCodes'>> {
  launchPermission?: Partial<LaunchPermissions>;
  /** Default: one 8 GiB gp3 root volume with a fresh snapshot. */
  blockDevices?: BlockDeviceInput[];
  productCodes?: FakeImage['productCodes'];
}

export interface AddSnapshotInput
  extends Partial<Omit<FakeSnapshot, 'createVolumePermission' | 'accountTags'>> {
  createVolumePermission?: Partial<FakeSnapshot['createVolumePermission']>;
}

export interface AddInstanceInput {
  region?: string;
  accountId?: string;
  imageId: string;
  state?: InstanceStateName;
  instanceType?: string;
  launchTime?: string;
  tags?: Record<string, string>;
}

export interface LaunchTemplateVersionInput extends LaunchTemplateData {
  description?: string;
}

export interface AddLaunchTemplateInput {
  region?: string;
  accountId?: string;
  name: string;
  /** Version 1, 2, … in order; at least one. */
  versions: LaunchTemplateVersionInput[];
  /** Version number of the default version (default 1). */
  defaultVersion?: number;
  tags?: Record<string, string>;
}

/** A launch template reference: a template object (id and name filled from it) or its id/name. */
export type LaunchTemplateRefInput =
  | { template: FakeLaunchTemplate; version?: string }
  | LaunchTemplateSpecification;

export interface AddAutoScalingGroupInput {
  region?: string;
  accountId?: string;
  name: string;
  launchConfigurationName?: string;
  launchTemplate?: LaunchTemplateRefInput;
  mixedInstancesPolicy?: {
    launchTemplate: LaunchTemplateRefInput;
    overrides?: {
      instanceType?: string;
      weightedCapacity?: string;
      launchTemplate?: LaunchTemplateRefInput;
    }[];
  };
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
  availabilityZones?: string[];
  /** Instances of the group (in service, launched from the group's template or configuration). */
  instances?: (FakeInstance | string)[];
  tags?: Record<string, string>;
}

export interface AddLaunchConfigurationInput {
  region?: string;
  accountId?: string;
  name: string;
  imageId: string;
  instanceType?: string;
  keyName?: string;
}

export interface CopyFailure {
  /** StateReason message of the failed image. */
  reason?: string;
  /** StateReason code, default `Server.InternalError`. */
  code?: string;
}

/** An image copy in flight: done at `completesAt` on the fake's clock. */
export interface CopyJob {
  image: FakeImage;
  snapshots: FakeSnapshot[];
  startedAt: number;
  completesAt: number;
  failure?: CopyFailure;
}

/** All state of one region: images and snapshots in creation order, with the indexes queries use. */
export class RegionStore {
  readonly images = new Map<string, FakeImage>();
  /** Every image ever created here in creation order; pagination tokens are positions in these lists. */
  readonly imageOrder: FakeImage[] = [];
  readonly imagesByOwner = new Map<string, FakeImage[]>();
  readonly imagesByAlias = new Map<string, FakeImage[]>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly snapshotOrder: FakeSnapshot[] = [];
  /** Snapshot id → ids of the registered images that use it. */
  readonly snapshotUsers = new Map<string, string[]>();
  readonly instances: FakeInstance[] = [];
  readonly launchTemplates: FakeLaunchTemplate[] = [];
  /** Auto Scaling groups and launch configurations, in creation order (all accounts). */
  readonly autoScalingGroups: FakeAutoScalingGroup[] = [];
  readonly launchConfigurations: FakeLaunchConfiguration[] = [];
  /** `account|clientToken` → the CopyImage call it identified. */
  readonly copyTokens = new Map<string, { fingerprint: string; imageId: string }>();

  constructor(readonly name: string) {}

  indexImage(image: FakeImage): void {
    this.images.set(image.imageId, image);
    this.imageOrder.push(image);
    pushTo(this.imagesByOwner, image.ownerId, image);
    if (image.imageOwnerAlias) pushTo(this.imagesByAlias, image.imageOwnerAlias, image);
    for (const device of image.blockDevices) {
      if (!device.snapshotId) continue;
      const users = this.snapshotUsers.get(device.snapshotId);
      if (!users) this.snapshotUsers.set(device.snapshotId, [image.imageId]);
      else if (!users.includes(image.imageId)) users.push(image.imageId);
    }
  }

  /** Forgets that a (deregistered) image uses its snapshots. */
  releaseSnapshots(image: FakeImage): void {
    for (const device of image.blockDevices) {
      if (!device.snapshotId) continue;
      const users = this.snapshotUsers.get(device.snapshotId);
      const at = users?.indexOf(image.imageId) ?? -1;
      if (users && at !== -1) users.splice(at, 1);
    }
  }

  imagesUsingSnapshot(snapshotId: string): string[] {
    return [...(this.snapshotUsers.get(snapshotId) ?? [])];
  }

  indexSnapshot(snapshot: FakeSnapshot): void {
    this.snapshots.set(snapshot.snapshotId, snapshot);
    this.snapshotOrder.push(snapshot);
  }

  /** Live (not deleted) snapshot by id. */
  snapshot(snapshotId: string): FakeSnapshot | undefined {
    return this.snapshots.get(snapshotId);
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export interface StateOptions {
  clock: () => Date;
  regions?: readonly string[];
  copyDurationMs?: number;
}

/** The whole in-memory world of the fake: accounts, regions and every service's resources. */
export class FakeAwsState {
  readonly ids = new IdGenerator();
  readonly clock: () => Date;
  readonly regionNames: readonly string[];
  readonly regions = new Map<string, RegionStore>();
  readonly accessKeys = new Map<string, Principal>();
  readonly organizations = new Map<string, AccountOrganization>();
  readonly deniedRoles = new Set<string>();
  readonly kms: KmsStore;
  readonly sfn: SfnStore;
  readonly ssm: SsmStore;
  /** `account|region` → `block-new-sharing` where block public access for AMIs is on. */
  readonly imageBlockPublicAccess = new Map<string, 'block-new-sharing'>();
  readonly copies: CopyJob[] = [];
  copyDurationMs: number;
  /** Failure applied to every copy started while it is set. */
  copyFailure: CopyFailure | undefined;

  constructor(options: StateOptions) {
    this.clock = options.clock;
    this.regionNames = options.regions ?? DEFAULT_REGIONS;
    this.copyDurationMs = options.copyDurationMs ?? DEFAULT_COPY_DURATION_MS;
    this.kms = new KmsStore(this.ids, () => this.clock(), {
      region: DEFAULT_REGION,
      accountId: DEFAULT_ACCOUNT_ID,
    });
    this.sfn = new SfnStore(this.ids, () => this.clock());
    this.ssm = new SsmStore(this);
  }

  /** Whether block public access for AMIs is on for the account in the region. */
  imagePublicSharingBlocked(accountId: string, region: string): boolean {
    return this.imageBlockPublicAccess.has(`${accountId}|${region}`);
  }

  setImageBlockPublicAccess(accountId: string, region: string, blocked: boolean): void {
    if (blocked) this.imageBlockPublicAccess.set(`${accountId}|${region}`, 'block-new-sharing');
    else this.imageBlockPublicAccess.delete(`${accountId}|${region}`);
  }

  /**
   * The AMI id a launch template's `resolve:ssm:<parameter>[:version]` reference resolves to for
   * the account, or the reference itself when the parameter does not exist.
   */
  resolveImageParameter(region: string, accountId: string, reference: string): string {
    const ref = reference.slice('resolve:ssm:'.length);
    const match = /^(.*?)(?::([1-9]\d*))?$/.exec(ref);
    const name = match?.[1] ?? ref;
    const version = match?.[2] !== undefined ? Number(match[2]) : undefined;
    return this.ssm.currentValue(accountId, region, name, version) ?? reference;
  }

  now(): Date {
    return this.clock();
  }

  region(name: string): RegionStore {
    let store = this.regions.get(name);
    if (!store) {
      store = new RegionStore(name);
      this.regions.set(name, store);
    }
    return store;
  }

  /** The principal behind an access key; unknown keys are IAM users of the default account. */
  principalFor(accessKeyId: string): Principal {
    return (
      this.accessKeys.get(accessKeyId) ?? {
        accessKeyId,
        accountId: DEFAULT_ACCOUNT_ID,
        arn: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:user/sandbox`,
        userId: `AIDA${accessKeyId.slice(-16).toUpperCase().padStart(16, 'X')}`,
      }
    );
  }

  registerAccessKey(
    accessKeyId: string,
    accountId: string,
    identity: Partial<Omit<Principal, 'accessKeyId'>> = {},
  ): Principal {
    const principal: Principal = {
      accessKeyId,
      accountId,
      arn: identity.arn ?? `arn:aws:iam::${accountId}:user/sandbox`,
      userId: identity.userId ?? `AIDA${this.ids.upper(16)}`,
    };
    this.accessKeys.set(accessKeyId, principal);
    return principal;
  }

  // ---- visibility -------------------------------------------------------------------------

  /** Whether `accountId` is named by the image's launch permission, directly or via its organization/OU. */
  hasLaunchPermission(image: FakeImage, accountId: string, viaOrganization = true): boolean {
    const permission = image.launchPermission;
    if (permission.accounts.includes(accountId)) return true;
    if (!viaOrganization) return false;
    if (permission.organizations.length === 0 && permission.organizationalUnits.length === 0) return false;
    const org = this.organizations.get(accountId);
    if (!org) return false;
    if (org.organizationArn && permission.organizations.includes(org.organizationArn)) return true;
    return org.organizationalUnitArns.some((ou) => permission.organizationalUnits.includes(ou));
  }

  /** An account sees its own images, public ones and those whose launch permission names it. */
  canSeeImage(image: FakeImage, accountId: string): boolean {
    return image.ownerId === accountId || image.public || this.hasLaunchPermission(image, accountId);
  }

  canSeeSnapshot(snapshot: FakeSnapshot, accountId: string): boolean {
    return (
      snapshot.ownerId === accountId ||
      snapshot.createVolumePermission.public ||
      snapshot.createVolumePermission.accounts.includes(accountId)
    );
  }

  /** The tags `viewer` sees on an image or snapshot (its own, as EC2 does for shared resources). */
  tagsFor(resource: FakeImage | FakeSnapshot, viewer: string): Record<string, string> {
    if (resource.ownerId === viewer) return resource.tags;
    return resource.accountTags?.[viewer] ?? EMPTY_TAGS;
  }

  /** The tag map `viewer` may change on a resource, created on first use. */
  writableTagsFor(resource: FakeImage | FakeSnapshot, viewer: string): Record<string, string> {
    if (resource.ownerId === viewer) return resource.tags;
    resource.accountTags ??= {};
    let tags = resource.accountTags[viewer];
    if (!tags) {
      tags = {};
      resource.accountTags[viewer] = tags;
    }
    return tags;
  }

  // ---- builders ---------------------------------------------------------------------------

  addSnapshot(input: AddSnapshotInput = {}): FakeSnapshot {
    const region = input.region ?? DEFAULT_REGION;
    const ownerId = input.ownerId ?? DEFAULT_ACCOUNT_ID;
    const encrypted = input.encrypted ?? false;
    const state = input.state ?? 'completed';
    // One fixed object shape (optional fields present, possibly undefined) keeps bulk creation fast.
    const snapshot: FakeSnapshot = {
      snapshotId: input.snapshotId ?? this.ids.ec2('snap'),
      region,
      ownerId,
      ownerAlias: input.ownerAlias,
      volumeId: input.volumeId ?? this.ids.ec2('vol'),
      volumeSize: input.volumeSize ?? 8,
      encrypted,
      kmsKeyId: encrypted ? this.kmsKeyArn(input.kmsKeyId, region, ownerId) : input.kmsKeyId,
      state,
      stateMessage: input.stateMessage,
      progress: input.progress ?? (state === 'completed' ? '100%' : '0%'),
      startTime: input.startTime ?? this.now().toISOString(),
      description: input.description,
      tags: input.tags ? { ...input.tags } : {},
      accountTags: undefined,
      createVolumePermission: {
        public: input.createVolumePermission?.public ?? false,
        accounts: input.createVolumePermission?.accounts ? [...input.createVolumePermission.accounts] : [],
      },
    };
    const store = this.region(region);
    if (store.snapshots.has(snapshot.snapshotId))
      throw new Error(`Snapshot ${snapshot.snapshotId} already exists`);
    store.indexSnapshot(snapshot);
    return snapshot;
  }

  /** The ARN of the key a reference names, or of `alias/aws/ebs` when none is given. */
  kmsKeyArn(ref: string | undefined, region: string, accountId: string): string {
    if (ref === undefined) return this.kms.defaultEbsKey(region, accountId).arn;
    return this.kms.resolve(ref, region, accountId)?.arn ?? ref;
  }

  addImage(input: AddImageInput = {}): FakeImage {
    const region = input.region ?? DEFAULT_REGION;
    const ownerId = input.ownerId ?? DEFAULT_ACCOUNT_ID;
    const imageId = input.imageId ?? this.ids.ec2('ami');
    const name = input.name ?? `image-${imageId.slice(4, 12)}`;
    const creationDate = input.creationDate ?? this.now().toISOString();
    const rootDeviceName = input.rootDeviceName ?? '/dev/xvda';
    const windows = input.platform === 'windows';
    const store = this.region(region);
    if (store.images.has(imageId)) throw new Error(`Image ${imageId} already exists in ${region}`);

    const devices = input.blockDevices ?? DEFAULT_DEVICES;
    const blockDevices: FakeBlockDevice[] = devices.map((device, index) => {
      const deviceName =
        device.deviceName ?? (index === 0 ? rootDeviceName : `/dev/sd${String.fromCharCode(97 + index)}`);
      if (device.virtualName) return { deviceName, virtualName: device.virtualName };
      const snapshot =
        (device.snapshotId ? store.snapshot(device.snapshotId) : undefined) ??
        this.addSnapshot({
          snapshotId: device.snapshotId,
          region,
          ownerId,
          ownerAlias: input.imageOwnerAlias,
          volumeSize: device.volumeSize ?? 8,
          encrypted: device.encrypted ?? false,
          kmsKeyId: device.kmsKeyId,
          startTime: creationDate,
          description: `Created by CreateImage for ${imageId}`,
          state: device.snapshotState ?? 'completed',
          createVolumePermission: device.snapshotPublic ? { public: true } : undefined,
        });
      return {
        deviceName,
        snapshotId: snapshot.snapshotId,
        volumeSize: device.volumeSize ?? snapshot.volumeSize,
        volumeType: device.volumeType ?? 'gp3',
        encrypted: snapshot.encrypted,
        deleteOnTermination: device.deleteOnTermination ?? true,
        iops: device.iops,
        throughput: device.throughput,
      };
    });

    const permission = input.launchPermission;
    // One fixed object shape (optional fields present, possibly undefined) keeps bulk creation fast.
    const image: FakeImage = {
      imageId,
      region,
      ownerId,
      imageOwnerAlias: input.imageOwnerAlias,
      name,
      description: input.description,
      architecture: input.architecture ?? 'x86_64',
      state: input.state ?? 'available',
      stateReason: input.stateReason,
      creationDate,
      public: input.public ?? false,
      launchPermission: {
        accounts: permission?.accounts ? [...permission.accounts] : [],
        organizations: permission?.organizations ? [...permission.organizations] : [],
        organizationalUnits: permission?.organizationalUnits ? [...permission.organizationalUnits] : [],
      },
      tags: input.tags ? { ...input.tags } : {},
      accountTags: undefined,
      deprecationTime: input.deprecationTime,
      platform: input.platform,
      platformDetails: input.platformDetails ?? (windows ? 'Windows' : 'Linux/UNIX'),
      usageOperation: input.usageOperation ?? (windows ? 'RunInstances:0002' : 'RunInstances'),
      virtualizationType: input.virtualizationType ?? 'hvm',
      hypervisor: input.hypervisor ?? 'xen',
      bootMode: input.bootMode,
      enaSupport: input.enaSupport ?? true,
      sriovNetSupport: input.sriovNetSupport,
      imdsSupport: input.imdsSupport,
      tpmSupport: input.tpmSupport,
      rootDeviceType: input.rootDeviceType ?? 'ebs',
      rootDeviceName,
      imageType: input.imageType ?? 'machine',
      imageLocation: input.imageLocation ?? `${input.imageOwnerAlias ?? ownerId}/${name}`,
      blockDevices,
      productCodes: input.productCodes ? [...input.productCodes] : [],
      lastLaunchedTime: input.lastLaunchedTime,
      sourceImageId: input.sourceImageId,
      sourceImageRegion: input.sourceImageRegion,
      deregistrationProtection: input.deregistrationProtection,
    };
    store.indexImage(image);
    return image;
  }

  addInstance(input: AddInstanceInput): FakeInstance {
    const region = input.region ?? DEFAULT_REGION;
    const instance: FakeInstance = {
      instanceId: this.ids.ec2('i'),
      region,
      accountId: input.accountId ?? DEFAULT_ACCOUNT_ID,
      imageId: input.imageId,
      state: input.state ?? 'running',
      instanceType: input.instanceType ?? 't3.micro',
      launchTime: input.launchTime ?? this.now().toISOString(),
      tags: { ...input.tags },
    };
    const store = this.region(region);
    store.instances.push(instance);
    const image = store.images.get(input.imageId);
    if (image && (!image.lastLaunchedTime || image.lastLaunchedTime < instance.launchTime)) {
      image.lastLaunchedTime = instance.launchTime;
    }
    return instance;
  }

  addLaunchTemplate(input: AddLaunchTemplateInput): FakeLaunchTemplate {
    const region = input.region ?? DEFAULT_REGION;
    const accountId = input.accountId ?? DEFAULT_ACCOUNT_ID;
    const store = this.region(region);
    if (store.launchTemplates.some((t) => t.accountId === accountId && t.launchTemplateName === input.name)) {
      throw new Error(`Launch template ${input.name} already exists`);
    }
    if (input.versions.length === 0) throw new Error('A launch template has at least one version');
    const createTime = this.now().toISOString();
    const createdBy = `arn:aws:iam::${accountId}:user/sandbox`;
    const template: FakeLaunchTemplate = {
      launchTemplateId: this.ids.ec2('lt'),
      launchTemplateName: input.name,
      region,
      accountId,
      createdBy,
      createTime,
      defaultVersion: 1,
      versions: [],
      tags: { ...input.tags },
    };
    for (const version of input.versions) this.addLaunchTemplateVersion(template, version, createdBy);
    this.setDefaultLaunchTemplateVersion(template, input.defaultVersion ?? 1);
    store.launchTemplates.push(template);
    return template;
  }

  /** Appends version `latest + 1` to a template. */
  addLaunchTemplateVersion(
    template: FakeLaunchTemplate,
    input: LaunchTemplateVersionInput,
    createdBy = template.createdBy,
  ): FakeLaunchTemplateVersion {
    const version: FakeLaunchTemplateVersion = {
      versionNumber: template.versions.length + 1,
      createTime: this.now().toISOString(),
      createdBy,
    };
    if (input.imageId !== undefined) version.imageId = input.imageId;
    if (input.instanceType !== undefined) version.instanceType = input.instanceType;
    if (input.keyName !== undefined) version.keyName = input.keyName;
    if (input.description !== undefined) version.description = input.description;
    template.versions.push(version);
    return version;
  }

  setDefaultLaunchTemplateVersion(template: FakeLaunchTemplate, versionNumber: number): void {
    if (!template.versions.some((v) => v.versionNumber === versionNumber)) {
      throw new Error(`Launch template ${template.launchTemplateName} has no version ${versionNumber}`);
    }
    template.defaultVersion = versionNumber;
  }

  // ---- Auto Scaling -------------------------------------------------------------------------

  /** Fills a launch template reference's id and name from the template when the account has it. */
  launchTemplateSpec(
    region: string,
    accountId: string,
    ref: LaunchTemplateRefInput,
  ): LaunchTemplateSpecification {
    const given: LaunchTemplateSpecification =
      'template' in ref
        ? {
            launchTemplateId: ref.template.launchTemplateId,
            launchTemplateName: ref.template.launchTemplateName,
          }
        : { ...ref };
    if (ref.version !== undefined) given.version = ref.version;
    if (given.launchTemplateId === undefined && given.launchTemplateName === undefined) {
      throw new Error('A launch template reference needs an id or a name');
    }
    const template = this.region(region).launchTemplates.find(
      (t) =>
        t.accountId === accountId &&
        (given.launchTemplateId !== undefined
          ? t.launchTemplateId === given.launchTemplateId
          : t.launchTemplateName === given.launchTemplateName),
    );
    if (template) {
      given.launchTemplateId = template.launchTemplateId;
      given.launchTemplateName = template.launchTemplateName;
    }
    const out: LaunchTemplateSpecification = {};
    if (given.launchTemplateId !== undefined) out.launchTemplateId = given.launchTemplateId;
    if (given.launchTemplateName !== undefined) out.launchTemplateName = given.launchTemplateName;
    if (given.version !== undefined) out.version = given.version;
    return out;
  }

  addLaunchConfiguration(input: AddLaunchConfigurationInput): FakeLaunchConfiguration {
    const region = input.region ?? DEFAULT_REGION;
    const accountId = input.accountId ?? DEFAULT_ACCOUNT_ID;
    const store = this.region(region);
    if (store.launchConfigurations.some((c) => c.accountId === accountId && c.name === input.name)) {
      throw new Error(`Launch configuration ${input.name} already exists`);
    }
    const configuration: FakeLaunchConfiguration = {
      name: input.name,
      arn: `arn:aws:autoscaling:${region}:${accountId}:launchConfiguration:${this.ids.uuid()}:launchConfigurationName/${input.name}`,
      region,
      accountId,
      imageId: input.imageId,
      instanceType: input.instanceType ?? 't3.micro',
      createdTime: this.now().toISOString(),
    };
    if (input.keyName !== undefined) configuration.keyName = input.keyName;
    store.launchConfigurations.push(configuration);
    return configuration;
  }

  addAutoScalingGroup(input: AddAutoScalingGroupInput): FakeAutoScalingGroup {
    const region = input.region ?? DEFAULT_REGION;
    const accountId = input.accountId ?? DEFAULT_ACCOUNT_ID;
    const store = this.region(region);
    if (store.autoScalingGroups.some((g) => g.accountId === accountId && g.name === input.name)) {
      throw new Error(`Auto Scaling group ${input.name} already exists`);
    }
    const sources = [input.launchConfigurationName, input.launchTemplate, input.mixedInstancesPolicy].filter(
      (x) => x !== undefined,
    );
    if (sources.length !== 1) {
      throw new Error(
        'An Auto Scaling group needs exactly one of launchConfigurationName, launchTemplate, mixedInstancesPolicy',
      );
    }
    const group: FakeAutoScalingGroup = {
      name: input.name,
      arn: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${this.ids.uuid()}:autoScalingGroupName/${input.name}`,
      region,
      accountId,
      createdTime: this.now().toISOString(),
      minSize: input.minSize ?? 0,
      maxSize: input.maxSize ?? Math.max(1, input.desiredCapacity ?? 0, input.minSize ?? 0),
      desiredCapacity: input.desiredCapacity ?? input.instances?.length ?? input.minSize ?? 0,
      availabilityZones: input.availabilityZones ?? [`${region}a`],
      instances: [],
      tags: { ...input.tags },
    };
    if (input.launchConfigurationName !== undefined)
      group.launchConfigurationName = input.launchConfigurationName;
    if (input.launchTemplate)
      group.launchTemplate = this.launchTemplateSpec(region, accountId, input.launchTemplate);
    if (input.mixedInstancesPolicy) {
      group.mixedInstancesPolicy = {
        launchTemplate: this.launchTemplateSpec(region, accountId, input.mixedInstancesPolicy.launchTemplate),
        overrides: (input.mixedInstancesPolicy.overrides ?? []).map((o) => {
          const override: MixedInstancesPolicy['overrides'][number] = {};
          if (o.instanceType !== undefined) override.instanceType = o.instanceType;
          if (o.weightedCapacity !== undefined) override.weightedCapacity = o.weightedCapacity;
          if (o.launchTemplate)
            override.launchTemplate = this.launchTemplateSpec(region, accountId, o.launchTemplate);
          return override;
        }),
      };
    }
    const spec = group.launchTemplate ?? group.mixedInstancesPolicy?.launchTemplate;
    for (const entry of input.instances ?? []) {
      const instanceId = typeof entry === 'string' ? entry : entry.instanceId;
      const instance = store.instances.find((i) => i.instanceId === instanceId);
      const member: AutoScalingInstance = {
        instanceId,
        instanceType: instance?.instanceType ?? 't3.micro',
        availabilityZone: group.availabilityZones[0] ?? `${region}a`,
        lifecycleState: 'InService',
        healthStatus: 'Healthy',
      };
      if (group.launchConfigurationName !== undefined)
        member.launchConfigurationName = group.launchConfigurationName;
      if (spec) {
        const template = store.launchTemplates.find((t) => t.launchTemplateId === spec.launchTemplateId);
        const selector = spec.version ?? '$Default';
        const number =
          selector === '$Latest'
            ? template?.versions.length
            : selector === '$Default'
              ? template?.defaultVersion
              : Number(selector);
        member.launchTemplate = { ...spec, version: String(number ?? selector) };
      }
      group.instances.push(member);
    }
    store.autoScalingGroups.push(group);
    return group;
  }

  // ---- image copies -----------------------------------------------------------------------

  /**
   * Brings copies in flight up to the clock: snapshot progress rises linearly, and once a copy's
   * time is up its image becomes `available` (or `failed`) and its snapshots `completed` (`error`).
   */
  settle(): void {
    if (this.copies.length === 0) return;
    const now = this.now().getTime();
    for (let i = this.copies.length - 1; i >= 0; i--) {
      const job = this.copies[i] as CopyJob;
      if (job.image.state !== 'pending') {
        // Deregistered (or otherwise changed) while copying: nothing more to do.
        this.copies.splice(i, 1);
        continue;
      }
      if (now >= job.completesAt) {
        this.copies.splice(i, 1);
        if (job.failure) {
          job.image.state = 'failed';
          job.image.stateReason = {
            code: job.failure.code ?? 'Server.InternalError',
            message: job.failure.reason ?? 'Internal error while copying the image',
          };
          for (const snapshot of job.snapshots) {
            snapshot.state = 'error';
            snapshot.stateMessage = job.image.stateReason.message;
          }
        } else {
          job.image.state = 'available';
          for (const snapshot of job.snapshots) {
            snapshot.state = 'completed';
            snapshot.progress = '100%';
          }
        }
      } else {
        const span = Math.max(1, job.completesAt - job.startedAt);
        const percent = Math.min(99, Math.max(0, Math.floor(((now - job.startedAt) * 100) / span)));
        for (const snapshot of job.snapshots) snapshot.progress = `${percent}%`;
      }
    }
  }
}

const DEFAULT_DEVICES: readonly BlockDeviceInput[] = [{}];

const EMPTY_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;
