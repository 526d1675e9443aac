/**
 * The HTTP gate in front of Bolt, through real signed HTTP to the real app: replays, timestamps
 * from the future, malformed signed bodies, and what happens when Redis cannot answer.
 */
import { createServer } from 'node:net';
import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { silentLogger, toSlackLogger } from '../../src/logger.js';
import { SlackHttpReceiver } from '../../src/slack/http-receiver.js';
import { ReplayGuard } from '../../src/slack/replay-guard.js';
import { createRedis } from '../../src/store/redis.js';
import {
  DEFAULT_ACCOUNT_ID,
  deleteKeys,
  keysUnder,
  REDIS_URL,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import {
  buildBlockAction,
  buildSlashCommand,
  nowSeconds,
  postSigned,
  signSlackRequest,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    env: {
      AMIBOT_ACCOUNT_ID: DEFAULT_ACCOUNT_ID,
      AMIBOT_APPROVERS: 'UAPP1',
      AMIBOT_APPROVAL_CHANNEL: 'CAPPROVALS',
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

const events = () => `${t.url}/slack/events`;

/** The app still answers: health, and a real command end to end. */
async function expectStillServing(): Promise<void> {
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  const reply = await t.ask('help');
  expect(reply.body.response_type).toBe('ephemeral');
}

describe('replays', () => {
  it('acknowledges the same signed request sent twice and processes it once', async () => {
    const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'replayed' });
    const responseId = `replay-${Date.now()}`;
    const body = buildSlashCommand({
      text: `disable ${image.imageId}`,
      userId: 'UREQ1',
      responseUrl: fakeSlack.responseUrl(responseId),
    });
    const timestamp = nowSeconds();
    const first = await postSigned(events(), body, SIGNING_SECRET, { timestamp });
    const again = await postSigned(events(), body, SIGNING_SECRET, { timestamp });
    const third = await postSigned(events(), body, SIGNING_SECRET, { timestamp, retryNum: 1 });
    expect([first.status, again.status, third.status]).toEqual([200, 200, 200]);
    await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(fakeSlack.responses(responseId)).toHaveLength(1);
    const filed = (await t.deps.requests.recent(50)).filter((r) => r.imageId === image.imageId);
    expect(filed).toHaveLength(1);
  });

  it('remembers a signature in Redis under the prefix, until just after it leaves the window', async () => {
    const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
    try {
      const guard = new ReplayGuard(redis, `${t.prefix}-guard`);
      const now = nowSeconds();
      expect(await guard.sight('v0=abc', now, now)).toBe('first');
      expect(await guard.sight('v0=abc', now, now)).toBe('seen');
      expect(await guard.sight('v0=abd', now, now)).toBe('first');
      const keys = await keysUnder(redis, `${t.prefix}-guard`, 'slack-sig:*');
      expect(keys).toHaveLength(2);
      const ttl = await redis.ttl(keys[0]!);
      expect(ttl).toBeGreaterThan(300);
      expect(ttl).toBeLessThanOrEqual(330);
      // Stamped 5 minutes ahead: remembered until that stamp leaves the window too.
      expect(await guard.sight('v0=ahead', now + 300, now)).toBe('first');
      const [ahead] = await keysUnder(redis, `${t.prefix}-guard`, 'slack-sig:*').then((k) =>
        k.filter((x) => !keys.includes(x)),
      );
      expect(await redis.ttl(ahead!)).toBeGreaterThan(600);
      await deleteKeys(redis, `${t.prefix}-guard`);
    } finally {
      redis.disconnect();
    }
  });
});

describe('timestamps', () => {
  it.each([
    ['an hour ahead', 3600, 401],
    ['six minutes ahead', 360, 401],
    ['six minutes old', -360, 401],
    ['four minutes ahead', 240, 200],
    ['four minutes old', -240, 200],
  ])('%s → %i', async (_label, offset, status) => {
    const { ack, responseId } = await t.slash('help', { timestamp: nowSeconds() + offset });
    expect(ack.status).toBe(status);
    if (status === 200) await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    else {
      await new Promise((r) => setTimeout(r, 200));
      expect(fakeSlack.responses(responseId)).toHaveLength(0);
    }
  });
});

describe('malformed signed bodies', () => {
  const form = 'application/x-www-form-urlencoded';
  const cases: Array<[string, string, string]> = [
    ['payload=null', 'payload=null', form],
    ['payload={', 'payload=%7B', form],
    ['payload=[] (a JSON array)', `payload=${encodeURIComponent('[{"type":"block_actions"}]')}`, form],
    ['payload="x" (a JSON string)', `payload=${encodeURIComponent('"block_actions"')}`, form],
    ['payload=1', 'payload=1', form],
    ['a payload without type', `payload=${encodeURIComponent('{"user":{"id":"U1"}}')}`, form],
    ['a payload whose type is not a string', `payload=${encodeURIComponent('{"type":{"a":1}}')}`, form],
    ['two payloads', `payload=${encodeURIComponent('{"type":"block_actions"}')}&payload=%7B%7D`, form],
    ['an empty form', '', form],
    ['a form that is not a command', 'text=help&user_id=U1', form],
    ['a JSON array', '[1,2,3]', 'application/json'],
    ['JSON null', 'null', 'application/json'],
    ['JSON without type', '{"event":{}}', 'application/json'],
    ['broken JSON', '{"type":', 'application/json'],
    ['another content type', 'type=x', 'text/plain'],
  ];

  it.each(cases)('%s → 400, nothing processed, still serving', async (_label, body, contentType) => {
    const res = await postSigned(events(), body, SIGNING_SECRET, {
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe('');
    await expectStillServing();
  });

  it('a huge signed body → 413, nothing read past the limit, still serving', async () => {
    const body = `payload=${'x'.repeat(2 * 1024 * 1024)}`;
    const res = await postSigned(events(), body, SIGNING_SECRET);
    expect(res.status).toBe(413);
    await expectStillServing();
  });

  it('headers that are not Slack’s → 401', async () => {
    const body = buildSlashCommand({ text: 'help', responseUrl: fakeSlack.responseUrl() });
    const signed = signSlackRequest(body, SIGNING_SECRET);
    for (const headers of [
      { ...signed, 'x-slack-signature': 'v1=abc' },
      { ...signed, 'x-slack-request-timestamp': 'soon' },
      { ...signed, 'x-slack-request-timestamp': `${nowSeconds()}.5` },
      { 'content-type': signed['content-type'] },
    ]) {
      const res = await fetch(events(), { method: 'POST', headers, body });
      expect(res.status).toBe(401);
    }
  });
});

describe('when Redis cannot answer', () => {
  it('processes nothing: a slash command is told in its ack, an interaction acknowledged (told through its response_url)', async () => {
    // A port nobody listens on: connection refused, as when Redis is down.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = createRedis(`redis://127.0.0.1:${port}`, 'client');
    dead.on('error', () => {});
    const logger = toSlackLogger(silentLogger, 'error');
    const receiver = new SlackHttpReceiver({
      signingSecret: SIGNING_SECRET,
      logger,
      replayGuard: new ReplayGuard(dead, 'amibot-test-dead'),
    });
    const app = new App({ token: 'xoxb-test', receiver, logger, tokenVerificationEnabled: false });
    const handled: string[] = [];
    app.command('/ami', async ({ ack }) => {
      handled.push('command');
      await ack();
    });
    app.action(/.*/, async ({ ack }) => {
      handled.push('action');
      await ack();
    });
    const server = (await app.start(0)) as import('node:http').Server;
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`;
    try {
      const command = await postSigned(url, buildSlashCommand({ text: 'help' }), SIGNING_SECRET);
      expect(command.status).toBe(200);
      expect(JSON.parse(command.body)).toMatchObject({ response_type: 'ephemeral' });
      expect(JSON.parse(command.body).text).toMatch(
        /state store \(Redis\) is unavailable, so nothing was changed/,
      );
      const click = await postSigned(
        url,
        buildBlockAction({ actionId: 'request_approve', value: 'req-1' }),
        SIGNING_SECRET,
      );
      expect(click.status).toBe(200);
      expect(handled).toEqual([]);
    } finally {
      await app.stop();
      dead.disconnect();
    }
  });
});

describe('a listener that throws before acking', () => {
  it('is answered with an apology, never a 500', async () => {
    const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
    const logger = toSlackLogger(silentLogger, 'error');
    const receiver = new SlackHttpReceiver({
      signingSecret: SIGNING_SECRET,
      logger,
      replayGuard: new ReplayGuard(redis, `${t.prefix}-throw`),
    });
    const app = new App({ token: 'xoxb-test', receiver, logger, tokenVerificationEnabled: false });
    app.command('/ami', async () => {
      throw new Error('boom');
    });
    const server = (await app.start(0)) as import('node:http').Server;
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`;
    try {
      const res = await waitFor('an answer', async () =>
        postSigned(url, buildSlashCommand({ text: 'x' }), SIGNING_SECRET),
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).text).toMatch(/went wrong/);
    } finally {
      await app.stop();
      await deleteKeys(redis, `${t.prefix}-throw`);
      redis.disconnect();
    }
  });
});
