import { type Ec2Context, type Ec2Handler, validateMaxResults } from './ec2-context.js';
import { tagSet } from './ec2-render.js';
import { AwsError } from './errors.js';
import { compileFilters, type FilterSpec } from './filters.js';
import { isWellFormedId } from './ids.js';
import { paginate } from './paginate.js';
import {
  type QueryParams,
  queryBool,
  queryFilters,
  queryInt,
  queryList,
  queryStruct,
  queryStructList,
} from './query.js';
import type { FakeLaunchTemplate, FakeLaunchTemplateVersion, LaunchTemplateVersionInput } from './state.js';
import type { XmlObject } from './xml.js';

/**
 * EC2 launch templates: DescribeLaunchTemplates, DescribeLaunchTemplateVersions (one template's
 * versions by number, `$Latest`, `$Default` or range, or the `$Latest`/`$Default` versions of every
 * template), CreateLaunchTemplate, CreateLaunchTemplateVersion and ModifyLaunchTemplate (the
 * default version).
 */

const TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

/** The SSM parameter an image id names, if it is `resolve:ssm:<parameter>`. */
export const SSM_IMAGE_PREFIX = 'resolve:ssm:';

function templateItem(template: FakeLaunchTemplate, account: string): XmlObject {
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    createTime: template.createTime,
    createdBy: template.createdBy,
    defaultVersionNumber: template.defaultVersion,
    latestVersionNumber: latestVersion(template),
    tagSet: template.accountId === account ? tagSet(template.tags) : undefined,
  };
}

function latestVersion(template: FakeLaunchTemplate): number {
  return template.versions.length;
}

function versionItem(
  template: FakeLaunchTemplate,
  version: FakeLaunchTemplateVersion,
  resolve?: (imageId: string) => string,
): XmlObject {
  const imageId =
    resolve && version.imageId?.startsWith(SSM_IMAGE_PREFIX) ? resolve(version.imageId) : version.imageId;
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    versionNumber: version.versionNumber,
    versionDescription: version.description,
    createTime: version.createTime,
    createdBy: version.createdBy,
    defaultVersion: version.versionNumber === template.defaultVersion,
    launchTemplateData: {
      imageId,
      instanceType: version.instanceType,
      keyName: version.keyName,
    },
  };
}

function mine(ctx: Ec2Context): FakeLaunchTemplate[] {
  return ctx.store.launchTemplates.filter((t) => t.accountId === ctx.account);
}

function idNotFound(id: string): AwsError {
  return new AwsError(
    'InvalidLaunchTemplateId.NotFound',
    `The specified launch template, with template ID ${id}, does not exist.`,
  );
}

function nameNotFound(name: string): AwsError {
  return new AwsError(
    'InvalidLaunchTemplateName.NotFoundException',
    `The specified launch template, with template name ${name}, does not exist.`,
  );
}

function checkTemplateId(id: string): void {
  if (!isWellFormedId('lt', id)) {
    throw new AwsError(
      'InvalidLaunchTemplateId.Malformed',
      `The specified ID for the launch template is not valid: ${id}`,
    );
  }
}

/** The one template a call names by `LaunchTemplateId` or `LaunchTemplateName` (not both). */
function namedTemplate(ctx: Ec2Context, params: QueryParams): FakeLaunchTemplate | undefined {
  const id = params['LaunchTemplateId'];
  const name = params['LaunchTemplateName'];
  if (id !== undefined && name !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Specify either the launch template ID or the launch template name, but not both.',
    );
  }
  if (id !== undefined) {
    checkTemplateId(id);
    const template = mine(ctx).find((t) => t.launchTemplateId === id);
    if (!template) throw idNotFound(id);
    return template;
  }
  if (name !== undefined) {
    const template = mine(ctx).find((t) => t.launchTemplateName === name);
    if (!template) throw nameNotFound(name);
    return template;
  }
  return undefined;
}

function requireTemplate(ctx: Ec2Context, params: QueryParams): FakeLaunchTemplate {
  const template = namedTemplate(ctx, params);
  if (!template) {
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
    );
  }
  return template;
}

function versionNotFound(template: FakeLaunchTemplate, selector: string): AwsError {
  return new AwsError(
    'InvalidLaunchTemplateId.VersionNotFound',
    `Could not find launch template version ${selector} for template ${template.launchTemplateId}`,
  );
}

/** The version a selector names: a number, `$Latest` or `$Default`. */
export function resolveVersion(
  template: FakeLaunchTemplate,
  selector: string,
): FakeLaunchTemplateVersion | undefined {
  const number =
    selector === '$Latest'
      ? latestVersion(template)
      : selector === '$Default'
        ? template.defaultVersion
        : /^[1-9]\d*$/.test(selector)
          ? Number(selector)
          : Number.NaN;
  return template.versions[number - 1];
}

