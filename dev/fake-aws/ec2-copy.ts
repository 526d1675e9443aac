import { checkImageId, type Ec2Context, type Ec2Handler, imageNotFound } from './ec2-context.js';
import { AwsError } from './errors.js';
import { isWellFormedId } from './ids.js';
import { queryBool, queryStructList, requireParam } from './query.js';
import type { BlockDeviceInput, CopyFailure, FakeBlockDevice, FakeImage, FakeSnapshot } from './state.js';

export const AMI_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;
const KMS_KEY_REF =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/;

/** Every parameter that defines the copy, for ClientToken idempotency. */
function fingerprint(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params)
    .filter((key) => key !== 'Action' && key !== 'Version' && key !== 'ClientToken')
    .sort();
  return JSON.stringify(keys.map((key) => [key, params[key]]));
}

export function tagSpecifications(params: Readonly<Record<string, string>>): {
  image: Record<string, string>;
  snapshot: Record<string, string>;
} {
  const out = { image: {} as Record<string, string>, snapshot: {} as Record<string, string> };
  for (const spec of queryStructList(params, 'TagSpecification')) {
    const type = spec['ResourceType'];
    if (type !== 'image' && type !== 'snapshot') {
      throw new AwsError(
        'InvalidParameterValue',
        `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const tag of queryStructList(spec, 'Tag')) out[type][tag['Key'] ?? ''] = tag['Value'] ?? '';
  }
  return out;
}

export function checkAmiName(name: string): void {
  if (!AMI_NAME.test(name)) {
    throw new AwsError(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
    );
  }
}

/** AMI names are unique among an account's registered images in a region. */
export function checkNameFree(ctx: Ec2Context, name: string): void {
  const duplicate = (ctx.store.imagesByOwner.get(ctx.account) ?? []).find(
    (image) => image.name === name && image.state !== 'deregistered',
  );
  if (duplicate) {
    throw new AwsError(
      'InvalidAMIName.Duplicate',
      `AMI name ${name} is already in use by AMI ${duplicate.imageId}`,
    );
  }
}

/**
 * CreateImage: an image of one of the caller's instances (running or stopped). Like a copy it is
 * `pending` until its snapshots complete (the copy duration on the clock), then `available`.
 */
export const createImage: Ec2Handler = (ctx, params) => {
  const { state, account } = ctx;
  const instanceId = requireParam(params, 'InstanceId');
  const name = requireParam(params, 'Name');
  if (!isWellFormedId('i', instanceId)) {
    throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
  }
  const instance = ctx.store.instances.find((i) => i.instanceId === instanceId && i.accountId === account);
  if (!instance) {
    throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
  }
  if (instance.state !== 'running' && instance.state !== 'stopped') {
    throw new AwsError(
      'IncorrectInstanceState',
      `The instance '${instanceId}' is not in the 'running' or 'stopped' state.`,
    );
  }
  checkAmiName(name);
  checkNameFree(ctx, name);
  const tags = tagSpecifications(params);
  const source = ctx.store.images.get(instance.imageId);
  const now = ctx.now;
  const imageId = state.ids.ec2('ami');
  const snapshots: FakeSnapshot[] = [];
  const devices: readonly Partial<FakeBlockDevice>[] = source?.blockDevices ?? [
    { deviceName: '/dev/xvda', volumeSize: 8 },
  ];
  const blockDevices: BlockDeviceInput[] = devices.map((device, index) => {
    const deviceName =
      device.deviceName ?? (index === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(97 + index)}`);
    if (!device.snapshotId && device.virtualName) return { deviceName, virtualName: device.virtualName };
    const from = device.snapshotId
      ? source && state.regions.get(source.region)?.snapshot(device.snapshotId)
      : undefined;
    const snapshot = state.addSnapshot({
      region: ctx.region,
      ownerId: account,
      volumeSize: device.volumeSize ?? from?.volumeSize ?? 8,
      encrypted: from?.encrypted ?? false,
      ...(from?.kmsKeyId !== undefined ? { kmsKeyId: from.kmsKeyId } : {}),
      state: 'pending',
      progress: '0%',
      startTime: now.toISOString(),
      description: `Created by CreateImage(${instanceId}) for ${imageId}`,
      tags: tags.snapshot,
    });
    snapshots.push(snapshot);
    const block: BlockDeviceInput = {
      deviceName,
      snapshotId: snapshot.snapshotId,
      volumeSize: snapshot.volumeSize,
    };
    block.volumeType = device.volumeType ?? 'gp3';
    block.deleteOnTermination = device.deleteOnTermination ?? true;
    return block;
  });
  const image = state.addImage({
    imageId,
    region: ctx.region,
    ownerId: account,
    name,
    ...(params['Description'] !== undefined ? { description: params['Description'] } : {}),
    architecture: source?.architecture ?? 'x86_64',
    state: 'pending',
    creationDate: now.toISOString(),
    tags: tags.image,
    rootDeviceName: source?.rootDeviceName ?? '/dev/xvda',
    imageLocation: `${account}/${name}`,
    blockDevices,
    ...(source?.platform !== undefined ? { platform: source.platform } : {}),
    ...(source?.bootMode !== undefined ? { bootMode: source.bootMode } : {}),
    ...(source?.imdsSupport !== undefined ? { imdsSupport: source.imdsSupport } : {}),
  });
  state.copies.push({
    image,
    snapshots,
    startedAt: now.getTime(),
    completesAt: now.getTime() + state.copyDurationMs,
  });
  return { imageId };
};

