import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  paginateDescribeAutoScalingGroups,
  paginateDescribeLaunchConfigurations,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws, type InstanceStateName } from '../../dev/fake-aws/index.js';
import { ImageUsageReader } from '../../src/aws/image-usage.js';
import { AppError } from '../../src/errors.js';
import { clientsFor, testAccount } from '../aws/support.js';

const ME = '111111111111';
const OTHER = '333333333333';
const T0 = new Date('2026-11-26T12:00:00.000Z');

let fake: FakeAws;
const clients: { destroy(): void }[] = [];
const unusedRegions = [
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-east-1',
  'sa-east-1',
];

/** A region of its own per test, so tests do not see each other's templates and groups. */
function freshRegion(): string {
  const region = unusedRegions.shift();
  if (!region) throw new Error('out of regions');
  return region;
}

function ec2(region: string, accessKeyId = 'AKIAME'): EC2Client {
  const client = new EC2Client({
    endpoint: fake.url,
    region,
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

function autoscaling(region: string, accessKeyId = 'AKIAME'): AutoScalingClient {
  const client = new AutoScalingClient({
    endpoint: fake.url,
    region,
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => T0 });
  fake.registerAccessKey('AKIAOTHER', OTHER);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake.close();
});

afterEach(() => {
  fake.faults.reset();
});

describe('Auto Scaling groups and launch configurations', () => {
  it('describes groups launching from a template, a mixed instances policy or a configuration', async () => {
    const region = 'us-west-2';
    const image = fake.addImage({ region });
    const web = fake.addLaunchTemplate({ region, name: 'asg-web', versions: [{ imageId: image.imageId }] });
    const spot = fake.addLaunchTemplate({ region, name: 'asg-spot', versions: [{ imageId: image.imageId }] });
    const instance = fake.addInstance({ region, imageId: image.imageId, instanceType: 'm7g.large' });
    fake.addLaunchConfiguration({
      region,
      name: 'legacy-lc',
      imageId: image.imageId,
      instanceType: 'm5.large',
    });
    fake.addAutoScalingGroup({
      region,
      name: 'web',
      launchTemplate: { template: web, version: '$Latest' },
      instances: [instance],
      tags: { Team: 'platform' },
    });
    fake.addAutoScalingGroup({
      region,
      name: 'mixed',
      mixedInstancesPolicy: {
        launchTemplate: { launchTemplateName: 'asg-web' },
        overrides: [
          { instanceType: 'c7g.large', launchTemplate: { template: spot, version: '1' } },
          { instanceType: 'c6g.large' },
        ],
      },
    });
    fake.addAutoScalingGroup({ region, name: 'legacy', launchConfigurationName: 'legacy-lc' });
    fake.addAutoScalingGroup({ region, name: 'theirs', accountId: OTHER, launchConfigurationName: 'x' });

    const out = await autoscaling(region).send(new DescribeAutoScalingGroupsCommand({}));
    const groups = out.AutoScalingGroups ?? [];
    expect(groups.map((g) => g.AutoScalingGroupName)).toEqual(['web', 'mixed', 'legacy']);
    expect(out.NextToken).toBeUndefined();
    const [webGroup, mixedGroup, legacyGroup] = groups;
    expect(webGroup).toMatchObject({
      AutoScalingGroupARN: expect.stringMatching(
        new RegExp(
          `^arn:aws:autoscaling:${region}:${ME}:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName/web$`,
        ),
      ),
      LaunchTemplate: {
        LaunchTemplateId: web.launchTemplateId,
        LaunchTemplateName: 'asg-web',
        Version: '$Latest',
      },
      MinSize: 0,
      DesiredCapacity: 1,
      Instances: [
        {
          InstanceId: instance.instanceId,
          InstanceType: 'm7g.large',
          LifecycleState: 'InService',
          LaunchTemplate: { LaunchTemplateId: web.launchTemplateId, Version: '1' },
        },
      ],
      Tags: [{ Key: 'Team', Value: 'platform', ResourceType: 'auto-scaling-group', ResourceId: 'web' }],
    });
    expect(webGroup?.CreatedTime?.toISOString()).toBe(T0.toISOString());
    expect(webGroup?.LaunchConfigurationName).toBeUndefined();
    // A template named without a version is answered without one (Auto Scaling uses $Default).
    expect(mixedGroup?.MixedInstancesPolicy?.LaunchTemplate).toEqual({
      LaunchTemplateSpecification: { LaunchTemplateId: web.launchTemplateId, LaunchTemplateName: 'asg-web' },
      Overrides: [
        {
          InstanceType: 'c7g.large',
          LaunchTemplateSpecification: {
            LaunchTemplateId: spot.launchTemplateId,
            LaunchTemplateName: 'asg-spot',
            Version: '1',
          },
        },
        { InstanceType: 'c6g.large' },
      ],
    });
    expect(mixedGroup?.LaunchTemplate).toBeUndefined();
    expect(legacyGroup?.LaunchConfigurationName).toBe('legacy-lc');

    const byName = await autoscaling(region).send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['legacy', 'missing'] }),
    );
    expect(byName.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['legacy']);
    const tagged = await autoscaling(region).send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:Team', Values: ['platform'] }] }),
    );
    expect(tagged.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['web']);
    const theirs = await autoscaling(region, 'AKIAOTHER').send(new DescribeAutoScalingGroupsCommand({}));
    expect(theirs.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['theirs']);

    const configurations = await autoscaling(region).send(new DescribeLaunchConfigurationsCommand({}));
    expect(configurations.LaunchConfigurations).toEqual([
      expect.objectContaining({
        LaunchConfigurationName: 'legacy-lc',
        ImageId: image.imageId,
        InstanceType: 'm5.large',
        LaunchConfigurationARN: expect.stringContaining(`:launchConfigurationName/legacy-lc`),
      }),
    ]);
  });

  it('pages groups and configurations with MaxRecords/NextToken (default 50, at most 100)', async () => {
    const region = 'ca-central-1';
    for (let i = 0; i < 120; i++) {
      fake.addLaunchConfiguration({ region, name: `lc-${i}`, imageId: 'ami-0123456789abcdef0' });
      fake.addAutoScalingGroup({ region, name: `g-${i}`, launchConfigurationName: `lc-${i}` });
    }
    const client = autoscaling(region);
    const first = await client.send(new DescribeAutoScalingGroupsCommand({}));
    expect(first.AutoScalingGroups).toHaveLength(50);
    expect(first.NextToken).toEqual(expect.any(String));

    const names: string[] = [];
    const sizes: number[] = [];
    for await (const page of paginateDescribeAutoScalingGroups({ client, pageSize: 45 }, {})) {
      sizes.push(page.AutoScalingGroups?.length ?? 0);
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
    }
    expect(sizes).toEqual([45, 45, 30]);
    expect(names).toEqual(Array.from({ length: 120 }, (_, i) => `g-${i}`));

    const configurations: string[] = [];
    for await (const page of paginateDescribeLaunchConfigurations({ client, pageSize: 100 }, {})) {
      configurations.push(...(page.LaunchConfigurations ?? []).map((c) => c.LaunchConfigurationName ?? ''));
    }
    expect(configurations).toHaveLength(120);

    const tooMany = await failure(client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })));
    expect(tooMany.name).toBe('ValidationError');
    const badToken = await failure(
      client.send(new DescribeLaunchConfigurationsCommand({ NextToken: 'nope' })),
    );
    expect(badToken.name).toBe('InvalidNextToken');
  });
});

