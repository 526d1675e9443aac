import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { Deps } from '../../src/deps.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { QUEUES } from '../../src/jobs/catalog.js';
import { type RunningWorkers, scheduleMaintenance, startWorkers } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/logger.js';
import { createRedis } from '../../src/store/redis.js';
import { buildDeps, closeDeps } from '../../src/wiring.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

/**
 * The sweep as deployed: a BullMQ job scheduler on a cron, two worker "processes" (each its own
 * deps, Redis connections and workers) on the same prefix, both registering the schedulers at start.
 */

const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let deps2: Deps;
const sets: RunningWorkers[] = [];
const connections: ReturnType<typeof createRedis>[] = [];

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    // Every second, so the test sees several ticks.
    env: { AMIBOT_SWEEP_CRON: '* * * * * *' },
    accounts: [
      {
        alias: 'default',
        accountId: DEFAULT_ACCOUNT_ID,
        regions: [],
        default: true,
        policy: accountPolicySchema.parse({ reminderChannel: 'CREMIND' }),
      },
    ],
  });
  deps2 = buildDeps(t.deps.config, {
    logger: silentLogger,
    clock,
    redis: createRedis(t.deps.config.redis.url, 'client', { enableOfflineQueue: true }),
    awsCredentials: { accessKeyId: 'AKIAAMIBOTTEST000001', secretAccessKey: 'test-secret-key' },
    slackRetries: 0,
  });
});

afterAll(async () => {
  for (const s of sets) await s.close(5_000);
  for (const c of connections) c.disconnect();
  if (deps2) await closeDeps(deps2);
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('scheduled sweep with two worker processes', () => {
  it('fires once per tick and posts each reminder once', async () => {
    const img = fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: 'scheduled-image',
      tags: { ExpirationDate: '2026-11-30' },
    });
    const started = Date.now();
    for (const deps of [t.deps, deps2]) {
      const connection = createRedis(deps.config.redis.url, 'worker');
      connections.push(connection);
      sets.push(startWorkers(deps, { connection, concurrency: 2, queues: ['maintenance'] }));
      await scheduleMaintenance(deps);
    }
    const queue = t.deps.queues.queue('maintenance');
    const schedulers = await queue.getJobSchedulers();
    expect(
      schedulers.filter((s) => s.key === 'sched-expiry-sweep' || s.id === 'sched-expiry-sweep'),
    ).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 3_500));
    const elapsedTicks = Math.ceil((Date.now() - started) / 1000) + 1;
    const jobs = (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter(
      (j) => j.name === 'expiry-sweep',
    );
    const ran = jobs.filter((j) => j.finishedOn !== undefined);
    expect(ran.length).toBeGreaterThanOrEqual(2);
    // One job per tick: never more jobs than ticks, and no two for the same tick.
    expect(jobs.length).toBeLessThanOrEqual(elapsedTicks + 1);
    const ticks = jobs.map((j) => j.id);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(jobs.every((j) => j.failedReason === undefined)).toBe(true);
    // Both worker sets took part or not, the reminder was posted exactly once.
    const posted = fakeSlack
      .calls('chat.postMessage')
      .filter((c) => c.response.ok === true && allText(c.body).includes(img.imageId));
    expect(posted).toHaveLength(1);
    expect(String(posted[0]?.body.text)).toMatch(/(expires in|expired) [^,]+, on Mon 30 Nov 2026 00:00 UTC/);
    expect(QUEUES.maintenance).toBe('amibot-maintenance');
  }, 20_000);
});
