import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws, type InstanceStateName } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { runExpirySweep } from '../../src/expiry/sweep.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * The in-use guard over real wires: the app and its workers against the fake AWS and fake Slack,
 * real Redis. Every user of an image, every path that removes or replaces one (deregister when
 * filed and when run, `encrypt --replace`, the expiry sweep's policy), and every way the check can
 * fail, which must refuse the destructive step.
 */

const CHANNEL = 'CGUARD';
const REMINDERS = 'CGUARDREM';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({
      approvalChannel: CHANNEL,
      reminderChannel: REMINDERS,
      approvers: [APPROVER],
      expiredImageAction: 'request-deregister',
    }),
  };
}

function own(extra: Parameters<FakeAws['addImage']>[0] = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `guarded-${Math.random().toString(36).slice(2, 8)}`,
    ...extra,
  });
}

function requestIdIn(text: string): string | undefined {
  return text.match(/req-[0-9a-z]{6,32}/)?.[0];
}

async function file(text: string): Promise<AmiRequest> {
  const reply = await t.ask(text, { userId: REQUESTER });
  const body = allText(reply.body);
  const id = requestIdIn(body);
  if (!id) throw new Error(`no request filed: ${body}`);
  return (await t.deps.requests.get(id))!;
}

/** Asks, expects no request to be filed, and returns the answer's text. */
async function refused(text: string): Promise<string> {
  const before = (await t.deps.requests.recent(500)).length;
  const reply = await t.ask(text, { userId: REQUESTER });
  const body = allText(reply.body);
  expect(requestIdIn(body)).toBeUndefined();
  expect((await t.deps.requests.recent(500)).length).toBe(before);
  return body;
}

async function approve(req: AmiRequest): Promise<void> {
  const { ack } = await t.click({
    actionId: 'request_approve',
    value: req.id,
    userId: APPROVER,
    channelId: CHANNEL,
  });
  expect(ack.status).toBe(200);
}

async function finished(id: string): Promise<AmiRequest> {
  return waitFor(`request ${id} to finish`, async () => {
    const r = await t.deps.requests.get(id);
    return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  });
}

function imageState(imageId: string): string {
  return fakeAws.getImage(REGION, imageId)?.state ?? 'gone';
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ copyDurationMs: 600 });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [account()],
    env: { AMIBOT_COPY_POLL_MS: '100', AMIBOT_COPY_MAX_POLL_MS: '200', AMIBOT_PROGRESS_INTERVAL_MS: '300' },
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

afterEach(() => {
  fakeAws.faults.reset();
});

