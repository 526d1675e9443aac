import type {
  LaunchTemplateSpecification as AsgLaunchTemplateSpecification,
  AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import type { AccountConfig } from '../config.js';
import type { ImageUser, UsageCoverage } from '../domain/image-usage.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { autoScalingSdk, ec2Sdk } from './sdk.js';

/**
 * What uses which image in one account and region: instances in any state but `terminated`, every
 * version of every launch template, launch configurations, and Auto Scaling groups (through their
 * launch configuration, launch template, or mixed instances policy and its overrides).
 *
 * Built once per account and region and asked about many images ({@link UsageIndex.usersOf}), so a
 * cleanup of many images costs one set of listings, not one per image. It fails closed: when any
 * listing fails, stops at a cap, or comes back visibly incomplete, no index is returned and
 * {@link ImageUsageUnknown} says what could not be checked.
 */

/** Instance states that still hold (or will again hold) the image: everything but `terminated`. */
export const LIVE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] as const;

export interface UsageLimits {
  /** Most live instances read (all of them when no images are named). */
  maxInstances: number;
  maxLaunchTemplates: number;
  /** Most launch template versions read, over all templates. */
  maxLaunchTemplateVersions: number;
  maxAutoScalingGroups: number;
  maxLaunchConfigurations: number;
  /** Templates whose versions are read at once. */
  concurrency: number;
}

export const DEFAULT_USAGE_LIMITS: UsageLimits = {
  maxInstances: 20_000,
  maxLaunchTemplates: 5_000,
  maxLaunchTemplateVersions: 100_000,
  maxAutoScalingGroups: 5_000,
  maxLaunchConfigurations: 5_000,
  concurrency: 4,
};

/** Image ids per `image-id` filter of DescribeInstances. */
const IMAGE_IDS_PER_FILTER = 100;
const SSM_ALIAS = 'resolve:ssm:';
const TEMPLATE_GONE = ['InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException'];

/** The thing being listed no longer exists (a template deleted between two calls). */
class Gone extends Error {}

/** Usage could not be determined: the destructive action that asked must not go ahead. */
export class ImageUsageUnknown extends AppError {
  /** What could not be checked and why (a sentence fragment, no final period). */
  readonly reason: string;

  constructor(reason: string, opts: { retry: boolean; cause?: unknown } = { retry: false }) {
    super(opts.cause instanceof AppError ? opts.cause.code : 'aws_error', reason, {
      retry: opts.retry,
      cause: opts.cause,
    });
    this.name = 'ImageUsageUnknown';
    this.reason = reason;
  }
}

/** The users of images in one account and region, as read at `readAt`. */
export interface UsageIndex {
  readonly account: string;
  readonly region: string;
  /** The images the index answers for; undefined: every image. */
  readonly scope: ReadonlySet<string> | undefined;
  readonly coverage: UsageCoverage;
  /** Everything found using `imageId` (empty: nothing does). */
  usersOf(imageId: string): ImageUser[];
}

interface TemplateInfo {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  /** Version number → image id (absent: the version names no image). */
  versions: Map<number, string | undefined>;
}

interface Walk {
  account: AccountConfig;
  region: string;
  calls: number;
}

