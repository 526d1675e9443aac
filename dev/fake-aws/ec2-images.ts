import {
  checkImageId,
  type Ec2Context,
  type Ec2Handler,
  imageNotFound,
  ownedImage,
  validateMaxResults,
  visibleImage,
} from './ec2-context.js';
import { blockDeviceMapping, imageItem, launchPermissionItems } from './ec2-render.js';
import { AwsError, notAuthorized } from './errors.js';
import { compileFilters, type FilterSpec } from './filters.js';
import { type PageSource, paginate } from './paginate.js';
import {
  type QueryParams,
  queryBool,
  queryFilters,
  queryInt,
  queryList,
  queryStruct,
  queryStructList,
  requireParam,
} from './query.js';
import type { FakeImage, LaunchPermissions } from './state.js';
import type { XmlObject } from './xml.js';

const OWNER_ALIASES = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault']);

const devices = (image: FakeImage) => image.blockDevices;

/** DescribeImages filters (the EC2 names), evaluated on what the caller sees. */
export const IMAGE_FILTERS: FilterSpec<FakeImage> = {
  fields: {
    architecture: (i) => i.architecture,
    'block-device-mapping.delete-on-termination': (i) =>
      devices(i).map((d) => d.deleteOnTermination ?? false),
    'block-device-mapping.device-name': (i) => devices(i).map((d) => d.deviceName),
    'block-device-mapping.snapshot-id': (i) =>
      devices(i).flatMap((d) => (d.snapshotId ? [d.snapshotId] : [])),
    'block-device-mapping.volume-size': (i) =>
      devices(i).flatMap((d) => (d.volumeSize ? [d.volumeSize] : [])),
    'block-device-mapping.volume-type': (i) =>
      devices(i).flatMap((d) => (d.volumeType ? [d.volumeType] : [])),
    'block-device-mapping.encrypted': (i) =>
      devices(i).flatMap((d) => (d.snapshotId ? [d.encrypted ?? false] : [])),
    'creation-date': (i) => i.creationDate,
    description: (i) => i.description,
    'ena-support': (i) => i.enaSupport,
    hypervisor: (i) => i.hypervisor,
    'image-id': (i) => i.imageId,
    'image-type': (i) => i.imageType,
    'is-public': (i) => i.public,
    'manifest-location': (i) => i.imageLocation,
    name: (i) => i.name,
    'owner-alias': (i) => i.imageOwnerAlias,
    'owner-id': (i) => i.ownerId,
    platform: (i) => i.platform,
    'platform-details': (i) => i.platformDetails,
    'product-code': (i) => i.productCodes.map((p) => p.productCodeId),
    'root-device-name': (i) => i.rootDeviceName,
    'root-device-type': (i) => i.rootDeviceType,
    'source-image-id': (i) => i.sourceImageId,
    'source-image-region': (i) => i.sourceImageRegion,
    state: (i) => i.state,
    'state-reason-code': (i) => i.stateReason?.code,
    'state-reason-message': (i) => i.stateReason?.message,
    'sriov-net-support': (i) => i.sriovNetSupport,
    'usage-operation': (i) => i.usageOperation,
    'virtualization-type': (i) => i.virtualizationType,
  },
  tags: undefined,
};

// ---- DescribeImages --------------------------------------------------------------------------

interface OwnerScope {
  source: PageSource<FakeImage>;
  key: string;
}

function ownerScopes(ctx: Ec2Context, owners: readonly string[]): OwnerScope[] {
  const scopes: OwnerScope[] = [];
  for (const owner of owners) {
    let scope: OwnerScope;
    if (owner === 'self' || /^\d{12}$/.test(owner)) {
      const id = owner === 'self' ? ctx.account : owner;
      scope = {
        key: `id:${id}`,
        source: { items: ctx.store.imagesByOwner.get(id) ?? [], contains: (image) => image.ownerId === id },
      };
    } else if (OWNER_ALIASES.has(owner)) {
      scope = {
        key: `alias:${owner}`,
        source: {
          items: ctx.store.imagesByAlias.get(owner) ?? [],
          contains: (image) => image.imageOwnerAlias === owner,
        },
      };
    } else {
      throw new AwsError('InvalidUserID.Malformed', `Invalid user id: "${owner}"`);
    }
    if (!scopes.some((s) => s.key === scope.key)) scopes.push(scope);
  }
  return scopes;
}

