import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AmiRequest } from '../../src/domain/request.js';
import { silentLogger } from '../../src/logger.js';
import { AuditLog } from '../../src/store/audit.js';
import { CopySlots } from '../../src/store/copy-slots.js';
import { keyRoot } from '../../src/store/keys.js';
import { Outbox } from '../../src/store/outbox.js';
import { PrunePlanStore } from '../../src/store/prune-plans.js';
import { RateLimiter } from '../../src/store/rate-limit.js';
import { createRedis, isCluster, scanKeys, waitForReady } from '../../src/store/redis.js';
import { reminderStore } from '../../src/store/reminders.js';
import { RequestStore } from '../../src/store/requests.js';
import { deleteKeys } from '../support/app-under-test.js';

/**
 * Checks that only make sense on a Redis Cluster (this file runs in the `cluster` project only,
 * against the three-node cluster of test/support/redis-cluster.ts). The e2e files of the cluster
 * set run the bot's flows on the same cluster; these look at the layout and the multi-key scripts
 * one by one, and show that the cluster does refuse keys spread over several slots.
 */

const URL = inject('redisClusterUrl');
const redis = createRedis(URL, 'client', { enableOfflineQueue: true }) as Cluster;
const prefixes: string[] = [];

function uniquePrefix(): string {
  const p = `amibot-cl-${randomUUID().slice(0, 8)}`;
  prefixes.push(p);
  return p;
}

afterAll(async () => {
  for (const p of prefixes) await deleteKeys(redis, p);
  redis.disconnect();
});

function request(id: string, now: Date): AmiRequest {
  return {
    id,
    kind: 'disable',
    params: { kind: 'disable' },
    imageId: 'ami-0123456789abcdef0',
    image: { name: 'web', sizeGiB: 8, monthlyCostUsd: 0.4, encrypted: false, public: false },
    requester: 'UREQ',
    account: 'prod',
    accountId: '111111111111',
    region: 'us-east-1',
    state: 'pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
    approvalsNeeded: 1,
    approvals: [],
    warnings: [],
  };
}

/** The slot of every key under the prefix's root (one `CLUSTER KEYSLOT` each). */
async function slotsUnder(prefix: string): Promise<{ keys: string[]; slots: Set<number> }> {
  const keys: string[] = [];
  for await (const batch of scanKeys(redis, `${keyRoot(prefix)}:*`)) keys.push(...batch);
  const slots = new Set(await Promise.all(keys.map(async (k) => Number(await redis.cluster('KEYSLOT', k)))));
  return { keys, slots };
}

describe('the connection', () => {
  it('a redis+cluster:// URL makes a Cluster of three primaries; a worker connection retries forever, as BullMQ needs', async () => {
    await waitForReady(redis, 10_000);
    expect(isCluster(redis)).toBe(true);
    expect(redis.nodes('master')).toHaveLength(3);
    const worker = createRedis(URL, 'worker');
    try {
      expect(isCluster(worker)).toBe(true);
      expect((worker as Cluster).options.redisOptions?.maxRetriesPerRequest).toBeNull();
      await waitForReady(worker, 10_000);
      expect(await worker.ping()).toBe('PONG');
    } finally {
      worker.disconnect();
    }
  });

  it('the cluster refuses one script over keys in several slots (the old layout), so the passes below mean something', async () => {
    const p = uniquePrefix();
    // The request compare-and-set's keys as amibot named them before the hash tag.
    const old = [
      `${p}:req:r1`,
      `${p}:req:pending`,
      `${p}:req:active`,
      `${p}:audit`,
      `${p}:outbox`,
      `${p}:outbox:due`,
    ];
    const slots = new Set(await Promise.all(old.map(async (k) => Number(await redis.cluster('KEYSLOT', k)))));
    expect(slots.size).toBeGreaterThan(1);
    await expect(redis.eval("return redis.call('EXISTS', KEYS[1])", old.length, ...old)).rejects.toThrow(
      /CROSSSLOT/,
    );
  });
});

