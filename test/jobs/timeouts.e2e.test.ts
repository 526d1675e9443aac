import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * A job that reaches its time limit is stopped, not merely abandoned: its AWS calls in flight are
 * aborted, it makes no further calls, and its request ends `failed` with a message that says why.
 */

const CHANNEL = 'CTIMEOUTS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp | undefined;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
});

afterEach(async () => {
  fakeAws.faults.reset();
  await t?.close();
  t = undefined;
});

afterAll(async () => {
  await fakeAws.close();
  await fakeSlack.close();
});

describe('job time limits', () => {
  it('stops a deregistration stuck in AWS at its time limit: no further AWS calls, the request fails and says why', async () => {
    t = await startTestApp({
      fakeAws,
      fakeSlack,
      accounts: [account()],
      workers: true,
      env: { AWS_MAX_ATTEMPTS: '1' },
      workerOptions: { timeouts: { 'request-execute': 1_000 }, stopGraceMs: 500 },
    });
    const image = fakeAws.addImage({ name: 'stuck-image' });
    const reply = await t.ask(`deregister ${image.imageId}`, { userId: REQUESTER });
    const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
    expect(id, allText(reply.body)).toBeDefined();
    const request = (await t.deps.requests.get(id!))!;

    // From now on every AWS answer takes 3 s: the job's first call outlives its 1 s limit.
    fakeAws.resetCalls();
    fakeAws.faults.latencyMs = 3_000;
    const { ack } = await t.click({
      actionId: 'request_approve',
      value: request.id,
      userId: APPROVER,
      channelId: CHANNEL,
    });
    expect(ack.status).toBe(200);

    const failed = await waitFor(
      'the timed-out request to fail',
      async () => {
        const r = await t!.deps.requests.get(request.id);
        return r?.state === 'failed' ? r : undefined;
      },
      15_000,
    );
    expect(failed.result?.summary).toMatch(/stopped after 1 s \(its time limit\)/);

    // New calls are answered at once again. The calls that were in flight land at the fake 3 s
    // after they were made; a job that kept running after its limit would then go on to
    // DescribeImages and DeregisterImage.
    fakeAws.faults.latencyMs = 0;
    // The in-use check's five listings start side by side; none of them finishes in time.
    await waitFor('the hung calls to land', async () => fakeAws.calls.length >= 5 || undefined, 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fakeAws.calls.map((c) => c.action).sort()).toEqual([
      'DescribeAutoScalingGroups',
      'DescribeInstances',
      'DescribeLaunchConfigurations',
      'DescribeLaunchTemplateVersions',
      'DescribeLaunchTemplates',
    ]);
    expect(fakeAws.callsOf('DeregisterImage')).toHaveLength(0);
    expect(fakeAws.getImage('us-east-1', image.imageId)?.state).toBe('available');

    // Not retried: the job failed for good on its first attempt.
    const job = await t.deps.queues.queue('ops').getJob(`exec-${request.id}`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);

    // The thread says so.
    const replies = fakeSlack
      .calls('chat.postMessage')
      .filter((c) => c.body.thread_ts === request.message?.ts)
      .map((c) => String(c.body.text));
    expect(replies.join('\n')).toMatch(/stopped after 1 s/);
  });
});
