import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { QUEUES } from '../../src/jobs/job.js';
import { bullPrefix } from '../../src/jobs/queues.js';
import { assertKeyLayout, LegacyKeyLayout } from '../../src/store/key-layout.js';
import { keyRoot } from '../../src/store/keys.js';
import { createRedis, scanKeys } from '../../src/store/redis.js';
import { productionEnv } from '../process/support.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  deleteKeys,
  REDIS_URL,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { startMain } from '../support/main-process.js';
import { waitFor } from '../support/wait.js';

/**
 * An installation upgrading from the untagged key layout (`<prefix>:…`) to the hash-tagged one
 * (`{<prefix>}:…`): the bot refuses to start while old keys are there, `npm run
 * redis:migrate-prefix` moves them, and afterwards the pending request can still be approved, the
 * queued job still runs, and a BullMQ flow that was waiting for its child goes on.
 */

const run = promisify(execFile);
const CHANNEL = 'CLAYOUT';
const REQUESTER = 'ULAYREQ';
const APPROVER = 'ULAYAPP';
const prefix = `amibot-layout-${randomUUID().slice(0, 8)}`;
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
let fakeAws: FakeAws;
let fakeSlack: FakeSlack;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

async function app(workers: boolean): Promise<TestApp> {
  return startTestApp({
    fakeAws,
    fakeSlack,
    workers,
    accounts: [account()],
    env: { AMIBOT_REDIS_PREFIX: prefix },
  });
}

async function file(t: TestApp, text: string): Promise<AmiRequest> {
  const reply = await t.ask(text, { userId: REQUESTER, channelId: CHANNEL });
  const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
  const req = id ? await t.deps.requests.get(id) : undefined;
  if (!req) throw new Error(`not filed: ${allText(reply.body)}`);
  return req;
}

async function approve(t: TestApp, req: AmiRequest): Promise<void> {
  const { ack } = await t.click({
    actionId: 'request_approve',
    value: req.id,
    userId: APPROVER,
    channelId: CHANNEL,
    messageTs: req.message?.ts,
  });
  expect(ack.status).toBe(200);
}

async function keysOf(pattern: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of scanKeys(redis, pattern)) out.push(...batch);
  return out.sort();
}

async function migrate(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/redis-migrate-prefix.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', REDIS_URL, AMIBOT_REDIS_PREFIX: prefix } },
    );
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const FLOW_PARENT = 'layout-flow-parent';
const FLOW_CHILD = 'layout-flow-child';
let pending: AmiRequest;
let queued: AmiRequest;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  // The data of a running installation: a pending request, an approved one whose job is queued
  // (no worker is running), and their audit entries and outbox.
  const before = await app(false);
  try {
    pending = await file(
      before,
      `disable ${fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'lay-a' }).imageId}`,
    );
    queued = await file(
      before,
      `disable ${fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'lay-b' }).imageId}`,
    );
    await approve(before, queued);
    await waitFor('the job to be queued', async () =>
      (await before.deps.requests.get(queued.id))?.state === 'queued' ? true : undefined,
    );
  } finally {
    await before.close();
  }
  // …as the version before the hash tag kept it: every key under "<prefix>:" instead of "{<prefix>}:".
  for (const key of await keysOf(`${keyRoot(prefix)}:*`)) {
    await redis.rename(key, `${prefix}:${key.slice(keyRoot(prefix).length + 1)}`);
  }
  // And a BullMQ flow of that version, its parent waiting for its child (BullMQ keeps the parent's
  // full key name in the child, and the child's in the parent).
  const flows = new FlowProducer({ connection: redis, prefix: `${prefix}:bull` });
  await flows.add({
    name: 'parent',
    queueName: FLOW_PARENT,
    data: {},
    children: [{ name: 'child', queueName: FLOW_CHILD, data: { n: 21 } }],
  });
  await flows.close();
}, 120_000);

