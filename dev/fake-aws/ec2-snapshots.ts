import {
  checkSnapshotId,
  type Ec2Handler,
  snapshotNotFound,
  validateMaxResults,
  visibleSnapshot,
} from './ec2-context.js';
import { snapshotItem } from './ec2-render.js';
import { AwsError, notAuthorized } from './errors.js';
import { compileFilters, type FilterSpec } from './filters.js';
import { type PageSource, paginate } from './paginate.js';
import { queryFilters, queryInt, queryList, queryStructList, requireParam } from './query.js';
import type { FakeSnapshot } from './state.js';

export const SNAPSHOT_FILTERS: FilterSpec<FakeSnapshot> = {
  fields: {
    description: (s) => s.description,
    encrypted: (s) => s.encrypted,
    'kms-key-id': (s) => s.kmsKeyId,
    'owner-alias': (s) => s.ownerAlias,
    'owner-id': (s) => s.ownerId,
    progress: (s) => s.progress,
    'snapshot-id': (s) => s.snapshotId,
    'start-time': (s) => s.startTime,
    status: (s) => s.state,
    'storage-tier': () => 'standard',
    'volume-id': (s) => s.volumeId,
    'volume-size': (s) => s.volumeSize,
  },
};

const describeSnapshots: Ec2Handler = (ctx, params) => {
  const snapshotIds = queryList(params, 'SnapshotId');
  const owners = queryList(params, 'Owner');
  const restorableBy = queryList(params, 'RestorableBy');
  const maxResults = queryInt(params, 'MaxResults');
  if (maxResults !== undefined && snapshotIds.length > 0) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter snapshotIdsSet cannot be used with the parameter maxResults',
    );
  }
  validateMaxResults(maxResults);
  for (const id of snapshotIds) checkSnapshotId(id);
  const { state, account } = ctx;
  const ownerChecks = owners.map((owner): ((s: FakeSnapshot) => boolean) => {
    if (owner === 'self') return (s) => s.ownerId === account;
    if (/^\d{12}$/.test(owner)) return (s) => s.ownerId === owner;
    if (owner === 'amazon' || owner === 'aws-marketplace') return (s) => s.ownerAlias === owner;
    throw new AwsError('InvalidUserID.Malformed', `Invalid user id: "${owner}"`);
  });
  const restorableChecks = restorableBy.map((who): ((s: FakeSnapshot) => boolean) => {
    const id = who === 'self' ? account : who;
    if (id === 'all') return (s) => s.createVolumePermission.public;
    return (s) =>
      s.ownerId === id || s.createVolumePermission.public || s.createVolumePermission.accounts.includes(id);
  });
  const filter = compileFilters(
    queryFilters(params),
    { ...SNAPSHOT_FILTERS, tags: (s, viewer) => state.tagsFor(s, viewer) },
    account,
  );
  const matches = (snapshot: FakeSnapshot): boolean =>
    ctx.store.snapshot(snapshot.snapshotId) === snapshot &&
    state.canSeeSnapshot(snapshot, account) &&
    (ownerChecks.length === 0 || ownerChecks.some((check) => check(snapshot))) &&
    (restorableChecks.length === 0 || restorableChecks.some((check) => check(snapshot))) &&
    filter(snapshot);

  if (snapshotIds.length > 0) {
    const found: FakeSnapshot[] = [];
    for (const id of new Set(snapshotIds)) {
      const snapshot = ctx.store.snapshot(id);
      if (!snapshot || !state.canSeeSnapshot(snapshot, account)) throw snapshotNotFound(id);
      if (matches(snapshot)) found.push(snapshot);
    }
    return { snapshotSet: found.map((s) => snapshotItem(state, s, account)) };
  }
  const sources: PageSource<FakeSnapshot>[] = [{ items: ctx.store.snapshotOrder }];
  const page = paginate(sources, matches, maxResults, params['NextToken'] || undefined, {
    cap: ctx.pageCap,
  });
  return { snapshotSet: page.items.map((s) => snapshotItem(state, s, account)), nextToken: page.nextToken };
};