function strip(s: string, max = 80): string {
  const clean = s.replace(/[`*]/g, "'").replace(/\s+/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function awsCode(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string } | undefined;
  return e?.name ?? e?.Code;
}

/** Reads image usage; see the module comment. */
export class ImageUsageReader {
  private readonly limits: UsageLimits;

  constructor(
    private readonly clients: AwsClients,
    limits: Partial<UsageLimits> = {},
  ) {
    this.limits = { ...DEFAULT_USAGE_LIMITS, ...limits };
  }

  /**
   * Reads everything that can use an image in the account and region. With `imageIds`, instances
   * are looked up for those images only and the index answers for them only; without, every live
   * instance is read (a cleanup of many images). Throws {@link ImageUsageUnknown} when usage cannot
   * be determined.
   */
  async index(account: AccountConfig, region: string, imageIds?: readonly string[]): Promise<UsageIndex> {
    const walk: Walk = { account, region, calls: 0 };
    const scope = imageIds ? new Set(imageIds) : undefined;
    const [instances, templates, known, groups, configurations] = await settleAll([
      this.instances(walk, scope),
      this.templates(walk),
      this.latestAndDefaultVersions(walk),
      this.groups(walk),
      this.configurations(walk),
    ]);

    // Two independent listings of the templates must agree: one cut short is otherwise invisible.
    const listed = new Set(templates.map((t) => t.id));
    const onlyInVersions = [...known.keys()].filter((id) => !listed.has(id));
    const onlyInList = [...listed].filter((id) => !known.has(id));
    if (onlyInVersions.length > 0 || onlyInList.length > 0) {
      throw new ImageUsageUnknown(
        `the launch templates: DescribeLaunchTemplates listed ${listed.size} and DescribeLaunchTemplateVersions ${known.size} (${onlyInVersions.length + onlyInList.length} differ), so one answer was cut short or the templates were changing`,
        { retry: true },
      );
    }
    // A template whose every version is its $Latest or $Default one is already read whole.
    const rest: TemplateInfo[] = [];
    for (const t of templates) {
      const versions = known.get(t.id);
      const whole =
        versions !== undefined &&
        t.latestVersion > 0 &&
        Array.from({ length: t.latestVersion }, (_, i) => i + 1).every((n) => versions.has(n));
      if (whole) for (const [n, imageId] of versions) t.versions.set(n, imageId);
      else rest.push(t);
    }
    await this.readVersions(walk, rest);

    const byId = new Map(templates.map((t) => [t.id, t]));
    const byName = new Map(templates.map((t) => [t.name, t]));
    const lcImage = new Map(configurations.map((c) => [c.name, c.imageId]));

    const users = new Map<string, ImageUser[]>();
    const add = (imageId: string | undefined, user: ImageUser) => {
      if (!imageId || (scope && !scope.has(imageId))) return;
      const list = users.get(imageId);
      if (list) list.push(user);
      else users.set(imageId, [user]);
    };
    for (const i of instances) add(i.imageId, { kind: 'instance', instanceId: i.instanceId, state: i.state });
    let versionCount = 0;
    for (const t of templates) {
      for (const [version, imageId] of t.versions) {
        versionCount++;
        add(imageId, {
          kind: 'launch-template',
          launchTemplateId: t.id,
          name: t.name,
          version,
          isDefault: version === t.defaultVersion,
          isLatest: version === t.latestVersion,
        });
      }
    }
    for (const c of configurations) add(c.imageId, { kind: 'launch-configuration', name: c.name });
    for (const g of groups) {
      for (const use of await this.groupLaunches(walk, g, byId, byName, lcImage)) {
        add(use.imageId, { kind: 'auto-scaling-group', name: g.AutoScalingGroupName ?? '', via: use.via });
      }
    }

    return {
      account: account.alias,
      region,
      scope,
      coverage: {
        instances: instances.length,
        launchTemplates: templates.length,
        launchTemplateVersions: versionCount,
        autoScalingGroups: groups.length,
        launchConfigurations: configurations.length,
        calls: walk.calls,
      },
      usersOf(imageId: string): ImageUser[] {
        if (scope && !scope.has(imageId)) {
          throw new Error(`the usage index was built for other images than ${imageId}`);
        }
        return [...(users.get(imageId) ?? [])];
      },
    };
  }

  // ---- one paginated listing ----------------------------------------------------------------

  /**
   * Every page of one listing, failing closed: an error (after the SDK's retries), a token that
   * does not move on, or more items than `max` ends the walk with {@link ImageUsageUnknown}.
   */
  private async pages<Out, Item>(
    walk: Walk,
    spec: {
      what: string;
      action: string;
      max: number;
      send: (token: string | undefined) => Promise<Out>;
      items: (out: Out) => Item[] | undefined;
      next: (out: Out) => string | undefined;
      /** Error codes that mean the thing listed is gone: {@link Gone} is thrown instead. */
      goneCodes?: readonly string[];
    },
  ): Promise<Item[]> {
    const all: Item[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    let page = 0;
    do {
      page++;
      let out: Out;
      try {
        walk.calls++;
        out = await spec.send(token);
      } catch (err) {
        const code = awsCode(err);
        if (code && spec.goneCodes?.includes(code)) throw new Gone();
        throw this.failed(walk, spec.what, spec.action, page, err);
      }
      all.push(...(spec.items(out) ?? []));
      if (all.length > spec.max) {
        throw new ImageUsageUnknown(
          `${spec.what}: there are more than ${spec.max.toLocaleString('en-US')}, more than amibot reads`,
          { retry: false },
        );
      }
      token = spec.next(out) || undefined;
      if (token !== undefined) {
        if (seen.has(token)) {
          throw new ImageUsageUnknown(
            `${spec.what}: \`${spec.action}\` answered the same page token twice (page ${page}), so the listing never ends`,
            { retry: true },
          );
        }
        seen.add(token);
      }
    } while (token !== undefined);
    return all;
  }

  private failed(walk: Walk, what: string, action: string, page: number, err: unknown): Error {
    // Interruptions (the job's time is up, shutdown) and errors amibot raised itself pass through.
    if (err instanceof AppError) return err;
    const mapped = mapAwsError(err, { action, region: walk.region, account: walk.account.alias });
    const detail = mapped.userMessage.replace(/\.\s*$/, '');
    return new ImageUsageUnknown(`${what} (\`${action}\`, page ${page}): ${detail}`, {
      retry: mapped.retry,
      cause: mapped,
    });
  }

  // ---- instances --------------------------------------------------------------------------

  private async instances(
    walk: Walk,
    scope: ReadonlySet<string> | undefined,
  ): Promise<{ instanceId: string; imageId: string; state: string }[]> {
    const client = this.clients.ec2(walk.account, walk.region);
    const ids = scope ? [...scope] : undefined;
    const chunks: (string[] | undefined)[] = [];
    if (!ids) chunks.push(undefined);
    else
      for (let i = 0; i < ids.length; i += IMAGE_IDS_PER_FILTER)
        chunks.push(ids.slice(i, i + IMAGE_IDS_PER_FILTER));
    const out: { instanceId: string; imageId: string; state: string }[] = [];
    for (const chunk of chunks) {
      const found = await this.pages(walk, {
        what: 'the instances',
        action: 'ec2:DescribeInstances',
        max: this.limits.maxInstances - out.length,
        send: (NextToken) =>
          client.send(
            new ec2Sdk.DescribeInstancesCommand({
              Filters: [
                { Name: 'instance-state-name', Values: [...LIVE_INSTANCE_STATES] },
                ...(chunk ? [{ Name: 'image-id', Values: chunk }] : []),
              ],
              MaxResults: 1000,
              NextToken,
            }),
          ),
        items: (o) => (o.Reservations ?? []).flatMap((r) => r.Instances ?? []),
        next: (o) => o.NextToken,
      });
      for (const i of found) {
        // Checked again here: a backend that ignored a filter must not hide or invent a user.
        const state = i.State?.Name ?? 'unknown';
        if (!i.InstanceId || !i.ImageId || state === 'terminated') continue;
        if (scope && !scope.has(i.ImageId)) continue;
        out.push({ instanceId: i.InstanceId, imageId: i.ImageId, state });
      }
    }
    return out;
  }

  // ---- launch templates -------------------------------------------------------------------

  private async templates(walk: Walk): Promise<TemplateInfo[]> {
    const client = this.clients.ec2(walk.account, walk.region);
    const listed = await this.pages(walk, {
      what: 'the launch templates',
      action: 'ec2:DescribeLaunchTemplates',
      max: this.limits.maxLaunchTemplates,
      send: (NextToken) =>
        client.send(new ec2Sdk.DescribeLaunchTemplatesCommand({ MaxResults: 200, NextToken })),
      items: (o) => o.LaunchTemplates,
      next: (o) => o.NextToken,
    });
    const out = new Map<string, TemplateInfo>();
    for (const t of listed) {
      if (!t.LaunchTemplateId) continue;
      out.set(t.LaunchTemplateId, {
        id: t.LaunchTemplateId,
        name: t.LaunchTemplateName ?? t.LaunchTemplateId,
        defaultVersion: t.DefaultVersionNumber ?? 0,
        latestVersion: t.LatestVersionNumber ?? 0,
        versions: new Map(),
      });
    }
    return [...out.values()];
  }

  /**
   * The `$Latest` and `$Default` versions of every template, in one listing across all templates:
   * template id → version number → image id. A second, independent listing of the templates, and
   * all there is to read of a template with one or two versions.
   */
  private async latestAndDefaultVersions(walk: Walk): Promise<Map<string, Map<number, string | undefined>>> {
    const client = this.clients.ec2(walk.account, walk.region);
    const versions = await this.pages(walk, {
      what: 'the launch templates',
      action: 'ec2:DescribeLaunchTemplateVersions',
      max: 2 * this.limits.maxLaunchTemplates,
      send: (NextToken) =>
        client.send(
          new ec2Sdk.DescribeLaunchTemplateVersionsCommand({
            Versions: ['$Latest', '$Default'],
            MaxResults: 200,
            ResolveAlias: true,
            NextToken,
          }),
        ),
      items: (o) => o.LaunchTemplateVersions,
      next: (o) => o.NextToken,
    });
    const out = new Map<string, Map<number, string | undefined>>();
    for (const v of versions) {
      if (!v.LaunchTemplateId) continue;
      let byNumber = out.get(v.LaunchTemplateId);
      if (!byNumber) {
        byNumber = new Map();
        out.set(v.LaunchTemplateId, byNumber);
      }
      const imageId = v.LaunchTemplateData?.ImageId || undefined;
      if (v.VersionNumber !== undefined && !imageId?.startsWith(SSM_ALIAS))
        byNumber.set(v.VersionNumber, imageId);
    }
    return out;
  }

  /** Every version of every template, a few templates at a time; checks each came back whole. */
  private async readVersions(walk: Walk, templates: TemplateInfo[]): Promise<void> {
    const client = this.clients.ec2(walk.account, walk.region);
    let total = 0;
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < templates.length) {
        const t = templates[next++] as TemplateInfo;
        try {
          const versions = await this.pages(walk, {
            what: `the versions of launch template *${strip(t.name)}*`,
            action: 'ec2:DescribeLaunchTemplateVersions',
            max: this.limits.maxLaunchTemplateVersions,
            send: (NextToken) =>
              client.send(
                new ec2Sdk.DescribeLaunchTemplateVersionsCommand({
                  LaunchTemplateId: t.id,
                  MaxResults: 200,
                  // `resolve:ssm:<parameter>` image ids come back as the AMI they point to now.
                  ResolveAlias: true,
                  NextToken,
                }),
              ),
            items: (o) => o.LaunchTemplateVersions,
            next: (o) => o.NextToken,
            goneCodes: TEMPLATE_GONE,
          }).catch((err: unknown) => {
            // Deleted since it was listed: it launches nothing any more.
            if (err instanceof Gone) return undefined;
            throw err;
          });
          if (!versions) {
            t.versions.clear();
            t.defaultVersion = 0;
            t.latestVersion = 0;
            continue;
          }
          total += versions.length;
          if (total > this.limits.maxLaunchTemplateVersions) {
            throw new ImageUsageUnknown(
              `the launch template versions: there are more than ${this.limits.maxLaunchTemplateVersions.toLocaleString('en-US')}, more than amibot reads`,
              { retry: false },
            );
          }
          for (const v of versions) {
            if (v.VersionNumber === undefined) continue;
            const imageId = v.LaunchTemplateData?.ImageId;
            if (imageId?.startsWith(SSM_ALIAS)) {
              throw new ImageUsageUnknown(
                `version ${v.VersionNumber} of launch template *${strip(t.name)}* names its image through SSM parameter \`${strip(imageId.slice(SSM_ALIAS.length))}\`, which AWS did not resolve`,
                { retry: false },
              );
            }
            t.versions.set(v.VersionNumber, imageId || undefined);
          }
          for (const [label, n] of [
            ['default', t.defaultVersion],
            ['latest', t.latestVersion],
          ] as const) {
            if (n > 0 && !t.versions.has(n)) {
              throw new ImageUsageUnknown(
                `the versions of launch template *${strip(t.name)}*: ${t.versions.size} came back, without version ${n} (its ${label}), so the answer was cut short`,
                { retry: true },
              );
            }
          }
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.limits.concurrency) }, worker));
    if (failure !== undefined) throw failure;
  }

  // ---- Auto Scaling -----------------------------------------------------------------------

  private async groups(walk: Walk): Promise<AutoScalingGroup[]> {
    const client = this.clients.autoscaling(walk.account, walk.region);
    return this.pages(walk, {
      what: 'the Auto Scaling groups',
      action: 'autoscaling:DescribeAutoScalingGroups',
      max: this.limits.maxAutoScalingGroups,
      send: (NextToken) =>
        client.send(new autoScalingSdk.DescribeAutoScalingGroupsCommand({ MaxRecords: 100, NextToken })),
      items: (o) => o.AutoScalingGroups,
      next: (o) => o.NextToken,
    });
  }

  private async configurations(walk: Walk): Promise<{ name: string; imageId: string | undefined }[]> {
    const client = this.clients.autoscaling(walk.account, walk.region);
    const listed = await this.pages(walk, {
      what: 'the launch configurations',
      action: 'autoscaling:DescribeLaunchConfigurations',
      max: this.limits.maxLaunchConfigurations,
      send: (NextToken) =>
        client.send(new autoScalingSdk.DescribeLaunchConfigurationsCommand({ MaxRecords: 100, NextToken })),
      items: (o) => o.LaunchConfigurations,
      next: (o) => o.NextToken,
    });
    return listed.flatMap((c) =>
      c.LaunchConfigurationName ? [{ name: c.LaunchConfigurationName, imageId: c.ImageId || undefined }] : [],
    );
  }

  /** The images a group launches: from its launch configuration, template, or mixed policy. */
  private async groupLaunches(
    walk: Walk,
    group: AutoScalingGroup,
    byId: Map<string, TemplateInfo>,
    byName: Map<string, TemplateInfo>,
    lcImage: Map<string, string | undefined>,
  ): Promise<
    { imageId: string | undefined; via: Extract<ImageUser, { kind: 'auto-scaling-group' }>['via'] }[]
  > {
    const groupName = strip(group.AutoScalingGroupName ?? '?');
    const out: Awaited<ReturnType<ImageUsageReader['groupLaunches']>> = [];
    if (group.LaunchConfigurationName) {
      const name = group.LaunchConfigurationName;
      if (!lcImage.has(name)) {
        throw new ImageUsageUnknown(
          `Auto Scaling group *${groupName}* launches from launch configuration *${strip(name)}*, which the listing of launch configurations did not include`,
          { retry: true },
        );
      }
      out.push({ imageId: lcImage.get(name), via: { kind: 'launch-configuration', name } });
    }
    const specs: { spec: AsgLaunchTemplateSpecification; override: boolean }[] = [];
    if (group.LaunchTemplate) specs.push({ spec: group.LaunchTemplate, override: false });
    const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
    if (mixed?.LaunchTemplateSpecification)
      specs.push({ spec: mixed.LaunchTemplateSpecification, override: false });
    for (const o of mixed?.Overrides ?? []) {
      if (o.LaunchTemplateSpecification) specs.push({ spec: o.LaunchTemplateSpecification, override: true });
    }
    for (const { spec, override } of specs) {
      const template =
        (spec.LaunchTemplateId ? byId.get(spec.LaunchTemplateId) : undefined) ??
        (spec.LaunchTemplateName ? byName.get(spec.LaunchTemplateName) : undefined);
      const label = strip(spec.LaunchTemplateName ?? spec.LaunchTemplateId ?? '?');
      if (!template) {
        if (await this.templateExists(walk, spec)) {
          throw new ImageUsageUnknown(
            `Auto Scaling group *${groupName}* launches from launch template *${label}*, which the listing of launch templates did not include`,
            { retry: true },
          );
        }
        continue; // The template is gone: the group cannot launch from it.
      }
      if (template.versions.size === 0) continue; // deleted while being read
      // No version means `$Default` (the Auto Scaling default).
      const selector = spec.Version ?? '$Default';
      const version =
        selector === '$Default'
          ? template.defaultVersion
          : selector === '$Latest'
            ? template.latestVersion
            : /^[1-9]\d*$/.test(selector)
              ? Number(selector)
              : Number.NaN;
      if (!template.versions.has(version)) {
        throw new ImageUsageUnknown(
          `Auto Scaling group *${groupName}* launches from version \`${strip(selector, 20)}\` of launch template *${strip(template.name)}*, which amibot could not find among its versions`,
          { retry: true },
        );
      }
      out.push({
        imageId: template.versions.get(version),
        via: { kind: 'launch-template', name: template.name, version, override },
      });
    }
    return out;
  }

  /** Whether a template a group names exists (it was missing from the listings). */
  private async templateExists(walk: Walk, spec: AsgLaunchTemplateSpecification): Promise<boolean> {
    const client = this.clients.ec2(walk.account, walk.region);
    try {
      walk.calls++;
      const out = await client.send(
        new ec2Sdk.DescribeLaunchTemplatesCommand(
          spec.LaunchTemplateId
            ? { LaunchTemplateIds: [spec.LaunchTemplateId] }
            : { LaunchTemplateNames: [spec.LaunchTemplateName ?? ''] },
        ),
      );
      return (out.LaunchTemplates ?? []).length > 0;
    } catch (err) {
      if (TEMPLATE_GONE.includes(awsCode(err) ?? '')) return false;
      throw this.failed(
        walk,
        'a launch template an Auto Scaling group names',
        'ec2:DescribeLaunchTemplates',
        1,
        err,
      );
    }
  }
}

/** Like Promise.all, but waits for every call to end before throwing the first failure. */
async function settleAll<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