// ---- DescribeLaunchTemplates -----------------------------------------------------------------

const TEMPLATE_FILTERS: FilterSpec<FakeLaunchTemplate> = {
  fields: {
    'create-time': (t) => t.createTime,
    'launch-template-name': (t) => t.launchTemplateName,
  },
  tags: (t) => t.tags,
};

const describeLaunchTemplates: Ec2Handler = (ctx, params) => {
  const ids = queryList(params, 'LaunchTemplateId');
  const names = queryList(params, 'LaunchTemplateName');
  const maxResults = queryInt(params, 'MaxResults');
  validateMaxResults(maxResults, 1, 200);
  const templates = mine(ctx);
  for (const id of ids) {
    checkTemplateId(id);
    if (!templates.some((t) => t.launchTemplateId === id)) throw idNotFound(id);
  }
  for (const name of names) {
    if (!templates.some((t) => t.launchTemplateName === name)) {
      throw new AwsError(
        'InvalidLaunchTemplateName.NotFoundException',
        'At least one of the launch templates specified in the request does not exist.',
      );
    }
  }
  const filter = compileFilters(queryFilters(params), TEMPLATE_FILTERS, ctx.account);
  const named = (t: FakeLaunchTemplate) =>
    (ids.length === 0 && names.length === 0) ||
    ids.includes(t.launchTemplateId) ||
    names.includes(t.launchTemplateName);
  const page = paginate(
    [{ items: templates }],
    (t) => named(t) && filter(t),
    maxResults,
    params['NextToken'] || undefined,
    { cap: ctx.pageCap },
  );
  return {
    launchTemplates: page.items.map((t) => templateItem(t, ctx.account)),
    nextToken: page.nextToken,
  };
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

const ALL_TEMPLATES_RULE =
  'To describe the launch template data for all your launch templates, for versions specify $Latest, $Default, or both, and omit the launch template ID, the launch template name and version numbers. To describe the launch template data for a specific launch template, specify the launch template ID or name, and for versions specify one or more of the following values: $Latest, $Default, or one or more version numbers.';

function versionBound(params: QueryParams, name: 'MinVersion' | 'MaxVersion'): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new AwsError('InvalidParameterValue', `Value (${value}) for parameter ${name} is invalid.`);
  }
  return Number(value);
}

const describeLaunchTemplateVersions: Ec2Handler = (ctx, params) => {
  const selectors = queryList(params, 'LaunchTemplateVersion');
  const maxResults = queryInt(params, 'MaxResults');
  validateMaxResults(maxResults, 1, 200);
  const min = versionBound(params, 'MinVersion');
  const max = versionBound(params, 'MaxVersion');
  const template = namedTemplate(ctx, params);
  // ResolveAlias: `resolve:ssm:<parameter>` image ids are answered as the AMI id they point to.
  const resolve = queryBool(params, 'ResolveAlias')
    ? (imageId: string) => ctx.state.resolveImageParameter(ctx.region, ctx.account, imageId)
    : undefined;

  let all: TemplateVersion[];
  if (template) {
    // One template: the versions asked for (in the order asked), else every version in order.
    let versions: FakeLaunchTemplateVersion[];
    if (selectors.length === 0) {
      versions = template.versions;
    } else {
      versions = [];
      for (const selector of selectors) {
        const version = resolveVersion(template, selector);
        if (!version) throw versionNotFound(template, selector);
        if (!versions.includes(version)) versions.push(version);
      }
    }
    all = versions
      .filter(
        (v) => (min === undefined || v.versionNumber >= min) && (max === undefined || v.versionNumber <= max),
      )
      .map((version) => ({ template, version }));
  } else {
    // Every template of the account: only `$Latest` and `$Default` may be asked for, no numbers.
    if (selectors.length === 0) throw new AwsError('MissingParameter', ALL_TEMPLATES_RULE);
    if (
      selectors.some((s) => s !== '$Latest' && s !== '$Default') ||
      min !== undefined ||
      max !== undefined
    ) {
      throw new AwsError('InvalidParameterValue', ALL_TEMPLATES_RULE);
    }
    all = [];
    for (const each of mine(ctx)) {
      const picked: FakeLaunchTemplateVersion[] = [];
      for (const selector of selectors) {
        const version = resolveVersion(each, selector);
        if (version && !picked.includes(version)) picked.push(version);
      }
      for (const version of picked) all.push({ template: each, version });
    }
  }
  const filter = compileFilters(queryFilters(params), VERSION_FILTERS, ctx.account);
  const page = paginate([{ items: all }], filter, maxResults, params['NextToken'] || undefined, {
    cap: ctx.pageCap,
  });
  return {
    launchTemplateVersionSet: page.items.map(({ template: t, version }) => versionItem(t, version, resolve)),
    nextToken: page.nextToken,
  };
};

