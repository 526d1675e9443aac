import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { createRedis } from '../../src/store/redis.js';
import { RequestStore } from '../../src/store/requests.js';
import { DEFAULT_ACCOUNT_ID, deleteKeys, REDIS_URL } from '../support/app-under-test.js';
import { type MainProcess, startMain } from '../support/main-process.js';
import { waitFor } from '../support/wait.js';
import { approveOverHttp, fileOverHttp, productionEnv, uniquePrefix } from './support.js';

/**
 * SIGTERM to a worker process with a copy in flight (the real entry command, `AMIBOT_ROLE=worker`):
 * it hands the job back and exits 0 well within its 30 s grace, and a second worker process
 * finishes the copy from the checkpoint: one image in the destination, CopyImage only ever sent with
 * the same client token.
 */

const CHANNEL = 'CSHUTDOWN';
const REQUESTER = 'UREQSHUT';
const APPROVER = 'UAPPSHUT';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
const processes: MainProcess[] = [];
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
let prefix = '';

function env(role: 'web' | 'worker'): Record<string, string> {
  return productionEnv({
    fakeAws,
    fakeSlack,
    prefix,
    extra: {
      AMIBOT_ROLE: role,
      AMIBOT_ACCOUNT_ID: DEFAULT_ACCOUNT_ID,
      AMIBOT_APPROVERS: APPROVER,
      AMIBOT_APPROVAL_CHANNEL: CHANNEL,
      AMIBOT_ANSWER_THREADS: '0',
      AMIBOT_COPY_POLL_MS: '200',
      AMIBOT_COPY_MAX_POLL_MS: '400',
      AMIBOT_PROGRESS_INTERVAL_MS: '400',
      AMIBOT_COPY_IMAGE_RATE: '20',
    },
  });
}

function start(role: 'web' | 'worker'): MainProcess {
  const p = startMain(env(role));
  processes.push(p);
  return p;
}

/** The fake's clock runs ahead by this much: moved on to finish the copy once the worker is stopped. */
let ahead = 0;

beforeAll(async () => {
  // Long enough that the copy is still pending when the worker is stopped.
  fakeAws = await FakeAws.start({ copyDurationMs: 60_000, clock: () => new Date(Date.now() + ahead) });
  fakeSlack = await FakeSlack.start();
});

afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await deleteKeys(redis, prefix);
});

afterAll(async () => {
  redis.disconnect();
  await fakeAws.close();
  await fakeSlack.close();
});

describe('a worker process stopped with a copy in flight', () => {
  it('exits 0 within seconds; another worker finishes the copy exactly once', async () => {
    prefix = uniquePrefix();
    const store = new RequestStore(redis, prefix);
    const web = start('web');
    const url = `http://127.0.0.1:${await web.port()}/slack/events`;
    const first = start('worker');
    await first.waitForLine(/workers running/);

    const image = fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: `shutdown-${prefix}`,
      region: 'us-east-1',
    });
    const id = await fileOverHttp(url, fakeSlack, {
      text: `copy ${image.imageId} --to eu-west-1`,
      userId: REQUESTER,
      channelId: CHANNEL,
    });
    const clickStatus = await approveOverHttp(url, fakeSlack, { id, userId: APPROVER, channelId: CHANNEL });
    // EC2 answers slowly: the job is stopped while it waits for CopyImage's answer, so it is
    // running (not waiting delayed, as a copy in progress does) when the worker gets SIGTERM.
    fakeAws.faults.latencyMs = 4_000;
    expect(clickStatus).toBe(200);
    await waitFor(
      'the copy job to start',
      async () => (await store.get(id!))?.state === 'running' || undefined,
    );
    await new Promise((r) => setTimeout(r, 1_000));

    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const code = await first.exited;
    const tookMs = Date.now() - stoppedAt;
    console.info(`worker stopped with a copy in flight: exit ${code} after ${tookMs} ms`);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(first.lines.some((l) => /job handed back/.test(l))).toBe(true);
    expect(first.lines.filter((l) => /"level":"error"/.test(l))).toEqual([]);

    // The copy finishes on a second worker process, from the checkpoint.
    fakeAws.faults.latencyMs = 0;
    // The call cut short still lands at the fake (AWS too would act on it): wait for it, then
    // let the fake's clock run past the copy's end.
    await waitFor(
      'the cut-short CopyImage to land',
      () => fakeAws.callsOf('CopyImage').length > 0 || undefined,
    );
    ahead = 61_000;
    start('worker');
    const done = await waitFor(
      'the copy to finish on the second worker',
      async () => {
        const r = await store.get(id!);
        return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
      },
      45_000,
    );
    expect(done.state, JSON.stringify(done.result)).toBe('succeeded');
    const copies = fakeAws.images().filter((i) => i.tags['amibot:request-id'] === id);
    expect(copies.map((c) => c.region)).toEqual(['eu-west-1']);
    // The call cut short and the resumed one carry the same token: EC2 made one image.
    const tokens = new Set(fakeAws.callsOf('CopyImage').map((c) => c.params.ClientToken));
    expect(tokens.size).toBe(1);
  }, 120_000);

  it('exits 0 at once when its copies are waiting on EC2 (they hold no worker), and another worker finishes them', async () => {
    prefix = uniquePrefix();
    ahead = 0;
    const store = new RequestStore(redis, prefix);
    const web = start('web');
    const url = `http://127.0.0.1:${await web.port()}/slack/events`;
    const first = start('worker');
    await first.waitForLine(/workers running/);
    const image = fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: `waiting-${prefix}`,
      region: 'us-east-1',
    });
    const id = await fileOverHttp(url, fakeSlack, {
      text: `copy ${image.imageId} --to eu-west-2`,
      userId: REQUESTER,
      channelId: CHANNEL,
    });
    await approveOverHttp(url, fakeSlack, { id, userId: APPROVER, channelId: CHANNEL });
    await waitFor(
      'the copy to be under way',
      async () => (await store.get(id!))?.progress?.['eu-west-2']?.imageId,
    );
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);

    ahead = 61_000;
    start('worker');
    const done = await waitFor(
      'the copy to finish on the second worker',
      async () => {
        const r = await store.get(id!);
        return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
      },
      45_000,
    );
    expect(done.state, JSON.stringify(done.result)).toBe('succeeded');
    expect(fakeAws.images().filter((i) => i.tags['amibot:request-id'] === id)).toHaveLength(1);
  }, 120_000);
});