describe('each user of an image stops /ami deregister when it is filed', () => {
  const states: InstanceStateName[] = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

  it.each(states)('an instance that is %s', async (state) => {
    const img = own();
    const instance = fakeAws.addInstance({ imageId: img.imageId, state });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toContain(`instance \`${instance.instanceId}\` (${state})`);
    expect(answer).toMatch(/--force/);
  });

  it('not a terminated instance: the image is deregistered', async () => {
    const img = own();
    fakeAws.addInstance({ imageId: img.imageId, state: 'terminated' });
    const req = await file(`deregister ${img.imageId}`);
    await approve(req);
    expect((await finished(req.id)).state).toBe('succeeded');
    expect(imageState(img.imageId)).toBe('deregistered');
  });

  it('version 1 of 3 of a launch template whose default is 2', async () => {
    const img = own();
    const other = own();
    fakeAws.addLaunchTemplate({
      name: `pinned-${img.imageId}`,
      versions: [{ imageId: img.imageId }, { imageId: other.imageId }, { imageId: other.imageId }],
      defaultVersion: 2,
    });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toContain(`launch template *pinned-${img.imageId}* version 1`);
  });

  it('an Auto Scaling group launching from a template (no version: $Default)', async () => {
    const img = own();
    const lt = fakeAws.addLaunchTemplate({
      name: `asg-lt-${img.imageId}`,
      versions: [{ imageId: img.imageId }],
    });
    fakeAws.addAutoScalingGroup({ name: `web-${img.imageId}`, launchTemplate: { template: lt } });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toContain(
      `Auto Scaling group *web-${img.imageId}* (through launch template *asg-lt-${img.imageId}* version 1)`,
    );
  });

  it('an override of an Auto Scaling group’s mixed instances policy', async () => {
    const img = own();
    const other = own();
    const base = fakeAws.addLaunchTemplate({
      name: `base-${img.imageId}`,
      versions: [{ imageId: other.imageId }],
    });
    // The override names version 1; the template's default (2) uses another image.
    const spot = fakeAws.addLaunchTemplate({
      name: `spot-${img.imageId}`,
      versions: [{ imageId: img.imageId }, { imageId: other.imageId }],
      defaultVersion: 2,
    });
    fakeAws.addAutoScalingGroup({
      name: `mixed-${img.imageId}`,
      mixedInstancesPolicy: {
        launchTemplate: { template: base },
        overrides: [{ instanceType: 'c7g.large', launchTemplate: { template: spot, version: '1' } }],
      },
    });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toContain(`Auto Scaling group *mixed-${img.imageId}*`);
    expect(answer).toContain('a mixed instances policy override');
  });

  it('a launch configuration (and the group using it)', async () => {
    const img = own();
    fakeAws.addLaunchConfiguration({ name: `lc-${img.imageId}`, imageId: img.imageId });
    fakeAws.addAutoScalingGroup({
      name: `legacy-${img.imageId}`,
      launchConfigurationName: `lc-${img.imageId}`,
    });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toContain(`launch configuration *lc-${img.imageId}*`);
    expect(answer).toContain(`Auto Scaling group *legacy-${img.imageId}* (through launch configuration`);
  });

  it('with --force it is filed, the users listed for the approvers, and carried out', async () => {
    const img = own();
    const instance = fakeAws.addInstance({ imageId: img.imageId, state: 'running' });
    const req = await file(`deregister ${img.imageId} --force`);
    expect(req.warnings.join(' ')).toContain(`instance \`${instance.instanceId}\` (running)`);
    const message = allText(fakeSlack.message(CHANNEL, req.message!.ts));
    expect(message).toContain(instance.instanceId);
    await approve(req);
    expect((await finished(req.id)).state).toBe('succeeded');
    expect(imageState(img.imageId)).toBe('deregistered');
  });
});

describe('checked again when the deregistration runs', () => {
  it('a template version pinned after filing: the request fails and the image stays', async () => {
    const img = own();
    const req = await file(`deregister ${img.imageId}`);
    fakeAws.addLaunchTemplate({
      name: `late-${img.imageId}`,
      versions: [{ imageId: img.imageId }, {}, {}],
      defaultVersion: 2,
    });
    await approve(req);
    const done = await finished(req.id);
    expect(done.state).toBe('failed');
    expect(done.result?.summary).toMatch(/^Not deregistered: .* is in use by launch template \*late-/);
    expect(imageState(img.imageId)).toBe('available');
    const snapshot = img.blockDevices[0]!.snapshotId!;
    expect(fakeAws.getSnapshot(REGION, snapshot)).toBeDefined();
  });

  it('usage that cannot be checked when it runs: the request fails with the reason', async () => {
    const img = own();
    const req = await file(`deregister ${img.imageId}`);
    fakeAws.faults.setError('autoscaling:DescribeAutoScalingGroups', {
      code: 'AccessDenied',
      message: 'denied',
    });
    await approve(req);
    const done = await finished(req.id);
    expect(done.state).toBe('failed');
    expect(done.result?.summary).toMatch(/could not check whether .* is still in use/);
    expect(done.result?.summary).toContain('autoscaling:DescribeAutoScalingGroups');
    expect(done.result?.summary).toContain('--force');
    expect(imageState(img.imageId)).toBe('available');
  });

  it('--force approved: not checked again, deregistered', async () => {
    const img = own();
    const req = await file(`deregister ${img.imageId} --force`);
    fakeAws.faults.setError('autoscaling:DescribeAutoScalingGroups', {
      code: 'AccessDenied',
      message: 'denied',
    });
    await approve(req);
    expect((await finished(req.id)).state).toBe('succeeded');
    expect(imageState(img.imageId)).toBe('deregistered');
  });
});