/**
 * CopyImage, called in the destination region. The copy starts `pending`, its snapshots' progress
 * rises with the clock, and it ends `available` (or `failed`) after the configured copy duration.
 */
export const copyImage: Ec2Handler = (ctx, params) => {
  const { state, account } = ctx;
  const name = requireParam(params, 'Name');
  const sourceImageId = requireParam(params, 'SourceImageId');
  const sourceRegion = requireParam(params, 'SourceRegion');
  const encryptedParam = queryBool(params, 'Encrypted') ?? false;
  const copyImageTags = queryBool(params, 'CopyImageTags') ?? false;
  const kmsKeyId = params['KmsKeyId'];
  const clientToken = params['ClientToken'];

  checkAmiName(name);
  if (kmsKeyId !== undefined && !encryptedParam) {
    throw new AwsError(
      'InvalidParameterDependency',
      'The parameter KmsKeyId requires the parameter Encrypted to be set.',
    );
  }
  if (kmsKeyId !== undefined && !KMS_KEY_REF.test(kmsKeyId)) {
    throw new AwsError('InvalidParameterValue', `Value (${kmsKeyId}) for parameter kmsKeyId is invalid.`);
  }

  const tokenKey = clientToken ? `${account}|${clientToken}` : undefined;
  const print = fingerprint(params);
  if (tokenKey) {
    const previous = ctx.store.copyTokens.get(tokenKey);
    if (previous) {
      if (previous.fingerprint !== print) {
        throw new AwsError(
          'IdempotentParameterMismatch',
          'The client token you have provided is associated with a request that has different parameters.',
        );
      }
      return { imageId: previous.imageId };
    }
  }

  if (!state.regionNames.includes(sourceRegion)) {
    throw new AwsError('InvalidParameterValue', `Invalid value '${sourceRegion}' for SourceRegion.`);
  }
  checkImageId(sourceImageId);
  const sourceStore = state.region(sourceRegion);
  const source = sourceStore.images.get(sourceImageId);
  if (!source || source.state === 'deregistered' || !state.canSeeImage(source, account)) {
    throw imageNotFound([sourceImageId]);
  }
  if (source.state !== 'available') {
    throw new AwsError(
      'IncorrectState',
      `Image ${sourceImageId} is in state ${source.state} and cannot be copied.`,
    );
  }
  checkNameFree(ctx, name);

  // Encryption: asked for, or inherited from an encrypted source. The key must be in this region.
  const sourceSnapshots = source.blockDevices.map((d) =>
    d.snapshotId ? sourceStore.snapshot(d.snapshotId) : undefined,
  );
  const encrypted = encryptedParam || sourceSnapshots.some((s) => s?.encrypted);
  let failure: CopyFailure | undefined = state.copyFailure ? { ...state.copyFailure } : undefined;
  let keyArn: string | undefined;
  if (encrypted) {
    const key =
      kmsKeyId === undefined
        ? state.kms.defaultEbsKey(ctx.region, account)
        : state.kms.resolve(kmsKeyId, ctx.region, account);
    if (!key) {
      keyArn = kmsKeyId;
      failure ??= {
        code: 'Client.InvalidKMSKey.NotFound',
        reason: `The KMS key ${kmsKeyId} does not exist in ${ctx.region}.`,
      };
    } else {
      keyArn = key.arn;
      if (key.keyState !== 'Enabled') {
        failure ??= {
          code: 'Client.InvalidKMSKey.InvalidState',
          reason: `The KMS key ${key.arn} is ${key.keyState.toLowerCase()}.`,
        };
      }
    }
  }

  const tags = tagSpecifications(params);
  const now = ctx.now;
  const imageId = state.ids.ec2('ami');
  const snapshots: FakeSnapshot[] = [];
  const blockDevices: BlockDeviceInput[] = source.blockDevices.map((device, index) => {
    if (!device.snapshotId)
      return { deviceName: device.deviceName, virtualName: device.virtualName ?? `ephemeral${index}` };
    const from = sourceSnapshots[index];
    const snapshot = state.addSnapshot({
      region: ctx.region,
      ownerId: account,
      volumeSize: from?.volumeSize ?? device.volumeSize ?? 8,
      encrypted,
      ...(keyArn !== undefined ? { kmsKeyId: keyArn } : {}),
      state: 'pending',
      progress: '0%',
      startTime: now.toISOString(),
      description: `Copied for DestinationAmi ${imageId} from SourceAmi ${sourceImageId} for SourceSnapshot ${device.snapshotId}. Task created on ${now.toISOString()}.`,
      tags: tags.snapshot,
    });
    snapshots.push(snapshot);
    const block: BlockDeviceInput = {
      deviceName: device.deviceName,
      snapshotId: snapshot.snapshotId,
      volumeSize: snapshot.volumeSize,
    };
    if (device.volumeType !== undefined) block.volumeType = device.volumeType;
    if (device.deleteOnTermination !== undefined) block.deleteOnTermination = device.deleteOnTermination;
    if (device.iops !== undefined) block.iops = device.iops;
    if (device.throughput !== undefined) block.throughput = device.throughput;
    return block;
  });

  const imageTags = { ...(copyImageTags ? state.tagsFor(source, account) : {}), ...tags.image };
  const copy: FakeImage = state.addImage({
    imageId,
    region: ctx.region,
    ownerId: account,
    name,
    description:
      params['Description'] ??
      `[Copied ${sourceImageId} from ${sourceRegion}] ${source.description ?? source.name}`,
    architecture: source.architecture,
    state: 'pending',
    creationDate: now.toISOString(),
    public: false,
    tags: imageTags,
    platformDetails: source.platformDetails,
    usageOperation: source.usageOperation,
    virtualizationType: source.virtualizationType,
    hypervisor: source.hypervisor,
    enaSupport: source.enaSupport,
    rootDeviceType: source.rootDeviceType,
    rootDeviceName: source.rootDeviceName,
    imageType: source.imageType,
    imageLocation: `${account}/${name}`,
    sourceImageId,
    sourceImageRegion: sourceRegion,
    blockDevices,
    ...(source.platform !== undefined ? { platform: source.platform } : {}),
    ...(source.bootMode !== undefined ? { bootMode: source.bootMode } : {}),
    ...(source.imdsSupport !== undefined ? { imdsSupport: source.imdsSupport } : {}),
    ...(source.tpmSupport !== undefined ? { tpmSupport: source.tpmSupport } : {}),
    ...(source.sriovNetSupport !== undefined ? { sriovNetSupport: source.sriovNetSupport } : {}),
  });

  const startedAt = now.getTime();
  state.copies.push({
    image: copy,
    snapshots,
    startedAt,
    completesAt: startedAt + state.copyDurationMs,
    ...(failure ? { failure } : {}),
  });
  if (tokenKey) ctx.store.copyTokens.set(tokenKey, { fingerprint: print, imageId });
  return { imageId };
};
