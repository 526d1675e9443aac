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
import type {
  FakeInstance,
  FakeLaunchTemplate,
  FakeLaunchTemplateVersion,
  InstanceStateName,
} from './state.js';
import type { XmlObject } from './xml.js';

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

// ---- DescribeLaunchTemplateVersions ----------------------------------------------------------

interface TemplateVersion {
  template: FakeLaunchTemplate;
  version: FakeLaunchTemplateVersion;
}

const VERSION_FILTERS: FilterSpec<TemplateVersion> = {
  fields: {
    'create-time': (v) => v.version.createTime,
    'image-id': (v) => v.version.imageId,
    'instance-type': (v) => v.version.instanceType,
    'is-default-version': (v) => v.version.versionNumber === v.template.defaultVersion,
  },
};

function pickVersions(
  template: FakeLaunchTemplate,
  selectors: readonly string[],
): FakeLaunchTemplateVersion[] {
  if (selectors.length === 0) return template.versions;
  const picked: FakeLaunchTemplateVersion[] = [];
  for (const selector of selectors) {
    const number =
      selector === '$Latest'
        ? template.versions.length
        : selector === '$Default'
          ? template.defaultVersion
          : /^\d+$/.test(selector)
            ? Number(selector)
            : Number.NaN;
    const version = template.versions.find((v) => v.versionNumber === number);
    if (!version) {
      throw new AwsError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${selector} for template ${template.launchTemplateId}`,
      );
    }
    if (!picked.includes(version)) picked.push(version);
  }
  return picked;
}

const describeLaunchTemplateVersions: Ec2Handler = (ctx, params) => {
  const id = params['LaunchTemplateId'];
  const name = params['LaunchTemplateName'];
  const selectors = queryList(params, 'LaunchTemplateVersion');
  const maxResults = queryInt(params, 'MaxResults');
  validateMaxResults(maxResults, 1, 200);
  const mine = ctx.store.launchTemplates.filter((t) => t.accountId === ctx.account);
  let templates: FakeLaunchTemplate[];
  if (id !== undefined || name !== undefined) {
    const template = mine.find((t) =>
      id !== undefined ? t.launchTemplateId === id : t.launchTemplateName === name,
    );
    if (!template) {
      throw id !== undefined
        ? new AwsError(
            'InvalidLaunchTemplateId.NotFound',
            `The specified launch template, with template ID ${id}, does not exist.`,
          )
        : new AwsError(
            'InvalidLaunchTemplateName.NotFoundException',
            `The specified launch template, with template name ${name}, does not exist.`,
          );
    }
    templates = [template];
  } else {
    // Across all templates only $Latest and $Default may be asked for.
    if (selectors.length === 0 || selectors.some((s) => s !== '$Latest' && s !== '$Default')) {
      throw new AwsError(
        'InvalidParameterCombination',
        'To describe versions of all launch templates, specify only $Latest and/or $Default versions.',
      );
    }
    templates = mine;
  }
  const min = queryInt(params, 'MinVersion');
  const max = queryInt(params, 'MaxVersion');
  const all: TemplateVersion[] = templates.flatMap((template) =>
    pickVersions(template, selectors)
      .filter(
        (v) => (min === undefined || v.versionNumber >= min) && (max === undefined || v.versionNumber <= max),
      )
      .map((version) => ({ template, version })),
  );
  const filter = compileFilters(queryFilters(params), VERSION_FILTERS, ctx.account);
  const page = paginate([{ items: all }], filter, maxResults, params['NextToken'] || undefined);
  const items: XmlObject[] = page.items.map(({ template, version }) => ({
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    versionNumber: version.versionNumber,
    versionDescription: version.description,
    createTime: version.createTime,
    createdBy: template.createdBy,
    defaultVersion: version.versionNumber === template.defaultVersion,
    launchTemplateData: { imageId: version.imageId, instanceType: version.instanceType },
  }));
  return { launchTemplateVersionSet: items, nextToken: page.nextToken };
};

export const resourceHandlers: Record<string, Ec2Handler> = {
  DescribeRegions: describeRegions,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeInstances: describeInstances,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};
