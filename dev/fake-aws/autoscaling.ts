import type { Ec2Context } from './ec2-context.js';
import { AwsError } from './errors.js';
import { paginate } from './paginate.js';
import { type QueryParams, queryInt, queryList, queryStructList } from './query.js';
import type {
  AutoScalingInstance,
  FakeAutoScalingGroup,
  FakeLaunchConfiguration,
  LaunchTemplateSpecification,
} from './state.js';
import type { XmlObject } from './xml.js';

/**
 * Amazon EC2 Auto Scaling over the AWS query protocol (`Version=2011-01-01`, lists as
 * `Name.member.N`, XML answers): DescribeAutoScalingGroups and DescribeLaunchConfigurations, the
 * reads that tell which images groups launch. Groups and configurations are per account and region.
 */

export const AUTOSCALING_VERSION = '2011-01-01';
export const AUTOSCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

const DEFAULT_MAX_RECORDS = 50;
const MAX_RECORDS = 100;

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

function maxRecords(params: QueryParams): number {
  const value = queryInt(params, 'MaxRecords');
  if (value === undefined) return DEFAULT_MAX_RECORDS;
  if (value < 1 || value > MAX_RECORDS) {
    throw validation(
      `1 validation error detected: Value '${value}' at 'maxRecords' failed to satisfy constraint: Member must have value ${value < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RECORDS}`}`,
    );
  }
  return value;
}

const badToken = (token: string) => new AwsError('InvalidNextToken', `The token '${token}' is invalid.`);

function templateSpec(spec: LaunchTemplateSpecification): XmlObject {
  return {
    LaunchTemplateId: spec.launchTemplateId,
    LaunchTemplateName: spec.launchTemplateName,
    Version: spec.version,
  };
}

function instanceItem(instance: AutoScalingInstance): XmlObject {
  return {
    InstanceId: instance.instanceId,
    InstanceType: instance.instanceType,
    AvailabilityZone: instance.availabilityZone,
    LifecycleState: instance.lifecycleState,
    HealthStatus: instance.healthStatus,
    LaunchConfigurationName: instance.launchConfigurationName,
    LaunchTemplate: instance.launchTemplate ? templateSpec(instance.launchTemplate) : undefined,
    ProtectedFromScaleIn: false,
  };
}

function groupItem(group: FakeAutoScalingGroup): XmlObject {
  const mixed = group.mixedInstancesPolicy;
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    LaunchConfigurationName: group.launchConfigurationName,
    LaunchTemplate: group.launchTemplate ? templateSpec(group.launchTemplate) : undefined,
    MixedInstancesPolicy: mixed
      ? {
          LaunchTemplate: {
            LaunchTemplateSpecification: templateSpec(mixed.launchTemplate),
            Overrides: mixed.overrides.map((o) => ({
              InstanceType: o.instanceType,
              LaunchTemplateSpecification: o.launchTemplate ? templateSpec(o.launchTemplate) : undefined,
              WeightedCapacity: o.weightedCapacity,
            })),
          },
          InstancesDistribution: {
            OnDemandAllocationStrategy: 'prioritized',
            OnDemandBaseCapacity: 0,
            OnDemandPercentageAboveBaseCapacity: 100,
            SpotAllocationStrategy: 'lowest-price',
            SpotInstancePools: 2,
          },
        }
      : undefined,
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: group.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: group.instances.map(instanceItem),
    CreatedTime: group.createdTime,
    SuspendedProcesses: [],
    EnabledMetrics: [],
    Tags: Object.entries(group.tags).map(([Key, Value]) => ({
      ResourceId: group.name,
      ResourceType: 'auto-scaling-group',
      Key,
      Value,
      PropagateAtLaunch: false,
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${group.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  };
}

/** `tag-key`, `tag-value` and `tag:<key>` filters; values match exactly. */
function groupFilter(params: QueryParams): (group: FakeAutoScalingGroup) => boolean {
  const checks: ((group: FakeAutoScalingGroup) => boolean)[] = [];
  for (const filter of queryStructList(params, 'Filters.member')) {
    const name = filter['Name'] ?? '';
    const values = queryList(filter, 'Values.member');
    if (name === 'tag-key') checks.push((g) => Object.keys(g.tags).some((k) => values.includes(k)));
    else if (name === 'tag-value') checks.push((g) => Object.values(g.tags).some((v) => values.includes(v)));
    else if (name.startsWith('tag:')) {
      const key = name.slice(4);
      checks.push((g) => g.tags[key] !== undefined && values.includes(g.tags[key] as string));
    } else
      throw validation(
        `Filter type ${name} is not correct. Allowed Filter types are: tag-key tag-value tag:<key>`,
      );
  }
  return (group) => checks.every((check) => check(group));
}

function describeAutoScalingGroups(ctx: Ec2Context, params: QueryParams): XmlObject {
  const names = queryList(params, 'AutoScalingGroupNames.member');
  const limit = maxRecords(params);
  const filter = groupFilter(params);
  const page = paginate(
    [{ items: ctx.store.autoScalingGroups }],
    (g) => g.accountId === ctx.account && (names.length === 0 || names.includes(g.name)) && filter(g),
    limit,
    params['NextToken'] || undefined,
    { cap: ctx.pageCap, badToken },
  );
  return { AutoScalingGroups: page.items.map(groupItem), NextToken: page.nextToken };
}

function configurationItem(configuration: FakeLaunchConfiguration): XmlObject {
  return {
    LaunchConfigurationName: configuration.name,
    LaunchConfigurationARN: configuration.arn,
    ImageId: configuration.imageId,
    KeyName: configuration.keyName ?? '',
    SecurityGroups: [],
    UserData: '',
    InstanceType: configuration.instanceType,
    KernelId: '',
    RamdiskId: '',
    BlockDeviceMappings: [],
    InstanceMonitoring: { Enabled: true },
    CreatedTime: configuration.createdTime,
    EbsOptimized: false,
  };
}

function describeLaunchConfigurations(ctx: Ec2Context, params: QueryParams): XmlObject {
  const names = queryList(params, 'LaunchConfigurationNames.member');
  const limit = maxRecords(params);
  const page = paginate(
    [{ items: ctx.store.launchConfigurations }],
    (c) => c.accountId === ctx.account && (names.length === 0 || names.includes(c.name)),
    limit,
    params['NextToken'] || undefined,
    { cap: ctx.pageCap, badToken },
  );
  return { LaunchConfigurations: page.items.map(configurationItem), NextToken: page.nextToken };
}

/** Runs one Auto Scaling action; the server wraps it in `<ActionResult>` + `<ResponseMetadata>`. */
export function handleAutoScaling(ctx: Ec2Context, action: string, params: QueryParams): XmlObject {
  switch (action) {
    case 'DescribeAutoScalingGroups':
      return describeAutoScalingGroups(ctx, params);
    case 'DescribeLaunchConfigurations':
      return describeLaunchConfigurations(ctx, params);
    default:
      throw new AwsError(
        'InvalidAction',
        `Could not find operation ${action} for version ${AUTOSCALING_VERSION}`,
      );
  }
}