const describeSnapshotAttribute: Ec2Handler = (ctx, params) => {
  const snapshot = visibleSnapshot(ctx, requireParam(params, 'SnapshotId'));
  const attribute = requireParam(params, 'Attribute');
  if (snapshot.ownerId !== ctx.account) {
    throw notAuthorized('snapshot', snapshot.snapshotId);
  }
  if (attribute === 'createVolumePermission') {
    const items = [
      ...(snapshot.createVolumePermission.public ? [{ group: 'all' }] : []),
      ...snapshot.createVolumePermission.accounts.map((userId) => ({ userId })),
    ];
    return { snapshotId: snapshot.snapshotId, createVolumePermission: items };
  }
  if (attribute === 'productCodes') return { snapshotId: snapshot.snapshotId, productCodes: [] };
  throw new AwsError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`);
};

const deleteSnapshot: Ec2Handler = (ctx, params) => {
  const snapshot = visibleSnapshot(ctx, requireParam(params, 'SnapshotId'));
  if (snapshot.ownerId !== ctx.account) {
    throw notAuthorized('snapshot', snapshot.snapshotId);
  }
  const users = ctx.store.imagesUsingSnapshot(snapshot.snapshotId);
  if (users.length > 0) {
    throw new AwsError(
      'InvalidSnapshot.InUse',
      `The snapshot ${snapshot.snapshotId} is currently in use by ${users[0]}`,
    );
  }
  ctx.store.snapshots.delete(snapshot.snapshotId);
  return { return: true };
};

interface VolumePermissionChange {
  group?: string;
  userId?: string;
}

function volumePermissionChanges(
  list: readonly Readonly<Record<string, string>>[],
): VolumePermissionChange[] {
  return list.map((entry) => {
    const change: VolumePermissionChange = {};
    if (entry['Group'] !== undefined) change.group = entry['Group'];
    if (entry['UserId'] !== undefined) change.userId = entry['UserId'];
    return change;
  });
}

/**
 * ModifySnapshotAttribute `createVolumePermission`: the structured form
 * (`CreateVolumePermission.Add.N.UserId|Group`, `.Remove.N`) or the flat one (`OperationType` with
 * `UserId.N` / `UserGroup.N`). Encrypted snapshots cannot be made public, and snapshots encrypted
 * with the AWS managed key cannot be shared at all.
 */
const modifySnapshotAttribute: Ec2Handler = (ctx, params) => {
  const snapshot = visibleSnapshot(ctx, requireParam(params, 'SnapshotId'));
  if (snapshot.ownerId !== ctx.account) throw notAuthorized('snapshot', snapshot.snapshotId);
  const attribute = params['Attribute'] ?? 'createVolumePermission';
  if (attribute !== 'createVolumePermission') {
    throw new AwsError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`);
  }
  const adds = volumePermissionChanges(queryStructList(params, 'CreateVolumePermission.Add'));
  const removes = volumePermissionChanges(queryStructList(params, 'CreateVolumePermission.Remove'));
  const operation = params['OperationType'];
  if (operation !== undefined) {
    if (operation !== 'add' && operation !== 'remove') {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${operation}) for parameter operationType is invalid.`,
      );
    }
    const flat = [
      ...queryList(params, 'UserGroup').map((group) => ({ group })),
      ...queryList(params, 'UserId').map((userId) => ({ userId })),
    ];
    (operation === 'add' ? adds : removes).push(...flat);
  }
  if (adds.length + removes.length === 0) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter createVolumePermission');
  }
  for (const change of [...adds, ...removes]) {
    if (change.group !== undefined && change.group !== 'all') {
      throw new AwsError('InvalidParameterValue', `Value (${change.group}) for parameter group is invalid.`);
    }
    if (change.userId !== undefined && !/^\d{12}$/.test(change.userId)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${change.userId}) for parameter userId is invalid.`,
      );
    }
  }
  if (snapshot.encrypted && adds.length > 0) {
    if (adds.some((c) => c.group === 'all')) {
      throw new AwsError('OperationNotPermitted', 'Encrypted snapshots cannot be shared publicly.');
    }
    const key = snapshot.kmsKeyId
      ? ctx.state.kms.resolve(snapshot.kmsKeyId, ctx.region, ctx.account)
      : undefined;
    if (key?.keyManager === 'AWS') {
      throw new AwsError(
        'OperationNotPermitted',
        'Encrypted snapshots with EBS default key cannot be shared',
      );
    }
  }
  const permission = snapshot.createVolumePermission;
  for (const change of adds) {
    if (change.group === 'all') permission.public = true;
    if (change.userId !== undefined && !permission.accounts.includes(change.userId))
      permission.accounts.push(change.userId);
  }
  for (const change of removes) {
    if (change.group === 'all') permission.public = false;
    if (change.userId !== undefined)
      permission.accounts = permission.accounts.filter((a) => a !== change.userId);
  }
  return { return: true };
};

export const snapshotHandlers: Record<string, Ec2Handler> = {
  ModifySnapshotAttribute: modifySnapshotAttribute,
  DescribeSnapshots: describeSnapshots,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  DeleteSnapshot: deleteSnapshot,
};
