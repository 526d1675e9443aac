import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * Copies at real scale: a copy in flight holds no worker slot, the status of every copy in flight
 * in a region is polled with one DescribeImages call per cycle, and the copies in flight per
 * account and destination region stay under the configured ceiling, queued in order. Every fake
 * copy here takes far longer than a poll cycle.
 */

const CHANNEL = 'CSCALE';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

const FAST = {
  AMIBOT_COPY_POLL_MS: '100',
  AMIBOT_COPY_MAX_POLL_MS: '300',
  AMIBOT_PROGRESS_INTERVAL_MS: '200',
  AMIBOT_COPY_IMAGE_RATE: '20',
};

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp | undefined;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

async function app(env: Record<string, string> = {}, extra: Parameters<typeof startTestApp>[0] = {}) {
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [account()],
    env: { ...FAST, ...env },
    ...extra,
  });
  return t;
}

function source() {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `scale-${Math.random().toString(36).slice(2, 10)}`,
    region: 'us-east-1',
  });
}

async function file(a: TestApp, text: string): Promise<AmiRequest> {
  const reply = await a.ask(text, { userId: REQUESTER });
  const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request filed: ${allText(reply.body)}`);
  return (await a.deps.requests.get(id))!;
}

async function approve(a: TestApp, r: AmiRequest): Promise<void> {
  const { ack } = await a.click({
    actionId: 'request_approve',
    value: r.id,
    userId: APPROVER,
    channelId: CHANNEL,
  });
  expect(ack.status).toBe(200);
}

async function finished(a: TestApp, id: string, timeoutMs = 45_000): Promise<AmiRequest> {
  return waitFor(
    `request ${id} to finish`,
    async () => {
      const r = await a.deps.requests.get(id);
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
    },
    timeoutMs,
  );
}

function copyCalls(region?: string) {
  return fakeAws
    .callsOf('CopyImage')
    .filter((c) => c.status === 200 && (region === undefined || c.region === region));
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ copyDurationMs: 3_000 });
  fakeSlack = await FakeSlack.start();
});

afterEach(async () => {
  await t?.close();
  t = undefined;
  fakeAws.copyDurationMs = 3_000;
  fakeAws.faults.reset();
});

afterAll(async () => {
  await fakeAws.close();
  await fakeSlack.close();
});

describe('copies at scale', () => {
  it('starts every copy while the first is still copying, with one worker slot', async () => {
    const a = await app({}, { concurrency: 1 });
    const regions = ['eu-west-1', 'eu-west-2', 'eu-central-1', 'us-west-2'];
    const requests: AmiRequest[] = [];
    for (const region of regions) requests.push(await file(a, `copy ${source().imageId} --to ${region}`));
    fakeAws.resetCalls();
    for (const r of requests) await approve(a, r);
    for (const r of requests) expect((await finished(a, r.id)).state).toBe('succeeded');

    const starts = copyCalls()
      .map((c) => c.at.getTime())
      .sort((x, y) => x - y);
    expect(starts).toHaveLength(4);
    // A copy takes 3 s at the fake. Holding the only slot while it copies, the fourth copy would
    // start 9 s after the first; waiting delayed, all four are in flight together.
    expect(starts[3]! - starts[0]!).toBeLessThan(3_000);
  });

  it('polls the status of every copy in flight in a region with one DescribeImages call per cycle', async () => {
    const a = await app();
    const requests: AmiRequest[] = [];
    for (let i = 0; i < 8; i++) requests.push(await file(a, `copy ${source().imageId} --to ap-south-1`));
    fakeAws.resetCalls();
    for (const r of requests) await approve(a, r);
    for (const r of requests) expect((await finished(a, r.id)).state).toBe('succeeded');

    const polls = fakeAws.callsOf('DescribeImages').filter((c) => c.region === 'ap-south-1');
    // Eight copies of 3 s each, polled on their own every 100–300 ms, would be ~100 calls.
    expect(polls.length).toBeLessThanOrEqual(24);
    const widest = Math.max(
      ...polls.map((c) => Object.keys(c.params).filter((k) => /^Filter\.1\.Value\.\d+$/.test(k)).length),
    );
    expect(widest).toBeGreaterThanOrEqual(4);
  });

  it('keeps copies in flight into one region under the ceiling, started in the order they were approved', async () => {
    fakeAws.copyDurationMs = 1_500;
    const a = await app({ AMIBOT_MAX_COPIES_IN_FLIGHT: '2' });
    const requests: AmiRequest[] = [];
    for (let i = 0; i < 5; i++) requests.push(await file(a, `copy ${source().imageId} --to sa-east-1`));
    fakeAws.resetCalls();
    for (const r of requests) {
      await approve(a, r);
      // Each copy takes its place in the queue before the next is approved.
      await waitFor('the copy to be queued or started', async () => {
        const cur = await a.deps.requests.get(r.id);
        return cur?.progress?.['sa-east-1'] ? true : undefined;
      });
    }
    for (const r of requests) expect((await finished(a, r.id)).state).toBe('succeeded');

    const calls = copyCalls('sa-east-1').sort((x, y) => x.at.getTime() - y.at.getTime());
    expect(calls).toHaveLength(5);
    const started = calls.map((c) => c.at.getTime());
    for (const s of started) {
      const inFlight = started.filter((o) => o <= s && s < o + 1_500).length;
      expect(inFlight).toBeLessThanOrEqual(2);
    }
    const order = calls.map((c) => String(c.params.SourceImageId));
    expect(order).toEqual(requests.map((r) => r.imageId));
  });

  it('a copy cancelled while it waits for a slot leaves the queue without copying, and the queue moves on', async () => {
    fakeAws.copyDurationMs = 1_500;
    const a = await app({ AMIBOT_MAX_COPIES_IN_FLIGHT: '1' });
    const first = await file(a, `copy ${source().imageId} --to ca-central-1`);
    const second = await file(a, `copy ${source().imageId} --to ca-central-1`);
    const third = await file(a, `copy ${source().imageId} --to ca-central-1`);
    fakeAws.resetCalls();
    await approve(a, first);
    await waitFor('the first copy to start', async () => copyCalls('ca-central-1').length === 1 || undefined);
    await approve(a, second);
    await waitFor('the second copy to queue', async () => {
      const cur = await a.deps.requests.get(second.id);
      return cur?.progress?.['ca-central-1']?.state === 'queued' || undefined;
    });
    const cancelled = await a.ask(`cancel ${second.id}`, { userId: REQUESTER });
    expect(allText(cancelled.body)).toMatch(/cancelled/);
    await approve(a, third);
    expect((await finished(a, first.id)).state).toBe('succeeded');
    expect((await finished(a, third.id)).state).toBe('succeeded');
    expect((await a.deps.requests.get(second.id))?.state).toBe('cancelled');
    expect(copyCalls('ca-central-1').map((c) => String(c.params.SourceImageId))).toEqual([
      first.imageId,
      third.imageId,
    ]);
  });

  it('stops waiting for a copy past its time limit, deregisters the partial image and says so', async () => {
    fakeAws.copyDurationMs = 60_000;
    const a = await app({}, { workerOptions: { timeouts: { 'copy-region': 1_500 } } });
    const r = await file(a, `copy ${source().imageId} --to eu-north-1`);
    await approve(a, r);
    const done = await finished(a, r.id, 20_000);
    expect(done.state).toBe('failed');
    const reason = done.progress?.['eu-north-1']?.reason ?? '';
    expect(reason).toMatch(/did not finish within/);
    const partial = done.progress?.['eu-north-1']?.imageId;
    expect(partial).toBeDefined();
    expect(fakeAws.getImage('eu-north-1', partial!)?.state).toBe('deregistered');
    const message = await waitFor('the final message', async () => {
      const m = fakeSlack.message(CHANNEL, done.message!.ts);
      return m && /failed/i.test(allText(m)) && allText(m).includes('did not finish') ? m : undefined;
    });
    expect(allText(message)).toContain('eu-north-1');
  });
});