describe('every multi-key script and transaction, on the cluster', () => {
  it('requests: create, 20 concurrent compare-and-sets, audit entries and outbox intents, discard', async () => {
    const p = uniquePrefix();
    const store = new RequestStore(redis, p);
    const now = new Date();
    const id = `req-${randomUUID().slice(0, 10)}`;
    await store.create(request(id, now), {
      audit: [{ at: now.toISOString(), actor: 'UREQ', action: 'request.created', target: id, result: 'ok' }],
      intents: [{ kind: 'refresh', requestId: id }],
    });
    // 20 writers at once, each adds its own warning: every one lands exactly once.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update<string>(id, (r) => ({
          ok: true,
          request: { ...r, warnings: [...r.warnings, `w${i}`] },
          effects: {
            audit: [
              { at: now.toISOString(), actor: `U${i}`, action: 'request.approved', target: id, result: 'ok' },
            ],
            intents: [{ kind: 'refresh', requestId: id }],
          },
        })),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const after = await store.get(id);
    expect(after?.warnings).toHaveLength(20);
    expect(new Set(after?.warnings).size).toBe(20);
    expect(await redis.hget(`${keyRoot(p)}:req:${id}`, 'version')).toBe('21');
    const audit = new AuditLog(redis, p, silentLogger, 90);
    expect(await audit.recent({ target: id, limit: 100 })).toHaveLength(21);
    expect(await store.recent(5)).toHaveLength(1);

    // The outbox: claim (a lease), fail, claim again, complete.
    const outbox = new Outbox(redis, p);
    const due = await outbox.due(Date.now() + 1_000, 100);
    expect(due.length).toBeGreaterThanOrEqual(1);
    const claimed = await outbox.claim(due[0] as string, Date.now(), 60_000);
    expect(claimed).toBeDefined();
    expect(await outbox.claim(due[0] as string, Date.now(), 60_000)).toBeUndefined();
    await outbox.fail(claimed!, 'Slack away', Date.now());
    const again = await outbox.claim(due[0] as string, Date.now(), 60_000);
    expect(again?.stored.attempts).toBe(1);
    expect(await outbox.complete(again!)).toBe(true);

    await store.discard(id);
    expect(await store.get(id)).toBeUndefined();
    await store.forget(id);
    const { keys, slots } = await slotsUnder(p);
    expect(keys.length).toBeGreaterThan(0);
    expect([...slots]).toEqual([Number(await redis.cluster('KEYSLOT', p))]);
  });

  it('copy slots: acquire (three keys in one script), the queue in order, release (MULTI), status', async () => {
    const p = uniquePrefix();
    const slots = new CopySlots(redis, p);
    const k = { account: 'prod', region: 'eu-west-1' };
    const limits = { total: 2, perSource: 2 };
    const got = await Promise.all(
      ['a', 'b', 'c', 'd'].map((m, i) => slots.acquire(k, 'us-east-1', m, i + 1, limits)),
    );
    expect(got.filter(Boolean)).toHaveLength(2);
    expect(await slots.waitingCount(k)).toBe(2);
    const holder = got.indexOf(true);
    const head = await slots.release(k, 'us-east-1', ['a', 'b', 'c', 'd'][holder] as string);
    expect(head).toHaveLength(2);
    expect(await slots.acquire(k, 'us-east-1', head[0] as string, 99, limits)).toBe(true);
    await slots.setStatus(k, new Map([['ami-1', { state: 'pending', percent: 10, at: Date.now() }]]));
    expect(await slots.status(k, 'ami-1')).toMatchObject({ state: 'pending' });
    expect((await slotsUnder(p)).slots.size).toBe(1);
  });

  it('the rate limiter and paced slots (one key per script), shared by every client', async () => {
    const p = uniquePrefix();
    const limiter = new RateLimiter(redis, p);
    const spec = { rate: 10, burst: 2 };
    const waits = await Promise.all(
      Array.from({ length: 5 }, () => limiter.tryTake('mutate:prod:us-east-1', spec)),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(2);
    const now = Date.now();
    const reserved = await Promise.all(
      Array.from({ length: 4 }, () => limiter.reserve('copy:prod:us-east-1', spec, now)),
    );
    expect(reserved.sort((a, b) => a - b)).toEqual([0, 0, 100, 200]);
    expect((await slotsUnder(p)).slots.size).toBe(1);
  });

  it('prune families: one claim over several family keys that also reads a request the script was not given', async () => {
    const p = uniquePrefix();
    const store = new RequestStore(redis, p);
    const plans = new PrunePlanStore(redis, p);
    const holder = `req-${randomUUID().slice(0, 10)}`;
    await store.create(request(holder, new Date()));
    expect(await plans.claimFamilies('prod', 'us-east-1', ['web', 'api', 'db'], holder)).toEqual({
      ok: true,
    });
    const refused = await plans.claimFamilies('prod', 'us-east-1', ['cache', 'api'], 'req-other');
    expect(refused).toEqual({ ok: false, family: 'api', requestId: holder });
    await plans.releaseFamilies('prod', 'us-east-1', ['web', 'api', 'db'], holder);
    expect(await plans.claimFamilies('prod', 'us-east-1', ['cache', 'api'], 'req-other')).toEqual({
      ok: true,
    });
    expect((await slotsUnder(p)).slots.size).toBe(1);
  });

  it('expiry claims: milestone marks in one pipeline, each won once across concurrent sweeps', async () => {
    const p = uniquePrefix();
    const reminders = reminderStore(redis, p);
    const now = new Date();
    const expiry = new Date(now.getTime() + 6 * 86_400_000).toISOString();
    const entries = Array.from({ length: 30 }, (_, i) => ({
      image: { account: 'prod', region: 'us-east-1', imageId: `ami-${String(i).padStart(17, '0')}` },
      expiry,
      milestones: [7, 1, 0],
    }));
    const sweeps = await Promise.all(
      Array.from({ length: 4 }, () => reminders.claimMilestones(entries, now)),
    );
    for (let i = 0; i < entries.length; i++) expect(sweeps.filter((s) => s[i]).length).toBe(1);
    expect((await slotsUnder(p)).slots.size).toBe(1);
  });
});