describe('fails closed when usage cannot be determined at filing', () => {
  /** Enough templates and groups that every listing has a second page under a page cap of 1. */
  function crowd() {
    const filler = own();
    for (let i = 0; i < 3; i++) {
      fakeAws.addLaunchTemplate({
        name: `crowd-${filler.imageId}-${i}`,
        versions: [{ imageId: filler.imageId }],
      });
      fakeAws.addLaunchConfiguration({ name: `crowd-lc-${filler.imageId}-${i}`, imageId: filler.imageId });
      fakeAws.addAutoScalingGroup({
        name: `crowd-asg-${filler.imageId}-${i}`,
        launchConfigurationName: `crowd-lc-${filler.imageId}-${i}`,
      });
    }
  }

  it.each([
    'DescribeInstances',
    'DescribeLaunchTemplates',
    'DescribeLaunchTemplateVersions',
    'DescribeAutoScalingGroups',
    'DescribeLaunchConfigurations',
  ])('an error on page 2 of %s', async (action) => {
    crowd();
    const img = own();
    // Two live instances, so DescribeInstances has a second page too: page 2 failing hides one.
    fakeAws.addInstance({ imageId: img.imageId, state: 'stopped' });
    fakeAws.addInstance({ imageId: img.imageId, state: 'stopped' });
    fakeAws.faults.capPageSize(action, 1);
    fakeAws.faults.failPage(action, 2, { code: 'InternalError', message: 'page two broke' });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toMatch(/could not check whether .* is still in use/);
    expect(answer).toContain(`:${action}\`, page 2`);
    expect(answer).toContain(`/ami deregister ${img.imageId} --force`);
  });

  it('a truncated page (DescribeLaunchTemplates ends early, silently)', async () => {
    crowd();
    const img = own();
    fakeAws.faults.capPageSize('DescribeLaunchTemplates', 1);
    fakeAws.faults.endAtPage('DescribeLaunchTemplates', 1);
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toMatch(
      /could not check .*DescribeLaunchTemplates listed 1 and DescribeLaunchTemplateVersions \d+/,
    );
  });

  it('throttled beyond the SDK retries', async () => {
    const img = own();
    fakeAws.faults.failPage('autoscaling:DescribeLaunchConfigurations', 1, {
      code: 'Throttling',
      message: 'Rate exceeded',
      status: 400,
    });
    const answer = await refused(`deregister ${img.imageId}`);
    expect(answer).toMatch(/could not check .*AWS is busy/);
    expect(answer).toMatch(/Try again in a minute/);
    // The SDK tried more than once before giving up.
    expect(
      fakeAws.callsOf('DescribeLaunchConfigurations').filter((c) => c.errorCode === 'Throttling').length,
    ).toBeGreaterThan(1);
  });

  it('with --force it is filed anyway, saying what could not be checked', async () => {
    const img = own();
    fakeAws.faults.setError('DescribeLaunchTemplates', { code: 'UnauthorizedOperation', message: 'no' });
    const req = await file(`deregister ${img.imageId} --force`);
    expect(req.warnings.join(' ')).toMatch(
      /could not check whether the image is still in use .*ec2:DescribeLaunchTemplates/,
    );
  });
});

