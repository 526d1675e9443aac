import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws, type InstanceStateName } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { ImageUsageReader, ImageUsageUnknown, type UsageLimits } from '../../src/aws/image-usage.js';
import type { ImageUser } from '../../src/domain/image-usage.js';
import { clientsFor, testAccount } from './support.js';

/**
 * The in-use reader against the fake AWS over real SDK clients: every kind of user, every page,
 * and every way a listing can fail, each expected to fail closed.
 */

const OTHER = '222222222222';
const account = testAccount;

let fake: FakeAws;
let clients: AwsClients;
let regionCount = 0;

/** A region of its own per test: no test sees another's templates and groups. */
function freshRegion(): string {
  regionCount++;
  return `zz-usage-${regionCount}`;
}

function reader(limits: Partial<UsageLimits> = {}): ImageUsageReader {
  return new ImageUsageReader(clients, limits);
}

async function unknown(promise: Promise<unknown>): Promise<ImageUsageUnknown> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ImageUsageUnknown);
    return err as ImageUsageUnknown;
  }
  throw new Error('expected usage to be unknown');
}

function label(u: ImageUser): string {
  if (u.kind === 'instance') return `instance:${u.state}`;
  if (u.kind === 'launch-template') return `lt:${u.name}:${u.version}`;
  if (u.kind === 'launch-configuration') return `lc:${u.name}`;
  const via =
    u.via.kind === 'launch-configuration'
      ? `lc:${u.via.name}`
      : `lt:${u.via.name}:${u.via.version}${u.via.override ? ':override' : ''}`;
  return `asg:${u.name}:${via}`;
}

function labels(users: ImageUser[]): string[] {
  return users.map(label).sort();
}

