import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

/**
 * `/ami show` through the real app when a secondary lookup fails: the field says "unknown" and why,
 * and the rest of the answer (name, id, state, devices, tags, cost) stands. Only the image itself
 * (DescribeImages) is essential.
 */

const NOW = new Date('2026-11-26T12:00:00Z');

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function ownImage() {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `degrade-${Math.random().toString(36).slice(2, 8)}`,
    creationDate: '2026-11-01T00:00:00.000Z',
    tags: { Team: 'platform' },
    blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 30 }],
    launchPermission: { accounts: ['222222222222'] },
    lastLaunchedTime: '2026-11-20T08:00:00Z',
  });
}

/** What stands whatever secondary lookup failed. */
function expectTheRest(text: string, img: ReturnType<typeof ownImage>) {
  for (const s of [img.imageId, img.name, 'platform', '30 GiB', img.blockDevices[0]!.snapshotId!]) {
    expect(text).toContain(s);
  }
  expect(text).not.toMatch(/Something went wrong/);
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock: () => NOW });
  fakeSlack = await FakeSlack.start();
  // No account id configured: whether the account owns the image is asked of STS.
  t = await startTestApp({ fakeAws, fakeSlack, clock: () => NOW, env: { AWS_MAX_ATTEMPTS: '1' } });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

beforeEach(() => {
  fakeAws.faults.reset();
  fakeAws.resetCalls();
});

describe('/ami show with a failing secondary lookup', () => {
  it('STS failing: launch permissions and last launch are unknown because ownership is, the rest stands', async () => {
    const img = ownImage();
    fakeAws.faults.setError('sts:GetCallerIdentity', { code: 'InternalFailure', status: 500 });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expectTheRest(text, img);
    expect(text).toMatch(
      /Launch permissions\*\n⚠️ unknown — amibot could not tell whether account default owns/,
    );
    expect(text).toMatch(/Last launched\*\nunknown — amibot could not tell whether account default owns/);
    expect(text).not.toContain('222222222222');
  });

  it('DescribeImageAttribute answering 500: both owner-only fields say unknown and why', async () => {
    const img = ownImage();
    fakeAws.faults.setError('DescribeImageAttribute', {
      code: 'InternalError',
      message: 'An internal error has occurred',
      status: 500,
    });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expectTheRest(text, img);
    expect(text).toMatch(/Launch permissions\*\n⚠️ unknown — AWS did not answer properly.*InternalError/);
    expect(text).toMatch(/Last launched\*\nunknown — AWS did not answer properly.*InternalError/);
    expect(text).not.toContain('222222222222');
    expect(fakeAws.callsOf('DescribeImageAttribute')).toHaveLength(2);
  });

  it('one owner-only lookup failing: it says unknown and why, the other is shown', async () => {
    const img = ownImage();
    fakeAws.faults.failNext('DescribeImageAttribute', { code: 'InternalError', status: 500 });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expectTheRest(text, img);
    // Both lookups start together; whichever reached AWS first got the 500.
    expect((text.match(/unknown — AWS did not answer properly/g) ?? []).length).toBe(1);
    const permissionsShown = text.includes('222222222222');
    const lastLaunchShown = /Last launched\*\n2026-11-20 08:00 UTC/.test(text);
    expect([permissionsShown, lastLaunchShown].filter(Boolean)).toHaveLength(1);
  });

  it('access denied: the field names the IAM action amibot is missing', async () => {
    const img = ownImage();
    fakeAws.faults.setError('DescribeImageAttribute', { code: 'UnauthorizedOperation', status: 403 });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expectTheRest(text, img);
    expect(text).toMatch(/Launch permissions\*\n⚠️ unknown — .*ec2:DescribeImageAttribute/);
    expect(text).toMatch(/Last launched\*\nunknown — .*ec2:DescribeImageAttribute/);
  });

  it('credentials in an AWS message never reach Slack', async () => {
    const img = ownImage();
    fakeAws.faults.setError('DescribeImageAttribute', {
      code: 'InternalError',
      message: 'failed for AKIAABCDEFGHIJKLMNOP with <!channel>',
      status: 500,
    });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expectTheRest(text, img);
    expect(text).not.toContain('AKIAABCDEFGHIJKLMNOP');
    expect(text).not.toContain('<!channel>');
  });

  it('the image itself failing is still an error: nothing to show', async () => {
    const img = ownImage();
    fakeAws.faults.setError('DescribeImages', { code: 'InternalError', status: 500 });
    const text = allText((await t.ask(`show ${img.imageId}`)).body);
    expect(text).toMatch(/AWS did not answer properly/);
    expect(text).not.toContain(img.name);
  });
});
