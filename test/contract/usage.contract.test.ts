import {
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplateVersion,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { beforeAll, expect, it } from 'vitest';
import { ImageUsageReader, ImageUsageUnknown } from '../../src/aws/image-usage.js';
import type { ImageUser } from '../../src/domain/image-usage.js';
import { type Backend, describeContract, type SeededImage, unique } from './backends.js';
import { documented } from './deviations.js';

/** What tells whether an image is in use: instances, launch templates, Auto Scaling groups and launch configurations. */

const REGION = 'us-west-2';

async function awsError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describeContract('in-use inputs', (backend: () => Backend) => {
  let b: Backend;
  let usage: ImageUsageReader;
  let image: SeededImage;
  let other: SeededImage;

  beforeAll(async () => {
    b = backend();
    usage = new ImageUsageReader(b.clients);
    [image, other] = await Promise.all([
      b.seedImage(REGION, { name: unique('contract-usage') }),
      b.seedImage(REGION, { name: unique('contract-usage') }),
    ]);
  });

  /** A template with versions 1..n (each launching `imageIds[i]`) and a default version. */
  async function template(
    imageIds: string[],
    defaultVersion?: number,
    region = REGION,
  ): Promise<{ id: string; name: string }> {
    const client = b.ec2(region);
    const name = unique('contract-lt');
    const created = await client.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: { ImageId: imageIds[0], InstanceType: 't3.micro' },
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId as string;
    for (const imageId of imageIds.slice(1)) {
      await client.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: id,
          LaunchTemplateData: { ImageId: imageId },
        }),
      );
    }
    if (defaultVersion !== undefined) {
      await client.send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(defaultVersion) }),
      );
    }
    return { id, name };
  }

  const versionRows = (versions: LaunchTemplateVersion[] | undefined) =>
    (versions ?? []).map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId]);

  it('DescribeInstances: the instance-state-name filter picks live instances of an image', async () => {
    const running = await b.seedInstance(REGION, image.imageId, 'running');
    const stopped = await b.seedInstance(REGION, image.imageId, 'stopped');
    const terminated = await b.seedInstance(REGION, image.imageId, 'terminated');
    const client = b.ec2(REGION);
    const described = async (states?: string[]) => {
      const out = await client.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'image-id', Values: [image.imageId] },
            ...(states ? [{ Name: 'instance-state-name', Values: states }] : []),
          ],
        }),
      );
      return (out.Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .map((i) => [i.InstanceId, i.State?.Name]);
    };
    expect(await described(['running'])).toEqual([[running, 'running']]);
    expect(await described(['stopped', 'terminated'])).toEqual([
      [stopped, 'stopped'],
      [terminated, 'terminated'],
    ]);
    expect(await described()).toHaveLength(3);

    const index = await usage.index(b.account, REGION, [image.imageId]);
    expect(
      index
        .usersOf(image.imageId)
        .flatMap((u) => (u.kind === 'instance' ? [[u.instanceId, u.state]] : []))
        .sort(),
    ).toEqual(
      [
        [running, 'running'],
        [stopped, 'stopped'],
      ].sort(),
    );
  });

  it('launch templates: every version, numbers, $Latest, $Default and ranges of one template', async () => {
    const imageIds = Array.from({ length: 5 }, (_, i) => (i === 2 ? image.imageId : other.imageId));
    const lt = await template(imageIds, 3);
    const client = b.ec2(REGION);
    const all = await client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.id }));
    expect(versionRows(all.LaunchTemplateVersions)).toEqual(
      imageIds.map((imageId, i) => [i + 1, i + 1 === 3, imageId]),
    );
    const picked = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: lt.name,
        Versions: ['$Latest', '$Default', '1'],
      }),
    );
    expect(picked.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([5, 3, 1]);
    const range = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: lt.id,
        MinVersion: '2',
        MaxVersion: '4',
      }),
    );
    expect(range.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([2, 3, 4]);
    const described = await client.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [lt.name] }),
    );
    expect(described.LaunchTemplates?.[0]).toMatchObject({
      LaunchTemplateId: lt.id,
      DefaultVersionNumber: 3,
      LatestVersionNumber: 5,
    });
    const missing = await awsError(
      client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: unique('contract-none') })),
    );
    expect(missing.name).toBe('InvalidLaunchTemplateName.NotFoundException');
  });

  it('launch templates: more versions than one page are paged with NextToken', async () => {
    const lt = await template(Array.from({ length: 20 }, () => other.imageId));
    const client = b.ec2(REGION);
    const first = await client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.id, MaxResults: 15 }),
    );
    expect(first.LaunchTemplateVersions).toHaveLength(15);
    if (documented(b, 'launch-template-versions.paging')) {
      const second = await client.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: lt.id,
          MaxResults: 15,
          NextToken: first.NextToken,
        }),
      );
      expect(second.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([16, 17, 18, 19, 20]);
      expect(second.NextToken).toBeUndefined();
    } else {
      // moto cuts the answer at MaxResults (default 15) and gives no token: the rest cannot be read.
      expect(first.NextToken).toBeUndefined();
    }
  });

  it('launch templates across the account: only $Latest and $Default, each version once', async () => {
    const sameDefault = await template([image.imageId]);
    const older = await template([image.imageId, other.imageId], 1);
    const client = b.ec2(REGION);
    const rows: string[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(
        new DescribeLaunchTemplateVersionsCommand({
          Versions: ['$Latest', '$Default'],
          MaxResults: 200,
          NextToken: token,
        }),
      );
      for (const v of out.LaunchTemplateVersions ?? [])
        rows.push(`${v.LaunchTemplateName}:${v.VersionNumber}`);
      token = out.NextToken;
    } while (token);
    const mine = (name: string) => rows.filter((r) => r.startsWith(`${name}:`));
    if (documented(b, 'launch-template-versions.latest-default-once')) {
      expect(mine(sameDefault.name)).toEqual([`${sameDefault.name}:1`]);
    } else {
      expect(mine(sameDefault.name)).toEqual([`${sameDefault.name}:1`, `${sameDefault.name}:1`]);
    }
    expect(mine(older.name).sort()).toEqual([`${older.name}:1`, `${older.name}:2`]);

    const numbers = client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ['$Latest', '2'] }));
    if (documented(b, 'launch-template-versions.numbers-across-templates')) {
      expect((await awsError(numbers)).name).toBe('InvalidParameterValue');
    } else {
      expect((await numbers).LaunchTemplateVersions?.length).toBeGreaterThan(0);
    }
    const none = await awsError(client.send(new DescribeLaunchTemplateVersionsCommand({})));
    expect(none.name).toBe('MissingParameter');

    const index = await usage.index(b.account, REGION, [image.imageId]);
    const users = index
      .usersOf(image.imageId)
      .flatMap((t) => (t.kind === 'launch-template' ? [`${t.name}:${t.version}`] : []));
    expect(users).toContain(`${sameDefault.name}:1`);
    expect(users).toContain(`${older.name}:1`);
    expect(users).not.toContain(`${older.name}:2`);
  });

  it('Auto Scaling: groups name their launch configuration, template or mixed instances policy', async () => {
    const lc = unique('contract-lc');
    await b.seedLaunchConfiguration(REGION, lc, image.imageId);
    const web = await template([image.imageId, other.imageId]);
    const spot = await template([other.imageId]);
    const names = {
      lc: unique('contract-asg'),
      lt: unique('contract-asg'),
      plain: unique('contract-asg'),
      mixed: unique('contract-asg'),
    };
    await b.seedAutoScalingGroup(REGION, { name: names.lc, launchConfigurationName: lc });
    await b.seedAutoScalingGroup(REGION, {
      name: names.lt,
      launchTemplate: { launchTemplateId: web.id, version: '$Latest' },
    });
    await b.seedAutoScalingGroup(REGION, { name: names.plain, launchTemplate: { launchTemplateId: web.id } });
    await b.seedAutoScalingGroup(REGION, {
      name: names.mixed,
      mixedInstancesPolicy: {
        launchTemplate: { launchTemplateId: web.id },
        overrides: [
          { instanceType: 'c7g.large', launchTemplate: { launchTemplateId: spot.id, version: '1' } },
        ],
      },
    });
    const client = b.autoscaling(REGION);
    const out = await client.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [names.lc, names.lt, names.plain, names.mixed],
      }),
    );
    const byName = new Map((out.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName, g]));
    expect(byName.size).toBe(4);
    expect(byName.get(names.lc)?.LaunchConfigurationName).toBe(lc);
    expect(byName.get(names.lt)?.LaunchTemplate).toEqual({
      LaunchTemplateId: web.id,
      LaunchTemplateName: web.name,
      Version: '$Latest',
    });
    // Named without a version: answered without one (Auto Scaling then uses $Default).
    expect(byName.get(names.plain)?.LaunchTemplate).toEqual({
      LaunchTemplateId: web.id,
      LaunchTemplateName: web.name,
    });
    const mixed = byName.get(names.mixed)?.MixedInstancesPolicy?.LaunchTemplate;
    if (documented(b, 'auto-scaling.mixed-policy-version')) {
      expect(mixed?.LaunchTemplateSpecification).toEqual({
        LaunchTemplateId: web.id,
        LaunchTemplateName: web.name,
      });
    } else {
      expect(mixed?.LaunchTemplateSpecification).toEqual({
        LaunchTemplateId: web.id,
        LaunchTemplateName: web.name,
        Version: '$Default',
      });
    }
    expect(mixed?.Overrides?.[0]?.InstanceType).toBe('c7g.large');
    expect(mixed?.Overrides?.[0]?.LaunchTemplateSpecification).toMatchObject({
      LaunchTemplateId: spot.id,
      Version: '1',
    });

    const configurations = await client.send(
      new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [lc] }),
    );
    expect(configurations.LaunchConfigurations?.map((c) => [c.LaunchConfigurationName, c.ImageId])).toEqual([
      [lc, image.imageId],
    ]);
  });

  it('Auto Scaling: MaxRecords pages groups and configurations with NextToken', async () => {
    const lc = unique('contract-lc');
    await b.seedLaunchConfiguration(REGION, lc, other.imageId);
    const groups = [unique('contract-page'), unique('contract-page'), unique('contract-page')];
    for (const name of groups) await b.seedAutoScalingGroup(REGION, { name, launchConfigurationName: lc });
    const client = b.autoscaling(REGION);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(
        new DescribeAutoScalingGroupsCommand({
          AutoScalingGroupNames: groups,
          MaxRecords: 1,
          NextToken: token,
        }),
      );
      pages++;
      expect(out.AutoScalingGroups?.length).toBeLessThanOrEqual(1);
      seen.push(...(out.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
      token = out.NextToken;
    } while (token && pages < 10);
    expect(seen.sort()).toEqual([...groups].sort());
    const tooMany = await awsError(client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })));
    if (documented(b, 'auto-scaling.max-records')) {
      expect(tooMany.name).toBe('ValidationError');
    } else {
      expect(tooMany.name).not.toBe('ValidationError');
    }
  });

  /** `kind:name:version` labels of the users of an image, sorted (instances by state). */
  function labels(users: ImageUser[]): string[] {
    return users
      .map((u) => {
        if (u.kind === 'instance') return `instance:${u.state}`;
        if (u.kind === 'launch-template') return `lt:${u.name}:${u.version}`;
        if (u.kind === 'launch-configuration') return `lc:${u.name}`;
        const via =
          u.via.kind === 'launch-configuration' ? `lc:${u.via.name}` : `lt:${u.via.name}:${u.via.version}`;
        return `asg:${u.name}:${via}${u.via.kind === 'launch-template' && u.via.override ? ':override' : ''}`;
      })
      .sort();
  }

  it('the in-use guard: instances, every template version, groups by template, mixed override and configuration', async () => {
    const subject = await b.seedImage(REGION, { name: unique('contract-guard') });
    await b.seedInstance(REGION, subject.imageId, 'running');
    await b.seedInstance(REGION, subject.imageId, 'stopped');
    await b.seedInstance(REGION, subject.imageId, 'terminated');
    // Version 1 of 3 uses it; the default is 2 and the latest 3.
    const pinned = await template([subject.imageId, other.imageId, other.imageId], 2);
    const plain = await template([subject.imageId]);
    const spot = await template([subject.imageId]);
    const base = await template([other.imageId]);
    const lc = unique('contract-lc');
    await b.seedLaunchConfiguration(REGION, lc, subject.imageId);
    const groups = {
      plain: unique('contract-asg'),
      mixed: unique('contract-asg'),
      lc: unique('contract-asg'),
    };
    await b.seedAutoScalingGroup(REGION, {
      name: groups.plain,
      launchTemplate: { launchTemplateId: plain.id },
    });
    await b.seedAutoScalingGroup(REGION, {
      name: groups.mixed,
      mixedInstancesPolicy: {
        launchTemplate: { launchTemplateId: base.id },
        overrides: [
          { instanceType: 'c7g.large', launchTemplate: { launchTemplateId: spot.id, version: '1' } },
        ],
      },
    });
    await b.seedAutoScalingGroup(REGION, { name: groups.lc, launchConfigurationName: lc });

    const index = await usage.index(b.account, REGION, [subject.imageId]);
    expect(labels(index.usersOf(subject.imageId))).toEqual(
      [
        'instance:running',
        'instance:stopped',
        `lt:${pinned.name}:1`,
        `lt:${plain.name}:1`,
        `lt:${spot.name}:1`,
        `lc:${lc}`,
        `asg:${groups.plain}:lt:${plain.name}:1`,
        `asg:${groups.mixed}:lt:${spot.name}:1:override`,
        `asg:${groups.lc}:lc:${lc}`,
      ].sort(),
    );
    // The same reading answers for the other image too: the base template of the mixed group.
    const all = await usage.index(b.account, REGION);
    expect(labels(all.usersOf(other.imageId))).toEqual(
      expect.arrayContaining([`lt:${base.name}:1`, `asg:${groups.mixed}:lt:${base.name}:1`]),
    );
  });

  it('the in-use guard and a template with more versions than one page: read whole, or refused', async () => {
    // 201 versions; only the last uses the image. AWS pages them (200 a page); moto cuts at 200.
    // A region of its own: the template stays on a shared moto, and would make every later reading
    // of this region fail closed.
    const region = 'ca-central-1';
    const lt = await template([other.imageId], undefined, region);
    const client = b.ec2(region);
    for (let v = 2; v <= 201; v++) {
      await client.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: lt.id,
          LaunchTemplateData: { ImageId: v === 201 ? image.imageId : other.imageId },
        }),
      );
    }
    const reading = usage.index(b.account, region, [image.imageId]);
    if (documented(b, 'launch-template-versions.paging')) {
      const index = await reading;
      expect(labels(index.usersOf(image.imageId))).toContain(`lt:${lt.name}:201`);
    } else {
      // Without the last page the user would be missed: the guard says it cannot tell.
      const err = await awsError(reading);
      expect(err).toBeInstanceOf(ImageUsageUnknown);
      expect((err as ImageUsageUnknown).reason).toMatch(/200 came back, without version 201/);
    }
  });
});
