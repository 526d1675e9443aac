/**
 * The sandbox page's backend without a browser: what each user sees, the signed requests it sends
 * to the real app, modals, live-update events, and the seeded world.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_APPROVER,
  SANDBOX_REQUESTER,
  type Sandbox,
  SandboxRedisError,
  sandboxConfig,
  startSandbox,
  uniqueSandboxPrefix,
} from '../../dev/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/logger.js';
import { sandboxDecision } from '../../src/sandbox-mode.js';
import { keyRoot } from '../../src/store/keys.js';
import { deleteKeys } from '../support/app-under-test.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Item {
  kind: string;
  ts: string;
  html: string;
  replies?: Item[];
}
interface State {
  me: string;
  channels: Array<{ id: string; name: string; items: Item[] }>;
  modal?: { viewId: string; title: string; html: string };
}

let sb: Sandbox;

async function state(user: string): Promise<State> {
  const res = await fetch(`${sb.appUrl}/sandbox/api/state?user=${user}`);
  expect(res.status).toBe(200);
  return (await res.json()) as State;
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sb.appUrl}/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function items(s: State, channel = 'CSANDBOX'): Item[] {
  return s.channels.find((c) => c.id === channel)?.items ?? [];
}

/** Runs `/ami <text>` as `user` and waits for the ephemeral answer. */
async function ask(user: string, text: string): Promise<Item> {
  const before = items(await state(user)).filter((i) => i.kind === 'ephemeral').length;
  const res = await post('command', { user, text });
  expect(res.json).toMatchObject({ ok: true, status: 200 });
  return until(`an answer to ${text}`, async () => {
    const eph = items(await state(user)).filter((i) => i.kind === 'ephemeral');
    return eph.length > before ? eph.at(-1) : undefined;
  });
}

beforeAll(async () => {
  sb = await startSandbox({
    port: 0,
    redisUrl: REDIS_URL,
    logger: silentLogger,
    redisPrefix: uniqueSandboxPrefix(),
    copyDurationMs: 1_000,
    logLevel: 'error',
  });
});

afterAll(async () => {
  await sb?.close();
});

