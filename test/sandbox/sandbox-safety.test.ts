/**
 * Sandboxes sharing one Redis: each keeps to its own prefix (the one given in
 * AMIBOT_REDIS_PREFIX, or a fresh one), never deletes keys it did not create, listens on
 * 127.0.0.1 unless HOST says otherwise, and says it is a sandbox on /readyz.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_REQUESTER,
  type Sandbox,
  SandboxPrefixError,
  startSandbox,
} from '../../dev/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/logger.js';
import { keyRoot } from '../../src/store/keys.js';
import { createRedis } from '../../src/store/redis.js';
import { deleteKeys, REDIS_URL } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
const started: Sandbox[] = [];

afterAll(async () => {
  for (const sb of started) await sb.close().catch(() => {});
  redis.disconnect();
});

async function sandbox(opts: { redisPrefix?: string; listenHost?: string } = {}): Promise<Sandbox> {
  const sb = await startSandbox({
    port: 0,
    redisUrl: REDIS_URL,
    logger: silentLogger,
    copyDurationMs: 500,
    logLevel: 'error',
    ...opts,
  });
  started.push(sb);
  return sb;
}

/** Files a deregister request through the sandbox page's API, as the requester; returns its id. */
async function fileRequest(sb: Sandbox): Promise<string> {
  const res = await fetch(`${sb.appUrl}/sandbox/api/command`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: SANDBOX_REQUESTER, text: `disable ${sb.catalog.ownImage.imageId}` }),
  });
  expect(res.status).toBe(200);
  return waitFor('the request to be stored', async () => {
    const keys = await redis.keys(`${keyRoot(sb.redisPrefix)}:req:req-*`);
    return keys[0]?.slice(`${keyRoot(sb.redisPrefix)}:req:`.length);
  });
}

/** A non-loopback IPv4 address of this machine, when it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('two sandboxes on one Redis', () => {
  it('each gets a prefix of its own and keeps the other’s requests when it starts and stops', async () => {
    const a = await sandbox();
    const b = await sandbox();
    expect(a.redisPrefix).not.toBe(b.redisPrefix);
    const inA = await fileRequest(a);
    const inB = await fileRequest(b);
    // A third one starting does not wipe anything either.
    const c = await sandbox();
    expect(
      await redis.exists(`${keyRoot(a.redisPrefix)}:req:${inA}`, `${keyRoot(b.redisPrefix)}:req:${inB}`),
    ).toBe(2);
    await c.close();
    await b.close();
    expect(await redis.keys(`${keyRoot(b.redisPrefix)}:*`)).toEqual([]);
    expect(await redis.exists(`${keyRoot(a.redisPrefix)}:req:${inA}`)).toBe(1);
    await a.close();
    expect(await redis.keys(`${keyRoot(a.redisPrefix)}:*`)).toEqual([]);
  });

  it('honours a given prefix, and refuses one another sandbox runs on or that already holds data', async () => {
    const prefix = `smoke-${randomUUID().slice(0, 8)}`;
    const mine = await sandbox({ redisPrefix: prefix });
    expect(mine.redisPrefix).toBe(prefix);
    await fileRequest(mine);
    const taken = await sandbox({ redisPrefix: prefix }).catch((err: unknown) => err);
    expect(taken).toBeInstanceOf(SandboxPrefixError);
    expect((taken as Error).message).toMatch(/Another sandbox/);
    await mine.close();
    expect(await redis.keys(`${keyRoot(prefix)}:*`)).toEqual([]);

    // Someone else's data under a prefix (here an amibot from before the hash-tagged key layout):
    // refused, and left exactly as it was.
    const foreign = `smoke-${randomUUID().slice(0, 8)}`;
    await redis.set(`${foreign}:req:req-someoneelse`, 'theirs');
    try {
      const refused = await sandbox({ redisPrefix: foreign }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(SandboxPrefixError);
      expect((refused as Error).message).toMatch(/already holds keys/);
      expect(await redis.keys(`${foreign}:*`)).toEqual([`${foreign}:req:req-someoneelse`]);
    } finally {
      await redis.del(`${foreign}:req:req-someoneelse`);
    }
  });
});

describe('where a sandbox listens, and what /readyz says', () => {
  it('listens on 127.0.0.1 by default, fakes included, and reports mode sandbox', async () => {
    const sb = await sandbox();
    expect(sb.listenHost).toBe('127.0.0.1');
    expect(sb.appUrl).toBe(`http://127.0.0.1:${sb.port}`);
    expect(sb.fakeAws.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(sb.fakeSlack.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const ready = await fetch(`${sb.appUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, redis: 'ok', mode: 'sandbox' });
    const external = externalAddress();
    if (external) {
      await expect(fetch(`http://${external}:${sb.port}/healthz`)).rejects.toThrow();
    }
    await sb.close();
  });

  it('listens where HOST says', async () => {
    const sb = await sandbox({ listenHost: '0.0.0.0' });
    expect(sb.listenHost).toBe('0.0.0.0');
    expect((await fetch(`http://127.0.0.1:${sb.port}/healthz`)).status).toBe(200);
    const external = externalAddress();
    if (external) expect((await fetch(`http://${external}:${sb.port}/healthz`)).status).toBe(200);
    await sb.close();
  });
});

describe('the sandbox started by the real entry command', () => {
  it('honours AMIBOT_REDIS_PREFIX, binds 127.0.0.1 and removes only its own keys on SIGTERM', async () => {
    const prefix = `smoke-${randomUUID().slice(0, 8)}`;
    await redis.set(`${prefix}-other:keep`, '1');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'development',
        AMIBOT_SANDBOX: '1',
        PORT: '0',
        REDIS_URL,
        AMIBOT_REDIS_PREFIX: prefix,
        LOG_LEVEL: 'info',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const ready = await waitFor(
        'the sandbox to be ready',
        async () => out.split('\n').find((l) => l.includes('amibot sandbox ready')),
        30_000,
      );
      const entry = JSON.parse(ready) as { listening: string; redisPrefix: string; slackEvents: string };
      expect(entry.redisPrefix).toBe(prefix);
      expect(entry.listening).toMatch(/^127\.0\.0\.1:\d+$/);
      const base = entry.slackEvents.replace('/slack/events', '');
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ mode: 'sandbox' });
      expect((await redis.keys(`${keyRoot(prefix)}:*`)).length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await redis.keys(`${keyRoot(prefix)}:*`)).toEqual([]);
      expect(await redis.get(`${prefix}-other:keep`)).toBe('1');
    } finally {
      child.kill('SIGKILL');
      await deleteKeys(redis, prefix);
      await redis.del(`${prefix}-other:keep`);
    }
  }, 60_000);
});