describe('launch templates and their versions', () => {
  it('answers every version of one template, paginated, with a default older than the latest', async () => {
    const region = freshRegion();
    const versions = Array.from({ length: 250 }, (_, i) => ({
      imageId: `ami-${String(i).padStart(17, '0')}`,
      description: `v${i + 1}`,
    }));
    const template = fake.addLaunchTemplate({ region, name: 'many', versions, defaultVersion: 7 });
    const client = ec2(region);

    const seen: number[] = [];
    const defaults: number[] = [];
    for await (const page of paginateDescribeLaunchTemplateVersions(
      { client, pageSize: 100 },
      { LaunchTemplateId: template.launchTemplateId },
    )) {
      for (const v of page.LaunchTemplateVersions ?? []) {
        seen.push(v.VersionNumber ?? 0);
        if (v.DefaultVersion) defaults.push(v.VersionNumber ?? 0);
      }
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(defaults).toEqual([7]);

    const picked = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'many',
        Versions: ['$Latest', '$Default', '3', '$Default'],
      }),
    );
    expect(picked.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
      [250, false],
      [7, true],
      [3, false],
    ]);
    expect(picked.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe(versions[249]?.imageId);

    const range = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: template.launchTemplateId,
        MinVersion: '10',
        MaxVersion: '12',
      }),
    );
    expect(range.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([10, 11, 12]);

    const missing = await failure(
      client.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: template.launchTemplateId,
          Versions: ['251'],
        }),
      ),
    );
    expect(missing.name).toBe('InvalidLaunchTemplateId.VersionNotFound');
    const both = await failure(
      client.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: template.launchTemplateId,
          LaunchTemplateName: 'many',
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterCombination');
    const malformed = await failure(
      client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-nope' })),
    );
    expect(malformed.name).toBe('InvalidLaunchTemplateId.Malformed');
  });

  it('across all templates allows only $Latest and $Default, and pages them', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    for (let i = 0; i < 30; i++) {
      fake.addLaunchTemplate({
        region,
        name: `fleet-${i}`,
        versions: [{ imageId: image.imageId }, { imageId: 'ami-0000000000000000f' }],
        // Half the templates keep version 1 as default: $Latest and $Default differ.
        defaultVersion: i % 2 === 0 ? 1 : 2,
      });
    }
    fake.addLaunchTemplate({
      region,
      name: 'theirs',
      accountId: OTHER,
      versions: [{ imageId: image.imageId }],
    });
    const client = ec2(region);

    const rows: string[] = [];
    for await (const page of paginateDescribeLaunchTemplateVersions(
      { client, pageSize: 7 },
      { Versions: ['$Latest', '$Default'] },
    )) {
      expect((page.LaunchTemplateVersions ?? []).length).toBeLessThanOrEqual(7);
      for (const v of page.LaunchTemplateVersions ?? [])
        rows.push(`${v.LaunchTemplateName}:${v.VersionNumber}`);
    }
    // Each template once per distinct version: 15 templates × 2 + 15 × 1.
    expect(rows).toHaveLength(45);
    expect(rows.slice(0, 3)).toEqual(['fleet-0:2', 'fleet-0:1', 'fleet-1:2']);

    const using = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        Versions: ['$Default'],
        Filters: [{ Name: 'image-id', Values: [image.imageId] }],
      }),
    );
    expect(using.LaunchTemplateVersions).toHaveLength(15);

    const noVersions = await failure(client.send(new DescribeLaunchTemplateVersionsCommand({})));
    expect(noVersions.name).toBe('MissingParameter');
    const numbers = await failure(
      client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ['$Latest', '2'] })),
    );
    expect(numbers.name).toBe('InvalidParameterValue');
  });

  it('describes templates (paged, by name, by id, by tag) with default and latest version numbers', async () => {
    const region = freshRegion();
    const templates = Array.from({ length: 12 }, (_, i) =>
      fake.addLaunchTemplate({
        region,
        name: `describe-${i}`,
        versions: [{ imageId: 'ami-0000000000000000a' }, { imageId: 'ami-0000000000000000b' }],
        tags: i === 3 ? { Role: 'web' } : {},
      }),
    );
    const client = ec2(region);
    const names: string[] = [];
    for await (const page of paginateDescribeLaunchTemplates({ client, pageSize: 5 }, {})) {
      names.push(...(page.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName ?? ''));
    }
    expect(names).toEqual(templates.map((t) => t.launchTemplateName));

    const byName = await client.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['describe-3'] }),
    );
    expect(byName.LaunchTemplates?.[0]).toMatchObject({
      LaunchTemplateId: templates[3]?.launchTemplateId,
      DefaultVersionNumber: 1,
      LatestVersionNumber: 2,
      Tags: [{ Key: 'Role', Value: 'web' }],
    });
    const byTag = await client.send(
      new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:Role', Values: ['web'] }] }),
    );
    expect(byTag.LaunchTemplates?.map((t) => t.LaunchTemplateName)).toEqual(['describe-3']);
    const unknownName = await failure(
      client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] })),
    );
    expect(unknownName.name).toBe('InvalidLaunchTemplateName.NotFoundException');
    const unknownId = await failure(
      client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] })),
    );
    expect(unknownId.name).toBe('InvalidLaunchTemplateId.NotFound');
  });

  it('creates templates and versions, and moves the default version', async () => {
    const region = freshRegion();
    const client = ec2(region);
    const created = await client.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'created',
        LaunchTemplateData: { ImageId: 'ami-0000000000000000a', InstanceType: 't3.small' },
        VersionDescription: 'first',
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'Env', Value: 'dev' }] }],
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId as string;
    expect(created.LaunchTemplate).toMatchObject({ DefaultVersionNumber: 1, LatestVersionNumber: 1 });
    const duplicate = await failure(
      client.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'created', LaunchTemplateData: {} })),
    );
    expect(duplicate.name).toBe('InvalidLaunchTemplateName.AlreadyExistsException');

    const v2 = await client.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: id,
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: 'ami-0000000000000000b' },
      }),
    );
    expect(v2.LaunchTemplateVersion).toMatchObject({
      VersionNumber: 2,
      DefaultVersion: false,
      LaunchTemplateData: { ImageId: 'ami-0000000000000000b', InstanceType: 't3.small' },
    });
    const modified = await client.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateName: 'created', DefaultVersion: '$Latest' }),
    );
    expect(modified.LaunchTemplate).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 });
    const noSuchVersion = await failure(
      client.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '9' })),
    );
    expect(noSuchVersion.name).toBe('InvalidLaunchTemplateId.VersionNotFound');

    await client.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Owner', Value: 'me' }] }));
    const template = fake.launchTemplates(region).find((t) => t.launchTemplateId === id);
    expect(template?.tags).toEqual({ Env: 'dev', Owner: 'me' });
  });
});