/** `ExecutableBy.N`: `all` = public; `self`/own id = explicitly shared with the caller (also via organization/OU); another id = explicitly shared with that account. */
function executableBy(
  ctx: Ec2Context,
  values: readonly string[],
): ((image: FakeImage) => boolean) | undefined {
  if (values.length === 0) return undefined;
  const checks = values.map((value): ((image: FakeImage) => boolean) => {
    if (value === 'all') return (image) => image.public;
    if (value === 'self' || value === ctx.account)
      return (image) => ctx.state.hasLaunchPermission(image, ctx.account);
    if (/^\d{12}$/.test(value)) return (image) => ctx.state.hasLaunchPermission(image, value, false);
    throw new AwsError('InvalidUserID.Malformed', `Invalid user id: "${value}"`);
  });
  return (image) => checks.some((check) => check(image));
}

const describeImages: Ec2Handler = (ctx, params) => {
  const imageIds = queryList(params, 'ImageId');
  const owners = queryList(params, 'Owner');
  const maxResults = queryInt(params, 'MaxResults');
  const includeDeprecated = queryBool(params, 'IncludeDeprecated') ?? false;
  const includeDisabled = queryBool(params, 'IncludeDisabled') ?? false;
  const nextToken = params['NextToken'] || undefined;
  if (maxResults !== undefined && imageIds.length > 0) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter imageIdsSet cannot be used with the parameter maxResults',
    );
  }
  validateMaxResults(maxResults);
  for (const id of imageIds) checkImageId(id);

  const { state, account } = ctx;
  const scopes = ownerScopes(ctx, owners);
  const executable = executableBy(ctx, queryList(params, 'ExecutableBy'));
  const filter = compileFilters(
    queryFilters(params),
    { ...IMAGE_FILTERS, tags: (image, viewer) => state.tagsFor(image, viewer) },
    account,
  );
  const now = ctx.now.toISOString();
  const named = imageIds.length > 0;

  const matches = (image: FakeImage): boolean => {
    if (image.state === 'deregistered') return false;
    if (!state.canSeeImage(image, account)) return false;
    if (image.state === 'disabled' && (!includeDisabled || image.ownerId !== account)) return false;
    if (
      !named &&
      !includeDeprecated &&
      image.deprecationTime !== undefined &&
      image.deprecationTime <= now &&
      image.ownerId !== account
    ) {
      return false;
    }
    if (scopes.length > 0 && !scopes.some((s) => s.source.contains?.(image))) return false;
    if (executable && !executable(image)) return false;
    return filter(image);
  };

  let images: FakeImage[];
  let token: string | undefined;
  if (named) {
    const missing: string[] = [];
    images = [];
    for (const id of new Set(imageIds)) {
      const image = ctx.store.images.get(id);
      if (!image || image.state === 'deregistered' || !state.canSeeImage(image, account)) missing.push(id);
      else if (matches(image)) images.push(image);
    }
    if (missing.length > 0) throw imageNotFound(missing);
  } else {
    const sources = scopes.length > 0 ? scopes.map((s) => s.source) : [{ items: ctx.store.imageOrder }];
    const page = paginate(sources, matches, maxResults, nextToken, { cap: ctx.pageCap });
    images = page.items;
    token = page.nextToken;
  }
  return { imagesSet: images.map((image) => imageItem(state, image, account)), nextToken: token };
};

// ---- DescribeImageAttribute ------------------------------------------------------------------

const ATTRIBUTE_VALUES: Record<string, (image: FakeImage) => string | undefined> = {
  description: (i) => i.description,
  kernel: () => undefined,
  ramdisk: () => undefined,
  sriovNetSupport: (i) => i.sriovNetSupport,
  bootMode: (i) => i.bootMode,
  tpmSupport: (i) => i.tpmSupport,
  uefiData: () => undefined,
  lastLaunchedTime: (i) => i.lastLaunchedTime,
  imdsSupport: (i) => i.imdsSupport,
  deregistrationProtection: (i) => i.deregistrationProtection ?? 'disabled',
};

