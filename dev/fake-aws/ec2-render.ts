import type { FakeAwsState, FakeBlockDevice, FakeImage, FakeSnapshot, LaunchPermissions } from './state.js';
import type { XmlObject } from './xml.js';

/** EC2 wire shapes (element names as in the EC2 API's XML answers). */

export function tagSet(tags: Readonly<Record<string, string>>): XmlObject[] | undefined {
  const keys = Object.keys(tags);
  if (keys.length === 0) return undefined;
  return keys.map((key) => ({ key, value: tags[key] }));
}

function blockDeviceItem(device: FakeBlockDevice): XmlObject {
  if (!device.snapshotId && device.virtualName)
    return { deviceName: device.deviceName, virtualName: device.virtualName };
  return {
    deviceName: device.deviceName,
    ebs: {
      deleteOnTermination: device.deleteOnTermination,
      iops: device.iops,
      snapshotId: device.snapshotId,
      volumeSize: device.volumeSize,
      volumeType: device.volumeType,
      throughput: device.throughput,
      encrypted: device.encrypted,
    },
  };
}

export function blockDeviceMapping(image: FakeImage): XmlObject[] {
  return image.blockDevices.map(blockDeviceItem);
}

/** One `<item>` of DescribeImages' `imagesSet`, as seen by `viewer` (tags are per account). */
export function imageItem(state: FakeAwsState, image: FakeImage, viewer: string): XmlObject {
  return {
    imageId: image.imageId,
    imageLocation: image.imageLocation,
    imageState: image.state,
    imageOwnerId: image.ownerId,
    creationDate: image.creationDate,
    isPublic: image.public,
    productCodes: image.productCodes.length
      ? image.productCodes.map((p) => ({ productCode: p.productCodeId, type: p.productCodeType }))
      : undefined,
    architecture: image.architecture,
    imageType: image.imageType,
    platform: image.platform,
    platformDetails: image.platformDetails,
    usageOperation: image.usageOperation,
    stateReason: image.stateReason
      ? { code: image.stateReason.code, message: image.stateReason.message }
      : undefined,
    imageOwnerAlias: image.imageOwnerAlias,
    name: image.name,
    description: image.description,
    rootDeviceType: image.rootDeviceType,
    rootDeviceName: image.rootDeviceName,
    blockDeviceMapping: blockDeviceMapping(image),
    virtualizationType: image.virtualizationType,
    tagSet: tagSet(state.tagsFor(image, viewer)),
    hypervisor: image.hypervisor,
    enaSupport: image.enaSupport,
    sriovNetSupport: image.sriovNetSupport,
    bootMode: image.bootMode,
    tpmSupport: image.tpmSupport,
    imdsSupport: image.imdsSupport,
    deprecationTime: image.deprecationTime,
    lastLaunchedTime: image.lastLaunchedTime,
    sourceImageId: image.sourceImageId,
    sourceImageRegion: image.sourceImageRegion,
    deregistrationProtection: image.deregistrationProtection,
  };
}

export function launchPermissionItems(image: {
  public: boolean;
  launchPermission: LaunchPermissions;
}): XmlObject[] {
  const items: XmlObject[] = [];
  if (image.public) items.push({ group: 'all' });
  for (const userId of image.launchPermission.accounts) items.push({ userId });
  for (const organizationArn of image.launchPermission.organizations) items.push({ organizationArn });
  for (const organizationalUnitArn of image.launchPermission.organizationalUnits)
    items.push({ organizationalUnitArn });
  return items;
}

export function snapshotItem(state: FakeAwsState, snapshot: FakeSnapshot, viewer: string): XmlObject {
  return {
    snapshotId: snapshot.snapshotId,
    volumeId: snapshot.volumeId,
    status: snapshot.state,
    statusMessage: snapshot.stateMessage,
    startTime: snapshot.startTime,
    progress: snapshot.progress,
    ownerId: snapshot.ownerId,
    volumeSize: snapshot.volumeSize,
    description: snapshot.description,
    encrypted: snapshot.encrypted,
    kmsKeyId: snapshot.kmsKeyId,
    ownerAlias: snapshot.ownerAlias,
    tagSet: tagSet(state.tagsFor(snapshot, viewer)),
    storageTier: 'standard',
  };
}