// ---- CreateLaunchTemplate / CreateLaunchTemplateVersion / ModifyLaunchTemplate ----------------

function templateData(params: QueryParams): LaunchTemplateVersionInput {
  const data = queryStruct(params, 'LaunchTemplateData');
  const out: LaunchTemplateVersionInput = {};
  if (data['ImageId'] !== undefined) out.imageId = data['ImageId'];
  if (data['InstanceType'] !== undefined) out.instanceType = data['InstanceType'];
  if (data['KeyName'] !== undefined) out.keyName = data['KeyName'];
  const description = params['VersionDescription'];
  if (description !== undefined) {
    if (description.length > 255) {
      throw new AwsError('InvalidParameterValue', 'The version description must be at most 255 characters.');
    }
    out.description = description;
  }
  return out;
}

function checkImageReference(imageId: string | undefined): void {
  if (imageId === undefined || imageId.startsWith(SSM_IMAGE_PREFIX)) return;
  if (!isWellFormedId('ami', imageId)) {
    throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  }
}

function launchTemplateTags(params: QueryParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const spec of queryStructList(params, 'TagSpecification')) {
    if (spec['ResourceType'] !== 'launch-template') {
      throw new AwsError(
        'InvalidParameterValue',
        `'${spec['ResourceType'] ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const tag of queryStructList(spec, 'Tag')) tags[tag['Key'] ?? ''] = tag['Value'] ?? '';
  }
  return tags;
}

const createLaunchTemplate: Ec2Handler = (ctx, params) => {
  const name = params['LaunchTemplateName'];
  if (name === undefined || name === '') {
    throw new AwsError('MissingParameter', 'The request must contain the parameter LaunchTemplateName');
  }
  if (!TEMPLATE_NAME.test(name)) {
    throw new AwsError(
      'InvalidLaunchTemplateName.MalformedException',
      'A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.',
    );
  }
  if (mine(ctx).some((t) => t.launchTemplateName === name)) {
    throw new AwsError(
      'InvalidLaunchTemplateName.AlreadyExistsException',
      `Launch template name already in use.`,
    );
  }
  const data = templateData(params);
  checkImageReference(data.imageId);
  const template = ctx.state.addLaunchTemplate({
    region: ctx.region,
    accountId: ctx.account,
    name,
    versions: [data],
    tags: launchTemplateTags(params),
  });
  template.createdBy = ctx.caller.arn;
  for (const version of template.versions) version.createdBy = ctx.caller.arn;
  return { launchTemplate: templateItem(template, ctx.account) };
};

const MAX_VERSIONS = 10_000;

const createLaunchTemplateVersion: Ec2Handler = (ctx, params) => {
  const template = requireTemplate(ctx, params);
  const sourceSelector = params['SourceVersion'];
  let data: LaunchTemplateVersionInput = templateData(params);
  if (sourceSelector !== undefined) {
    const source = resolveVersion(template, sourceSelector);
    if (!source) throw versionNotFound(template, sourceSelector);
    const { versionNumber: _n, createTime: _c, createdBy: _b, description: _d, ...sourceData } = source;
    data = { ...sourceData, ...data };
  }
  checkImageReference(data.imageId);
  if (template.versions.length >= MAX_VERSIONS) {
    throw new AwsError(
      'VersionLimitExceeded',
      `The launch template ${template.launchTemplateId} has reached the limit of ${MAX_VERSIONS} versions.`,
    );
  }
  const version = ctx.state.addLaunchTemplateVersion(template, data, ctx.caller.arn);
  return { launchTemplateVersion: versionItem(template, version) };
};

const modifyLaunchTemplate: Ec2Handler = (ctx, params) => {
  const template = requireTemplate(ctx, params);
  const selector = params['SetDefaultVersion'];
  if (selector !== undefined) {
    const version = resolveVersion(template, selector);
    if (!version) throw versionNotFound(template, selector);
    template.defaultVersion = version.versionNumber;
  }
  return { launchTemplate: templateItem(template, ctx.account) };
};

export const launchTemplateHandlers: Record<string, Ec2Handler> = {
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  ModifyLaunchTemplate: modifyLaunchTemplate,
};