const describeImageAttribute: Ec2Handler = (ctx, params) => {
  const imageId = requireParam(params, 'ImageId');
  const attribute = requireParam(params, 'Attribute');
  const image = visibleImage(ctx, imageId);
  switch (attribute) {
    case 'launchPermission':
      if (image.ownerId !== ctx.account) throw notAuthorized('image', imageId);
      return { imageId, launchPermission: launchPermissionItems(image) };
    case 'productCodes':
      return {
        imageId,
        productCodes: image.productCodes.map((p) => ({
          productCode: p.productCodeId,
          type: p.productCodeType,
        })),
      };
    case 'blockDeviceMapping':
      return { imageId, blockDeviceMapping: blockDeviceMapping(image) };
    default: {
      const read = ATTRIBUTE_VALUES[attribute];
      if (!read) {
        throw new AwsError(
          'InvalidParameterValue',
          `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
        );
      }
      return { imageId, [attribute]: { value: read(image) } };
    }
  }
};

// ---- ModifyImageAttribute --------------------------------------------------------------------

interface PermissionChange {
  group?: string;
  userId?: string;
  organizationArn?: string;
  organizationalUnitArn?: string;
}

function changesFrom(list: readonly QueryParams[]): PermissionChange[] {
  return list.map((entry) => {
    const change: PermissionChange = {};
    if (entry['Group'] !== undefined) change.group = entry['Group'];
    if (entry['UserId'] !== undefined) change.userId = entry['UserId'];
    if (entry['OrganizationArn'] !== undefined) change.organizationArn = entry['OrganizationArn'];
    if (entry['OrganizationalUnitArn'] !== undefined)
      change.organizationalUnitArn = entry['OrganizationalUnitArn'];
    return change;
  });
}

/** The old flat form: `OperationType=add|remove` with `UserId.N`, `UserGroup.N`, `OrganizationArn.N`… */
function legacyChanges(params: QueryParams): PermissionChange[] {
  return [
    ...queryList(params, 'UserGroup').map((group) => ({ group })),
    ...queryList(params, 'UserId').map((userId) => ({ userId })),
    ...queryList(params, 'OrganizationArn').map((organizationArn) => ({ organizationArn })),
    ...queryList(params, 'OrganizationalUnitArn').map((organizationalUnitArn) => ({ organizationalUnitArn })),
  ];
}

function validateChange(change: PermissionChange): void {
  if (change.group !== undefined && change.group !== 'all') {
    throw new AwsError(
      'InvalidAMIAttributeItemValue',
      `Invalid attribute item value "${change.group}" for group item type.`,
    );
  }
  if (change.userId !== undefined && !/^\d{12}$/.test(change.userId)) {
    throw new AwsError(
      'InvalidAMIAttributeItemValue',
      `Invalid attribute item value "${change.userId}" for userId item type.`,
    );
  }
  if (
    change.organizationArn !== undefined &&
    !/^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/.test(change.organizationArn)
  ) {
    throw new AwsError('InvalidParameterValue', `Invalid organization ARN: ${change.organizationArn}`);
  }
  if (
    change.organizationalUnitArn !== undefined &&
    !/^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/.test(
      change.organizationalUnitArn,
    )
  ) {
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid organizational unit ARN: ${change.organizationalUnitArn}`,
    );
  }
}

function applyChange(image: FakeImage, change: PermissionChange, add: boolean): void {
  const edit = (list: string[], value: string | undefined) => {
    if (value === undefined) return;
    const at = list.indexOf(value);
    if (add && at === -1) list.push(value);
    if (!add && at !== -1) list.splice(at, 1);
  };
  const permission: LaunchPermissions = image.launchPermission;
  if (change.group === 'all') image.public = add;
  edit(permission.accounts, change.userId);
  edit(permission.organizations, change.organizationArn);
  edit(permission.organizationalUnits, change.organizationalUnitArn);
}

const modifyImageAttribute: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  const attribute = params['Attribute'];
  const adds = changesFrom(queryStructList(params, 'LaunchPermission.Add'));
  const removes = changesFrom(queryStructList(params, 'LaunchPermission.Remove'));
  const operation = params['OperationType'];
  if (operation !== undefined) {
    if (operation !== 'add' && operation !== 'remove') {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${operation}) for parameter operationType is invalid.`,
      );
    }
    (operation === 'add' ? adds : removes).push(...legacyChanges(params));
  }
  const description =
    queryStruct(params, 'Description')['Value'] ??
    (attribute === 'description' ? params['Value'] : undefined);
  const imds =
    queryStruct(params, 'ImdsSupport')['Value'] ??
    (attribute === 'imdsSupport' ? params['Value'] : undefined);

  if (adds.length + removes.length === 0 && description === undefined && imds === undefined) {
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchPermission, Description or ImdsSupport',
    );
  }
  for (const change of [...adds, ...removes]) validateChange(change);
  if (adds.some((c) => c.group === 'all') && ctx.state.imagePublicSharingBlocked(ctx.account, ctx.region)) {
    throw new AwsError(
      'OperationNotPermitted',
      `You can't publicly share ${image.imageId} because block public access for AMIs is enabled for this account in ${ctx.region}.`,
    );
  }
  if (adds.length > 0 && image.state === 'disabled') {
    throw new AwsError(
      'InvalidParameterValue',
      `The image ${image.imageId} is disabled and cannot be shared.`,
    );
  }
  for (const change of adds) applyChange(image, change, true);
  for (const change of removes) applyChange(image, change, false);
  if (description !== undefined) image.description = description;
  if (imds !== undefined) {
    if (imds !== 'v2.0')
      throw new AwsError('InvalidParameterValue', `Value (${imds}) for parameter imdsSupport is invalid.`);
    image.imdsSupport = imds;
  }
  return { return: true };
};