describe('instances in every state', () => {
  it('filters on instance-state-name and reports each state code', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const states: InstanceStateName[] = [
      'pending',
      'running',
      'shutting-down',
      'stopping',
      'stopped',
      'terminated',
    ];
    const byState = new Map(
      states.map((state) => [state, fake.addInstance({ region, imageId: image.imageId, state })]),
    );
    const client = ec2(region);
    const all = await client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: [image.imageId] }] }),
    );
    const described = (all.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(described.map((i) => [i.State?.Name, i.State?.Code])).toEqual([
      ['pending', 0],
      ['running', 16],
      ['shutting-down', 32],
      ['stopping', 64],
      ['stopped', 80],
      ['terminated', 48],
    ]);
    const live = await client.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'image-id', Values: [image.imageId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    expect((live.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual(
      ['pending', 'running', 'stopping', 'stopped'].map(
        (s) => byState.get(s as InstanceStateName)?.instanceId,
      ),
    );
  });
});

describe('faults on the in-use check inputs', () => {
  it('injects errors and throttling into Auto Scaling calls in Auto Scaling words', async () => {
    const client = autoscaling('us-east-1');
    fake.faults.failNext('autoscaling:DescribeAutoScalingGroups', { code: 'InternalFailure' });
    const injected = await failure(client.send(new DescribeAutoScalingGroupsCommand({})));
    expect(injected.name).toBe('InternalFailure');
    expect(injected.$metadata.httpStatusCode).toBe(500);
    await expect(client.send(new DescribeAutoScalingGroupsCommand({}))).resolves.toBeDefined();

    fake.faults.throttleRatio = 1;
    const throttled = await failure(client.send(new DescribeLaunchConfigurationsCommand({})));
    expect(throttled.name).toBe('Throttling');
    expect(isThrottlingError(throttled as unknown as Parameters<typeof isThrottlingError>[0])).toBe(true);
  });

  it('fails page N, ends a listing early, or answers short pages', async () => {
    const region = freshRegion();
    for (let i = 0; i < 10; i++) fake.addLaunchTemplate({ region, name: `paged-${i}`, versions: [{}] });
    const client = ec2(region);
    const walk = async () => {
      const names: string[] = [];
      for await (const page of paginateDescribeLaunchTemplates({ client, pageSize: 3 }, {})) {
        names.push(...(page.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName ?? ''));
      }
      return names;
    };

    fake.faults.failPage('DescribeLaunchTemplates', 2, { code: 'InternalError', message: 'page two broke' });
    const broken = await failure(walk());
    expect(broken.message).toBe('page two broke');
    // Only page 2 fails: a walk's first page still answers.
    await expect(client.send(new DescribeLaunchTemplatesCommand({ MaxResults: 3 }))).resolves.toBeDefined();
    fake.faults.clearErrors();

    fake.faults.endAtPage('ec2:DescribeLaunchTemplates', 2);
    expect(await walk()).toHaveLength(6);
    fake.faults.clearErrors();

    fake.faults.capPageSize('DescribeLaunchTemplates', 1);
    const short = await client.send(new DescribeLaunchTemplatesCommand({ MaxResults: 3 }));
    expect(short.LaunchTemplates).toHaveLength(1);
    expect(short.NextToken).toEqual(expect.any(String));
    expect(await walk()).toHaveLength(10);
  });

  it('lets a caller be tested for failing closed: the in-use check throws when page 2 fails', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    for (let i = 0; i < 5; i++) fake.addLaunchTemplate({ region, name: `closed-${i}`, versions: [{}] });
    fake.addLaunchTemplate({ region, name: 'closed-user', versions: [{ imageId: image.imageId }] });
    const usage = new ImageUsageReader(clientsFor(fake));
    fake.registerAccessKey('AKIAAMIBOTTEST000001', ME);

    fake.faults.capPageSize('DescribeLaunchTemplateVersions', 2);
    const index = await usage.index(testAccount, region, [image.imageId]);
    expect(index.usersOf(image.imageId).map((t) => (t.kind === 'launch-template' ? t.name : t.kind))).toEqual(
      ['closed-user'],
    );
    expect(fake.callsOf('DescribeLaunchTemplateVersions').length).toBeGreaterThan(1);

    fake.faults.failPage('DescribeLaunchTemplateVersions', 2, { code: 'InternalError', times: 5 });
    const error = await usage.index(testAccount, region, [image.imageId]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
  });
});