beforeAll(async () => {
  fake = await FakeAws.start();
  fake.registerAccessKey('AKIAAMIBOTTEST000001', '111111111111');
  clients = clientsFor(fake);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

afterEach(() => {
  fake.faults.reset();
  fake.resetCalls();
});

describe('what uses an image', () => {
  it('instances in every state but terminated, and only this image in this account', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const other = fake.addImage({ region });
    const states: InstanceStateName[] = [
      'pending',
      'running',
      'shutting-down',
      'stopping',
      'stopped',
      'terminated',
    ];
    for (const state of states) fake.addInstance({ region, imageId: image.imageId, state });
    fake.addInstance({ region, imageId: other.imageId, state: 'running' });
    fake.addInstance({ region, imageId: image.imageId, state: 'running', accountId: OTHER });

    const index = await reader().index(account, region, [image.imageId]);
    expect(labels(index.usersOf(image.imageId))).toEqual(
      ['pending', 'running', 'shutting-down', 'stopping', 'stopped'].map((s) => `instance:${s}`).sort(),
    );
    const filter = fake.callsOf('DescribeInstances')[0]?.params;
    expect(JSON.stringify(filter)).toContain(image.imageId);
  });

  it('every version of a launch template: version 1 of 3 while the default is 2', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const other = fake.addImage({ region });
    fake.addLaunchTemplate({
      region,
      name: 'pinned-v1',
      versions: [{ imageId: image.imageId }, { imageId: other.imageId }, { imageId: other.imageId }],
      defaultVersion: 2,
    });
    fake.addLaunchTemplate({ region, name: 'unrelated', versions: [{ imageId: other.imageId }] });
    fake.addLaunchTemplate({
      region,
      name: 'theirs',
      accountId: OTHER,
      versions: [{ imageId: image.imageId }],
    });

    const index = await reader().index(account, region, [image.imageId]);
    const users = index.usersOf(image.imageId);
    expect(labels(users)).toEqual(['lt:pinned-v1:1']);
    expect(users[0]).toMatchObject({ isDefault: false, isLatest: false });
    expect(index.coverage).toMatchObject({ launchTemplates: 2, launchTemplateVersions: 4 });
  });

  it('Auto Scaling groups: a template without a version ($Default), $Latest, a number, a mixed policy and its overrides, a configuration', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const other = fake.addImage({ region });
    // web: version 1 = other, 2 = image (default), 3 = other (latest)
    const web = fake.addLaunchTemplate({
      region,
      name: 'web',
      versions: [{ imageId: other.imageId }, { imageId: image.imageId }, { imageId: other.imageId }],
      defaultVersion: 2,
    });
    const spot = fake.addLaunchTemplate({ region, name: 'spot', versions: [{ imageId: image.imageId }] });
    const base = fake.addLaunchTemplate({ region, name: 'base', versions: [{ imageId: other.imageId }] });
    fake.addLaunchConfiguration({ region, name: 'legacy-lc', imageId: image.imageId });
    fake.addLaunchConfiguration({ region, name: 'other-lc', imageId: other.imageId });
    fake.addAutoScalingGroup({ region, name: 'by-default', launchTemplate: { template: web } });
    fake.addAutoScalingGroup({
      region,
      name: 'by-latest',
      launchTemplate: { template: web, version: '$Latest' },
    });
    fake.addAutoScalingGroup({ region, name: 'by-number', launchTemplate: { template: web, version: '2' } });
    fake.addAutoScalingGroup({
      region,
      name: 'mixed',
      mixedInstancesPolicy: {
        launchTemplate: { template: base },
        overrides: [
          { instanceType: 'c7g.large', launchTemplate: { template: spot, version: '1' } },
          { instanceType: 'c6g.large' },
        ],
      },
    });
    fake.addAutoScalingGroup({ region, name: 'legacy', launchConfigurationName: 'legacy-lc' });
    fake.addAutoScalingGroup({ region, name: 'other-legacy', launchConfigurationName: 'other-lc' });

    const index = await reader().index(account, region, [image.imageId, other.imageId]);
    expect(labels(index.usersOf(image.imageId))).toEqual(
      [
        'asg:by-default:lt:web:2',
        'asg:by-number:lt:web:2',
        'asg:mixed:lt:spot:1:override',
        'asg:legacy:lc:legacy-lc',
        'lc:legacy-lc',
        'lt:spot:1',
        'lt:web:2',
      ].sort(),
    );
    expect(labels(index.usersOf(other.imageId))).toEqual(
      [
        'asg:by-latest:lt:web:3',
        'asg:mixed:lt:base:1',
        'asg:other-legacy:lc:other-lc',
        'lc:other-lc',
        'lt:base:1',
        'lt:web:1',
        'lt:web:3',
      ].sort(),
    );
  });

  it('a template that names its image through SSM is read as the image it resolves to', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    fake.addParameter({ region, name: '/golden/web', value: image.imageId, dataType: 'aws:ec2:image' });
    fake.addLaunchTemplate({ region, name: 'golden', versions: [{ imageId: 'resolve:ssm:/golden/web' }] });
    const index = await reader().index(account, region, [image.imageId]);
    expect(labels(index.usersOf(image.imageId))).toEqual(['lt:golden:1']);
  });

  it('reads every page, however short the pages', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const other = fake.addImage({ region });
    for (let i = 0; i < 7; i++) {
      fake.addLaunchTemplate({
        region,
        name: `lt-${i}`,
        versions: Array.from({ length: 5 }, (_, v) => ({
          imageId: i === 6 && v === 0 ? image.imageId : other.imageId,
        })),
        defaultVersion: 3,
      });
      fake.addAutoScalingGroup({
        region,
        name: `g-${i}`,
        launchTemplate: { launchTemplateName: `lt-${i}`, version: '1' },
      });
      fake.addLaunchConfiguration({
        region,
        name: `lc-${i}`,
        imageId: i === 5 ? image.imageId : other.imageId,
      });
      fake.addInstance({ region, imageId: i < 3 ? image.imageId : other.imageId, state: 'stopped' });
    }
    for (const action of [
      'DescribeInstances',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeAutoScalingGroups',
      'DescribeLaunchConfigurations',
    ]) {
      fake.faults.capPageSize(action, 2);
    }
    const index = await reader().index(account, region, [image.imageId]);
    expect(labels(index.usersOf(image.imageId))).toEqual(
      [
        'asg:g-6:lt:lt-6:1',
        'lc:lc-5',
        'lt:lt-6:1',
        'instance:stopped',
        'instance:stopped',
        'instance:stopped',
      ].sort(),
    );
    expect(fake.callsOf('DescribeLaunchTemplates').length).toBeGreaterThanOrEqual(4);
    expect(fake.callsOf('DescribeAutoScalingGroups').length).toBeGreaterThanOrEqual(4);
  });

  it('answers for many images from one reading (a cleanup), with the same calls as for one', async () => {
    const region = freshRegion();
    const images = fake.addImages(30, { region });
    images.forEach((img, i) => {
      if (i % 3 === 0) fake.addInstance({ region, imageId: img.imageId });
      if (i % 5 === 0)
        fake.addLaunchTemplate({ region, name: `t-${i}`, versions: [{ imageId: img.imageId }] });
    });
    const all = await reader().index(account, region);
    const used = images.filter((img) => all.usersOf(img.imageId).length > 0).length;
    expect(used).toBe(30 - images.filter((_, i) => i % 3 !== 0 && i % 5 !== 0).length);
    const callsForAll = all.coverage.calls;
    fake.resetCalls();
    const one = await reader().index(account, region, [images[0]!.imageId]);
    expect(one.coverage.calls).toBe(callsForAll);
    expect(() => one.usersOf(images[1]!.imageId)).toThrow(/other images/);
  });
});