// ---- DeregisterImage -------------------------------------------------------------------------

const deregisterImage: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  if (image.deregistrationProtection?.startsWith('enabled')) {
    throw new AwsError(
      'InvalidParameterValue',
      `Image ${image.imageId} has deregistration protection enabled and cannot be deregistered.`,
    );
  }
  const deleteSnapshots = queryBool(params, 'DeleteAssociatedSnapshots') ?? false;
  image.state = 'deregistered';
  ctx.store.releaseSnapshots(image);
  if (!deleteSnapshots) return { return: true };

  const results: XmlObject[] = [];
  for (const device of image.blockDevices) {
    const snapshotId = device.snapshotId;
    if (!snapshotId) continue;
    const snapshot = ctx.store.snapshot(snapshotId);
    if (!snapshot) continue;
    if (snapshot.ownerId !== ctx.account) {
      results.push({ snapshotId, returnCode: 'missing-permissions' });
    } else if (ctx.store.imagesUsingSnapshot(snapshotId).length > 0) {
      results.push({ snapshotId, returnCode: 'skipped' });
    } else {
      ctx.store.snapshots.delete(snapshotId);
      results.push({ snapshotId, returnCode: 'success' });
    }
  }
  return { return: true, deleteSnapshotResultSet: results };
};

// ---- deprecation, disable/enable -------------------------------------------------------------

const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;

const enableImageDeprecation: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  const text = requireParam(params, 'DeprecateAt');
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) {
    throw new AwsError('InvalidParameterValue', `Value (${text}) for parameter deprecateAt is invalid.`);
  }
  // EC2 keeps minutes: seconds and milliseconds are dropped.
  at.setUTCSeconds(0, 0);
  if (at.getTime() <= ctx.now.getTime()) {
    throw new AwsError('InvalidParameterValue', 'The deprecation time must be in the future.');
  }
  if (at.getTime() - ctx.now.getTime() > TEN_YEARS_MS) {
    throw new AwsError(
      'InvalidParameterValue',
      'The deprecation time cannot be more than 10 years in the future.',
    );
  }
  image.deprecationTime = at.toISOString();
  return { return: true };
};

const disableImageDeprecation: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  delete image.deprecationTime;
  return { return: true };
};

const disableImage: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  if (image.state !== 'available') {
    throw new AwsError(
      'IncorrectState',
      `The image '${image.imageId}' is in the '${image.state}' state and cannot be disabled.`,
    );
  }
  // A disabled AMI loses all its launch permissions: it is made private.
  image.state = 'disabled';
  image.public = false;
  image.launchPermission = { accounts: [], organizations: [], organizationalUnits: [] };
  return { return: true };
};

const enableImage: Ec2Handler = (ctx, params) => {
  const image = ownedImage(ctx, requireParam(params, 'ImageId'));
  if (image.state !== 'disabled') {
    throw new AwsError(
      'IncorrectState',
      `The image '${image.imageId}' is in the '${image.state}' state and cannot be enabled.`,
    );
  }
  image.state = 'available';
  return { return: true };
};

// ---- block public access for AMIs -------------------------------------------------------------

/** Block public access for AMIs, per account and region; changes take effect at once here. */
const getImageBlockPublicAccessState: Ec2Handler = (ctx) => ({
  imageBlockPublicAccessState: ctx.state.imagePublicSharingBlocked(ctx.account, ctx.region)
    ? 'block-new-sharing'
    : 'unblocked',
  managedBy: 'account',
});

const enableImageBlockPublicAccess: Ec2Handler = (ctx, params) => {
  const wanted = requireParam(params, 'ImageBlockPublicAccessState');
  if (wanted !== 'block-new-sharing') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${wanted}) for parameter ImageBlockPublicAccessState is invalid. Valid values: block-new-sharing.`,
    );
  }
  ctx.state.setImageBlockPublicAccess(ctx.account, ctx.region, true);
  return { imageBlockPublicAccessState: 'block-new-sharing' };
};

const disableImageBlockPublicAccess: Ec2Handler = (ctx) => {
  ctx.state.setImageBlockPublicAccess(ctx.account, ctx.region, false);
  return { imageBlockPublicAccessState: 'unblocked' };
};

export const imageHandlers: Record<string, Ec2Handler> = {
  GetImageBlockPublicAccessState: getImageBlockPublicAccessState,
  EnableImageBlockPublicAccess: enableImageBlockPublicAccess,
  DisableImageBlockPublicAccess: disableImageBlockPublicAccess,
  DescribeImages: describeImages,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  DeregisterImage: deregisterImage,
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  DisableImage: disableImage,
  EnableImage: enableImage,
};
