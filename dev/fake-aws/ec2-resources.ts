import {
  type Ec2Context,
  type Ec2Handler,
  validateMaxResults,
  visibleImage,
  visibleSnapshot,
} from './ec2-context.js';
import { tagSet } from './ec2-render.js';
import { AwsError } from './errors.js';
import { compileFilters, type FilterSpec } from './filters.js';
import { paginate } from './paginate.js';
import { queryFilters, queryInt, queryList, queryStructList } from './query.js';
import type { FakeInstance, InstanceStateName } from './state.js';

// ---- DescribeRegions -------------------------------------------------------------------------

const describeRegions: Ec2Handler = (ctx, params) => {
  const names = queryList(params, 'RegionName');
  for (const name of names) {
    if (!ctx.state.regionNames.includes(name)) {
      throw new AwsError('InvalidParameterValue', `Invalid region${names.length > 1 ? 's' : ''}: ${name}`);
    }
  }
  type RegionInfo = { regionName: string; regionEndpoint: string; optInStatus: string };
  const regions: RegionInfo[] = (names.length > 0 ? names : ctx.state.regionNames).map((regionName) => ({
    regionName,
    regionEndpoint: `ec2.${regionName}.amazonaws.com`,
    optInStatus: 'opt-in-not-required',
  }));
  const filter = compileFilters<RegionInfo>(
    queryFilters(params),
    {
      fields: {
        'region-name': (r) => r.regionName,
        endpoint: (r) => r.regionEndpoint,
        'opt-in-status': (r) => r.optInStatus,
      },
    },
    ctx.account,
  );
  return { regionInfo: regions.filter(filter) };
};

// ---- CreateTags / DeleteTags -----------------------------------------------------------------

const MAX_TAGS = 50;

/** The tag map the caller may edit on a resource named by id. */
function taggable(ctx: Ec2Context, resourceId: string): Record<string, string> {
  if (resourceId.startsWith('ami-'))
    return ctx.state.writableTagsFor(visibleImage(ctx, resourceId), ctx.account);
  if (resourceId.startsWith('snap-'))
    return ctx.state.writableTagsFor(visibleSnapshot(ctx, resourceId), ctx.account);
  if (resourceId.startsWith('i-')) {
    const instance = ctx.store.instances.find(
      (i) => i.instanceId === resourceId && i.accountId === ctx.account,
    );
    if (!instance)
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${resourceId}' does not exist`);
    return instance.tags;
  }
  if (resourceId.startsWith('lt-')) {
    const template = ctx.store.launchTemplates.find(
      (t) => t.launchTemplateId === resourceId && t.accountId === ctx.account,
    );
    if (!template) {
      throw new AwsError(
        'InvalidLaunchTemplateId.NotFound',
        `The specified launch template, with template ID ${resourceId}, does not exist.`,
      );
    }
    return template.tags;
  }
  throw new AwsError('InvalidID', `The ID '${resourceId}' is not valid`);
}

function resourceIds(params: Parameters<Ec2Handler>[1]): string[] {
  const ids = queryList(params, 'ResourceId');
  if (ids.length === 0)
    throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids;
}

const createTags: Ec2Handler = (ctx, params) => {
  const targets = resourceIds(params).map((id) => taggable(ctx, id));
  const tags = queryStructList(params, 'Tag').map((t) => ({ key: t['Key'] ?? '', value: t['Value'] ?? '' }));
  if (tags.length === 0)
    throw new AwsError('MissingParameter', 'The request must contain the parameter tagSet');
  for (const { key, value } of tags) {
    if (key === '' || key.length > 128) {
      throw new AwsError('InvalidParameterValue', `Tag key must be between 1 and 128 characters: '${key}'`);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsError(
        'InvalidParameterValue',
        "Tag keys starting with 'aws:' are reserved for internal use",
      );
    }
    if (value.length > 256)
      throw new AwsError('InvalidParameterValue', 'Tag value exceeds the maximum length of 256');
  }
  for (const target of targets) {
    const keys = new Set([...Object.keys(target), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_TAGS) {
      throw new AwsError(
        'TagLimitExceeded',
        `The maximum number of tags per resource (${MAX_TAGS}) was exceeded`,
      );
    }
  }
  for (const target of targets) for (const { key, value } of tags) target[key] = value;
  return { return: true };
};

const deleteTags: Ec2Handler = (ctx, params) => {
  const targets = resourceIds(params).map((id) => taggable(ctx, id));
  const tags = queryStructList(params, 'Tag');
  for (const target of targets) {
    if (tags.length === 0) {
      for (const key of Object.keys(target)) delete target[key];
      continue;
    }
    for (const tag of tags) {
      const key = tag['Key'] ?? '';
      // With a value, a tag is deleted only if its value matches.
      if (tag['Value'] === undefined || target[key] === tag['Value']) delete target[key];
    }
  }
  return { return: true };
};

// ---- DescribeInstances -----------------------------------------------------------------------

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const INSTANCE_FILTERS: FilterSpec<FakeInstance> = {
  fields: {
    'image-id': (i) => i.imageId,
    'instance-id': (i) => i.instanceId,
    'instance-state-name': (i) => i.state,
    'instance-state-code': (i) => STATE_CODES[i.state],
    'instance-type': (i) => i.instanceType,
    'launch-time': (i) => i.launchTime,
    'owner-id': (i) => i.accountId,
  },
  tags: (i) => i.tags,
};

const describeInstances: Ec2Handler = (ctx, params) => {
  const instanceIds = queryList(params, 'InstanceId');
  const maxResults = queryInt(params, 'MaxResults');
  if (maxResults !== undefined && instanceIds.length > 0) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  validateMaxResults(maxResults);
  const own = (i: FakeInstance) => i.accountId === ctx.account;
  for (const id of instanceIds) {
    if (!ctx.store.instances.some((i) => i.instanceId === id && own(i))) {
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
  }
  const filter = compileFilters(queryFilters(params), INSTANCE_FILTERS, ctx.account);
  const wanted = new Set(instanceIds);
  const page = paginate(
    [{ items: ctx.store.instances }],
    (i) => own(i) && (wanted.size === 0 || wanted.has(i.instanceId)) && filter(i),
    maxResults,
    params['NextToken'] || undefined,
    { cap: ctx.pageCap },
  );
  const reservations = page.items.map((instance) => ({
    reservationId: `r-${instance.instanceId.slice(2)}`,
    ownerId: instance.accountId,
    groupSet: [],
    instancesSet: [
      {
        instanceId: instance.instanceId,
        imageId: instance.imageId,
        instanceState: { code: STATE_CODES[instance.state], name: instance.state },
        instanceType: instance.instanceType,
        launchTime: instance.launchTime,
        placement: { availabilityZone: `${instance.region}a`, tenancy: 'default' },
        tagSet: tagSet(instance.tags),
      },
    ],
  }));
  return { reservationSet: reservations, nextToken: page.nextToken };
};

export const resourceHandlers: Record<string, Ec2Handler> = {
  DescribeRegions: describeRegions,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeInstances: describeInstances,
};