describe('failing closed', () => {
  /** A region with a user of every kind, so any listing that fails would hide one. */
  function world() {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const other = fake.addImage({ region });
    for (let i = 0; i < 5; i++) {
      fake.addLaunchTemplate({
        region,
        name: `w-${i}`,
        versions: [{ imageId: other.imageId }, { imageId: image.imageId }, { imageId: other.imageId }],
        defaultVersion: 3,
      });
      fake.addLaunchConfiguration({ region, name: `wlc-${i}`, imageId: other.imageId });
      fake.addAutoScalingGroup({ region, name: `wg-${i}`, launchConfigurationName: `wlc-${i}` });
      fake.addInstance({ region, imageId: image.imageId });
    }
    return { region, image };
  }

  it.each([
    ['DescribeInstances', /instances .*page 2/],
    ['DescribeLaunchTemplates', /launch templates .*page 2/],
    ['DescribeLaunchTemplateVersions', /page 2/],
    ['DescribeAutoScalingGroups', /Auto Scaling groups .*page 2/],
    ['DescribeLaunchConfigurations', /launch configurations .*page 2/],
  ])('an error on page 2 of %s', async (action, said) => {
    const { region, image } = world();
    fake.faults.capPageSize(action, 2);
    fake.faults.failPage(action, 2, { code: 'InternalError', message: 'page two broke' });
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(said);
    expect(err.reason).toContain(`:${action}`);
    expect(err.retry).toBe(true);
  });

  it('a listing of templates cut short (no token on page 1 although more remain)', async () => {
    const { region, image } = world();
    fake.faults.capPageSize('DescribeLaunchTemplates', 2);
    fake.faults.endAtPage('DescribeLaunchTemplates', 1);
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(/DescribeLaunchTemplates listed 2 and DescribeLaunchTemplateVersions 5/);
  });

  it('the versions of one template cut short (the latest version missing)', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    fake.addLaunchTemplate({
      region,
      name: 'w-1',
      versions: [{}, {}, { imageId: image.imageId }],
      defaultVersion: 3,
    });
    fake.faults.capPageSize('DescribeLaunchTemplateVersions', 2);
    fake.faults.endAtPage('DescribeLaunchTemplateVersions', 1);
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(/versions of launch template \*w-\d\*: 2 came back, without version 3/);
  });

  it('throttled beyond the SDK retries', async () => {
    const { region, image } = world();
    fake.faults.throttleRatio = 1;
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(/AWS is busy/);
    expect(err.retry).toBe(true);
  });

  it('a missing IAM permission names the action', async () => {
    const { region, image } = world();
    fake.faults.setError('autoscaling:DescribeAutoScalingGroups', { code: 'AccessDenied', message: 'no' });
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toContain('`autoscaling:DescribeAutoScalingGroups`');
    expect(err.retry).toBe(false);
  });

  it('a filter the backend refuses', async () => {
    const { region, image } = world();
    fake.faults.setError('DescribeInstances', {
      code: 'InvalidParameterValue',
      message: 'The filter instance-state-name is invalid',
    });
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(/instances .*InvalidParameterValue/);
  });

  it.each([
    ['maxInstances', 3, /more than 3/],
    ['maxLaunchTemplates', 4, /launch templates: there are more than 4/],
    ['maxLaunchTemplateVersions', 10, /launch template versions: there are more than 10/],
    ['maxAutoScalingGroups', 2, /Auto Scaling groups: there are more than 2/],
    ['maxLaunchConfigurations', 2, /launch configurations: there are more than 2/],
  ] as const)('a cap reached: %s', async (limit, value, said) => {
    const { region, image } = world();
    const err = await unknown(reader({ [limit]: value }).index(account, region, [image.imageId]));
    expect(err.reason).toMatch(said);
    expect(err.retry).toBe(false);
  });

  it('a group naming a template the listings left out', async () => {
    const region = freshRegion();
    const image = fake.addImage({ region });
    const hidden = fake.addLaunchTemplate({ region, name: 'hidden', versions: [{ imageId: image.imageId }] });
    fake.addAutoScalingGroup({ region, name: 'uses-hidden', launchTemplate: { template: hidden } });
    // Both listings cut after page 1 of size 1: "hidden" is the second template in neither.
    fake.addLaunchTemplate({ region, name: 'first', versions: [{ imageId: image.imageId }] });
    fake.state.regions.get(region)!.launchTemplates.reverse();
    fake.faults.capPageSize('DescribeLaunchTemplates', 1);
    fake.faults.endAtPage('DescribeLaunchTemplates', 1);
    fake.faults.capPageSize('DescribeLaunchTemplateVersions', 1);
    fake.faults.endAtPage('DescribeLaunchTemplateVersions', 1);
    const err = await unknown(reader().index(account, region, [image.imageId]));
    expect(err.reason).toMatch(/uses-hidden.*hidden.*did not include/);
  });
});