describe('encrypt --replace', () => {
  it('refused when filed while the original is in use', async () => {
    const img = own();
    fakeAws.addInstance({ imageId: img.imageId, state: 'stopped' });
    const answer = await refused(`encrypt ${img.imageId} --replace`);
    expect(answer).toMatch(/--replace` would deregister it under them/);
  });

  it('refused when filed while usage cannot be checked', async () => {
    const img = own();
    fakeAws.faults.setError('DescribeLaunchConfigurations', { code: 'AccessDenied', message: 'no' });
    const answer = await refused(`encrypt ${img.imageId} --replace`);
    expect(answer).toMatch(/could not check whether .* is still in use/);
  });

  it('an original that came into use by an instance and a template is kept, with its snapshot', async () => {
    const img = own();
    const snapshot = img.blockDevices[0]!.snapshotId!;
    const req = await file(`encrypt ${img.imageId} --replace`);
    const instance = fakeAws.addInstance({ imageId: img.imageId, state: 'running' });
    fakeAws.addLaunchTemplate({ name: `enc-${img.imageId}`, versions: [{ imageId: img.imageId }] });
    await approve(req);
    const done = await finished(req.id);
    expect(done.state).toBe('succeeded');
    const copy = done.progress?.[REGION]?.imageId;
    expect(copy).toBeDefined();
    expect(imageState(copy!)).toBe('available');
    expect(imageState(img.imageId)).toBe('available');
    expect(fakeAws.getSnapshot(REGION, snapshot)).toBeDefined();
    expect(done.result?.summary).toMatch(
      /^Encrypted copy ready: .*The original .* was kept: it is in use by/,
    );
    expect(done.result?.summary).toContain(instance.instanceId);
    expect(done.result?.details?.join('\n')).toContain(`launch template *enc-${img.imageId}* version 1`);
  });

  it('an unused original is retired after its permissions are carried over', async () => {
    const img = own();
    const req = await file(`encrypt ${img.imageId} --replace`);
    await approve(req);
    const done = await finished(req.id);
    expect(done.state).toBe('succeeded');
    expect(imageState(img.imageId)).toBe('deregistered');
    expect(done.result?.summary).toMatch(/is deregistered \(1 snapshot deleted\)/);
  });
});

describe('the expiry sweep’s request-deregister policy', () => {
  async function sweepAndDeliver(): Promise<void> {
    await runExpirySweep(t.deps);
    const queue = t.deps.queues.queue('maintenance');
    await waitFor('reminders delivered', async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    });
  }

  function reminderOf(imageId: string): string {
    const posts = fakeSlack.messages(REMINDERS).filter((m) => allText(m).includes(imageId));
    expect(posts).toHaveLength(1);
    return allText(posts[0]);
  }

  const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  it('an expired image used by an Auto Scaling group: no request, the reminder says why', async () => {
    const img = own({ tags: { ExpirationDate: yesterday() } });
    const lt = fakeAws.addLaunchTemplate({
      name: `exp-${img.imageId}`,
      versions: [{ imageId: img.imageId }],
    });
    fakeAws.addAutoScalingGroup({
      name: `exp-web-${img.imageId}`,
      launchTemplate: { template: lt, version: '$Latest' },
    });
    await sweepAndDeliver();
    expect((await t.deps.requests.recent(500)).filter((r) => r.imageId === img.imageId)).toHaveLength(0);
    const text = reminderOf(img.imageId);
    expect(text).toMatch(/did not request its deregistration/);
    expect(text).toContain(`Auto Scaling group *exp-web-${img.imageId}*`);
    expect(imageState(img.imageId)).toBe('available');
  });

  it('an expired image whose use cannot be checked: no request, the reminder says what failed', async () => {
    crowdTemplates();
    const img = own({ tags: { ExpirationDate: yesterday() } });
    fakeAws.faults.capPageSize('DescribeLaunchTemplateVersions', 1);
    fakeAws.faults.failPage('DescribeLaunchTemplateVersions', 2, {
      code: 'InternalError',
      message: 'broken',
    });
    await sweepAndDeliver();
    expect((await t.deps.requests.recent(500)).filter((r) => r.imageId === img.imageId)).toHaveLength(0);
    const text = reminderOf(img.imageId);
    expect(text).toMatch(/could not check whether .* is still in use .*DescribeLaunchTemplateVersions/);
    expect(text).not.toMatch(/--force` files/);
  });

  it('an expired image nothing uses: the request is filed and still checked when it runs', async () => {
    const img = own({ tags: { ExpirationDate: yesterday() } });
    await sweepAndDeliver();
    const [req] = (await t.deps.requests.recent(500)).filter((r) => r.imageId === img.imageId);
    expect(req).toMatchObject({ kind: 'deregister', state: 'pending' });
    fakeAws.addInstance({ imageId: img.imageId, state: 'pending' });
    await approve(req!);
    const done = await finished(req!.id);
    expect(done.state).toBe('failed');
    expect(done.result?.summary).toMatch(/Not deregistered: .*\(pending\)/);
    expect(imageState(img.imageId)).toBe('available');
  });

  function crowdTemplates() {
    const filler = own();
    for (let i = 0; i < 3; i++) {
      fakeAws.addLaunchTemplate({
        name: `sweep-crowd-${filler.imageId}-${i}`,
        versions: [{ imageId: filler.imageId }],
      });
    }
  }
});