afterAll(async () => {
  await deleteKeys(redis, prefix);
  for (const key of await keysOf(`${prefix}:*`)) await redis.del(key);
  redis.disconnect();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('upgrading to the hash-tagged key layout', () => {
  it('the bot refuses to start while keys are under the old layout, and says what to do', async () => {
    await expect(assertKeyLayout(redis, prefix, Object.values(QUEUES))).rejects.toBeInstanceOf(
      LegacyKeyLayout,
    );
    const main = startMain(productionEnv({ fakeAws, fakeSlack, prefix }));
    expect(await main.exited).toBe(1);
    const said = main.lines.join('\n');
    expect(said).toContain('npm run redis:migrate-prefix');
    expect(said).toContain(`${prefix}:req:`);
    // Nothing was moved or written under the new layout.
    expect(await keysOf(`${keyRoot(prefix)}:*`)).toEqual([]);
  }, 60_000);

  it('a dry run counts, changes nothing; the migration moves every key and the bot starts', async () => {
    const old = await keysOf(`${prefix}:*`);
    expect(old.length).toBeGreaterThan(10);
    const dry = await migrate('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`Dry run: ${old.length} keys under "${prefix}:" would move`);
    expect(await keysOf(`${prefix}:*`)).toEqual(old);

    const done = await migrate();
    expect(done.out).toContain(`Moved ${old.length} of ${old.length} keys`);
    expect(done.code).toBe(0);
    expect(await keysOf(`${prefix}:*`)).toEqual([]);
    expect(await keysOf(`${keyRoot(prefix)}:*`)).toEqual(
      old.map((k) => `${keyRoot(prefix)}:${k.slice(prefix.length + 1)}`).sort(),
    );
    await assertKeyLayout(redis, prefix, Object.values(QUEUES));
    // Run again: nothing left to do.
    expect((await migrate()).out).toContain('Nothing to move');
  }, 60_000);

  it('after the move the queued job runs, the pending request can be approved, and the flow finishes', async () => {
    const after = await app(true);
    try {
      const done = await waitFor('the queued request to run', async () => {
        const r = await after.deps.requests.get(queued.id);
        return r?.state === 'succeeded' || r?.state === 'failed' ? r : undefined;
      });
      expect(done.state).toBe('succeeded');
      const stillPending = await after.deps.requests.get(pending.id);
      expect(stillPending?.state).toBe('pending');
      await approve(after, stillPending as AmiRequest);
      const second = await waitFor('the approved request to run', async () => {
        const r = await after.deps.requests.get(pending.id);
        return r?.state === 'succeeded' || r?.state === 'failed' ? r : undefined;
      });
      expect(second.state).toBe('succeeded');
      expect(
        (await after.deps.audit.recent({ target: pending.id, limit: 20 })).map((e) => e.action),
      ).toContain('request.created');
    } finally {
      await after.close();
    }

    // The flow: the child runs under the new root, and its parent (which the child finds by the
    // key name stored in it) becomes ready with the child's result.
    const connection = createRedis(REDIS_URL, 'worker');
    const seen: unknown[] = [];
    const child = new Worker(FLOW_CHILD, async (job) => (job.data as { n: number }).n * 2, {
      connection,
      prefix: bullPrefix(prefix),
    });
    const parent = new Worker(
      FLOW_PARENT,
      async (job) => {
        seen.push(...Object.values(await job.getChildrenValues()));
      },
      { connection, prefix: bullPrefix(prefix) },
    );
    try {
      await waitFor('the flow parent to run with its child’s result', async () =>
        seen.length ? true : undefined,
      );
      expect(seen).toEqual([42]);
      const q = new Queue(FLOW_PARENT, { connection: redis, prefix: bullPrefix(prefix) });
      await waitFor('the parent to complete', async () =>
        (await q.getJobCounts('completed')).completed === 1 ? true : undefined,
      );
      await q.close();
    } finally {
      await child.close();
      await parent.close();
      connection.disconnect();
    }
  }, 120_000);
});