describe('sandbox mode switch', () => {
  const mode = (env: Record<string, string>) => sandboxDecision(env).mode;

  it('is on without a Slack token or with AMIBOT_SANDBOX=1, off with a token', () => {
    expect(mode({})).toBe('sandbox');
    expect(mode({ AMIBOT_SANDBOX: '1', SLACK_BOT_TOKEN: 'xoxb-1' })).toBe('sandbox');
    expect(mode({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe('bot');
    expect(mode({ AMIBOT_SANDBOX: '0' })).toBe('bot');
  });

  it.each(['production', 'Production', 'PRODUCTION', 'prod', ' Prod ', 'production-eu'])(
    'never runs under NODE_ENV=%j: a missing token is a config error, AMIBOT_SANDBOX=1 is refused',
    (nodeEnv) => {
      expect(mode({ NODE_ENV: nodeEnv })).toBe('bot');
      const refused = sandboxDecision({ NODE_ENV: nodeEnv, AMIBOT_SANDBOX: '1' });
      expect(refused.mode).toBe('refuse');
      expect(refused.mode === 'refuse' && refused.reason).toMatch(/never runs in production/);
    },
  );

  it('takes the .env.example placeholder token as a token: the bot, which refuses it (config.ts)', () => {
    expect(mode({ SLACK_BOT_TOKEN: 'xoxb-replace-me' })).toBe('bot');
    expect(mode({ SLACK_BOT_TOKEN: 'xoxb-replace-me', NODE_ENV: 'production' })).toBe('bot');
    // Asked for explicitly, the sandbox ignores the token whatever it is.
    expect(mode({ SLACK_BOT_TOKEN: 'xoxb-replace-me', AMIBOT_SANDBOX: '1' })).toBe('sandbox');
  });

  it('runs under a development NODE_ENV', () => {
    expect(mode({ NODE_ENV: 'development' })).toBe('sandbox');
    expect(mode({ NODE_ENV: 'test', AMIBOT_SANDBOX: 'yes' })).toBe('sandbox');
  });
});

describe('sandbox config', () => {
  it('builds a valid config with two accounts, the second reached through a role', () => {
    const config = sandboxConfig({
      port: 3000,
      redisUrl: REDIS_URL,
      redisPrefix: 'amibot-sandbox',
      slackApiUrl: 'http://127.0.0.1:1/api/',
      botUserId: 'UBOT',
      awsEndpoint: 'http://127.0.0.1:2',
    });
    expect(config.accounts.map((a) => a.alias)).toEqual(['sandbox', 'sandbox-prod']);
    expect(config.accounts[1]?.roleArn).toMatch(/222222222222/);
    expect(config.accounts.every((a) => a.policy.approvers.includes(SANDBOX_APPROVER))).toBe(true);
  });

  it('explains a missing Redis instead of failing obscurely', async () => {
    const failed = await startSandbox({
      port: 0,
      redisUrl: 'redis://127.0.0.1:1',
      logger: silentLogger,
    }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(SandboxRedisError);
    expect((failed as Error).message).toMatch(/docker compose --profile dev up -d redis-dev.*redis-server/);
  });
});

describe('the page and its API', () => {
  it('serves the page at /sandbox with a strict content security policy, and redirects /', async () => {
    const res = await fetch(`${sb.appUrl}/sandbox`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await res.text()).toContain('<title>amibot sandbox</title>');
    const root = await fetch(`${sb.appUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/sandbox');
    expect((await fetch(`${sb.appUrl}/healthz`)).status).toBe(200);
  });

  it('refuses unknown users and malformed bodies', async () => {
    expect((await post('command', { user: 'UNOBODY', text: 'help' })).status).toBe(400);
    const bad = await fetch(`${sb.appUrl}/sandbox/api/command`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sb.appUrl}/sandbox/api/state?user=UNOBODY`)).status).toBe(400);
  });

  it('answers a command ephemerally to the user who typed it, and only to them', async () => {
    const answer = await ask(SANDBOX_REQUESTER, '/ami find debian 12 arm64');
    expect(answer.html).toMatch(/debian-12-arm64-\d{8}-\d+/);
    const mine = items(await state(SANDBOX_REQUESTER));
    expect(mine.some((i) => i.kind === 'command' && i.html.includes('/ami find debian 12 arm64'))).toBe(true);
    const theirs = items(await state(SANDBOX_APPROVER));
    expect(theirs.some((i) => i.html.includes('debian-12'))).toBe(false);
    // The request reached the app as a signed slash command with a response_url on the FakeSlack.
    expect(sb.fakeSlack.responses().length).toBeGreaterThan(0);
  });

  it('serves a realistic catalogue: Windows is x86_64 only, AL2023 from amazon, and the second account via AssumeRole', async () => {
    expect((await ask(SANDBOX_REQUESTER, 'find windows 2022 --region eu-central-1')).html).toContain(
      'Windows_Server-2022-English-Full-Base-',
    );
    expect((await ask(SANDBOX_REQUESTER, 'find al2023 arm64 --region eu-west-1')).html).toMatch(
      /al2023-ami-2023\.6\.\d{8}\.0-kernel-6\.1-arm64/,
    );
    expect((await ask(SANDBOX_REQUESTER, 'list --account sandbox-prod')).html).toContain('payments-api-prod');
    expect(sb.fakeAws.callsOf('AssumeRole').length).toBeGreaterThan(0);
  });

  it('shows shares outside the allowlist on `/ami access`, with a File request button', async () => {
    const answer = await ask(SANDBOX_REQUESTER, '/ami access');
    const sharing = sb.catalog.sharing;
    for (const img of [
      sharing.strangerAccount,
      sharing.otherOrganization,
      sharing.otherOu,
      sharing.publicImage,
    ]) {
      expect(answer.html).toContain(img.imageId);
    }
    for (const img of sharing.allowed) expect(answer.html).not.toContain(img.imageId);
    expect(answer.html).toContain('File unshare request');
  });

  it('opens the reject modal for the approver only and submits it as a view_submission', async () => {
    const own = sb.catalog.ownImages.find((i) => i.name.startsWith('web-frontend-golden'))!;
    await ask(SANDBOX_REQUESTER, `expire ${own.imageId} --in 30d`);
    const approval = await until('the approval message', async () =>
      items(await state(SANDBOX_APPROVER)).find(
        (i) => i.kind === 'message' && i.html.includes(own.imageId) && i.html.includes('request_reject'),
      ),
    );
    const requestId = /req-[0-9a-z]+/.exec(approval.html)![0];
    const click = await post('action', {
      user: SANDBOX_APPROVER,
      channel: 'CSANDBOX',
      messageTs: approval.ts,
      actionId: 'request_reject',
      value: requestId,
    });
    expect(click.json).toMatchObject({ ok: true, status: 200 });
    const modal = await until('the modal', async () => (await state(SANDBOX_APPROVER)).modal);
    expect(modal.html).toContain('data-action-id="reason_input"');
    expect((await state(SANDBOX_REQUESTER)).modal).toBeUndefined();

    // Someone else cannot submit it.
    expect((await post('view', { user: SANDBOX_REQUESTER, viewId: modal.viewId, values: {} })).status).toBe(
      400,
    );
    const submit = await post('view', {
      user: SANDBOX_APPROVER,
      viewId: modal.viewId,
      values: { reason: { reason_input: 'use the org share' } },
    });
    expect(submit.json).toMatchObject({ ok: true, status: 200 });
    expect((await state(SANDBOX_APPROVER)).modal).toBeUndefined();
    const rejected = await until('the rejected message', async () => {
      const m = items(await state(SANDBOX_REQUESTER)).find((i) => i.ts === approval.ts);
      return m && !m.html.includes('request_reject') ? m : undefined;
    });
    expect(rejected.html).toContain('use the org share');
  });

  it('streams an event whenever the pretend Slack changes', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sb.appUrl}/sandbox/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = decoder.decode((await reader.read()).value);
    expect(seen).toMatch(/data: \d+/);
    await post('command', { user: SANDBOX_REQUESTER, text: 'help' });
    while (!/data: \d+\n\n[\s\S]*data: \d+/.test(seen)) seen += decoder.decode((await reader.read()).value);
    controller.abort();
  });

  it('cleans up its Redis keys on close', async () => {
    const prefix = uniqueSandboxPrefix();
    const other = await startSandbox({
      port: 0,
      redisUrl: REDIS_URL,
      logger: silentLogger,
      redisPrefix: prefix,
    });
    const { createRedis } = await import('../../src/store/redis.js');
    const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
    try {
      expect((await redis.keys(`${keyRoot(prefix)}:*`)).length).toBeGreaterThan(0);
      await other.close();
      expect(await redis.keys(`${keyRoot(prefix)}:*`)).toEqual([]);
    } finally {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });
});
