import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { STATE_STORE_UNAVAILABLE } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { AuditLog } from '../../src/store/audit.js';
import { createRedis } from '../../src/store/redis.js';
import { RequestStore } from '../../src/store/requests.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  deleteKeys,
  REDIS_URL,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/**
 * Redis away — refused (`cut`) or hung (`freeze`), before a request or in the middle of one —
 * through the real app with production connection settings, Redis behind a TCP proxy: commands
 * and clicks are told within 3 s that the state store is unavailable and nothing was changed,
 * nothing is half-stored, `/readyz` says 503 and then 200 again, and it all recovers without a
 * restart.
 */

const CHANNEL = 'COUTAGE';
const REQUESTER = 'UREQOUT';
const APPROVER = 'UAPPOUT';
const TOLD_WITHIN_MS = 3_000;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let proxy: TcpProxy;
let t: TestApp;
/** A direct connection (not through the proxy) to check what was stored. */
const direct = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
let store: RequestStore;
let audit: AuditLog;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    accounts: [account()],
    productionRedis: true,
    env: { REDIS_URL: proxy.redisUrl },
  });
  store = new RequestStore(direct, t.prefix);
  audit = new AuditLog(direct, t.prefix, silentLogger, 90);
});

afterEach(() => proxy.heal());

afterAll(async () => {
  proxy.heal();
  await t?.close();
  await deleteKeys(direct, t.prefix);
  direct.disconnect();
  await proxy.close();
  await fakeAws.close();
  await fakeSlack.close();
});

async function fileShare(): Promise<string> {
  const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: `outage-${Date.now()}` });
  const reply = await t.ask(`share ${image.imageId} --with 222222222222`, {
    userId: REQUESTER,
    channelId: CHANNEL,
  });
  const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request filed: ${allText(reply.body)}`);
  return id;
}

/** A command: told in its ack or through its response_url; returns what it said and how long it took. */
async function command(text: string): Promise<{ said: string; ms: number }> {
  const started = Date.now();
  const { ack, responseId } = await t.slash(text, { userId: REQUESTER, channelId: CHANNEL });
  expect(ack.status).toBe(200);
  if (ack.body) return { said: String(JSON.parse(ack.body).text), ms: Date.now() - started };
  const answer = await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
  return { said: allText(answer.body), ms: Date.now() - started };
}

/** An Approve click by the approver: what its response_url was told, and when. */
async function approveClick(id: string): Promise<{ said: string; ms: number }> {
  const started = Date.now();
  const { ack, responseId } = await t.click({
    actionId: 'request_approve',
    value: id,
    userId: APPROVER,
    channelId: CHANNEL,
    actionTs: `${Date.now() / 1000}`,
  });
  expect(ack.status).toBe(200);
  const answer = await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
  return { said: allText(answer.body), ms: Date.now() - started };
}

/** The click repeated once Redis is back (a successful approval answers nothing to the clicker). */
async function clickAgain(id: string): Promise<void> {
  const { ack } = await t.click({
    actionId: 'request_approve',
    value: id,
    userId: APPROVER,
    channelId: CHANNEL,
    actionTs: `${Date.now() / 1000}`,
  });
  expect(ack.status).toBe(200);
}

async function readyz(): Promise<number> {
  return (await fetch(`${t.url}/readyz`)).status;
}

async function expectRecovered(): Promise<void> {
  proxy.heal();
  await waitFor('/readyz to say 200 again', async () => (await readyz()) === 200 || undefined, 15_000, 100);
}

async function count(id: string, action: string): Promise<number> {
  return (await audit.recent({ target: id, limit: 100 })).filter((e) => e.action === action).length;
}

describe.each(['cut', 'freeze'] as const)('Redis %s before the request', (fault) => {
  it('commands and clicks are told within 3 s, nothing changes; /readyz 503, then 200 and work again', async () => {
    const id = await fileShare();
    if (fault === 'cut') proxy.cut();
    else proxy.freeze();

    const cmd = await command('help');
    expect(cmd.said).toContain(STATE_STORE_UNAVAILABLE);
    expect(cmd.ms).toBeLessThan(TOLD_WITHIN_MS);
    const click = await approveClick(id);
    expect(click.said).toContain(STATE_STORE_UNAVAILABLE);
    expect(click.ms).toBeLessThan(TOLD_WITHIN_MS);
    expect(await readyz()).toBe(503);

    await expectRecovered();
    expect((await store.get(id))?.approvals).toEqual([]);
    // The same click again, after Redis is back: exactly one approval, audited once.
    await clickAgain(id);
    await waitFor(
      'the approval',
      async () => ((await store.get(id))?.approvals.length ?? 0) > 0 || undefined,
    );
    expect((await store.get(id))?.approvals.map((a) => a.userId)).toEqual([APPROVER]);
    expect(await count(id, 'request.created')).toBe(1);
    expect(await count(id, 'request.approved')).toBe(1);
    expect(allText((await t.ask('help')).body)).toMatch(/find/);
  });
});

describe.each(['cut', 'freeze'] as const)(
  'Redis %s in the middle of a request (after the replay check)',
  (fault) => {
    it('an Approve click is told within 3 s and nothing is approved; repeated after heal: one approval', async () => {
      const id = await fileShare();
      // The click's first read of the request is lost, and Redis with it.
      proxy.faultOn(new RegExp(`:req:${id}`), fault);
      const click = await approveClick(id);
      expect(click.said).toContain(STATE_STORE_UNAVAILABLE);
      expect(click.said).not.toMatch(/Something went wrong/);
      expect(click.ms).toBeLessThan(TOLD_WITHIN_MS);
      expect(await readyz()).toBe(503);

      await expectRecovered();
      expect((await store.get(id))?.approvals).toEqual([]);
      await clickAgain(id);
      await waitFor(
        'the approval',
        async () => ((await store.get(id))?.approvals.length ?? 0) > 0 || undefined,
      );
      expect((await store.get(id))?.approvals.map((a) => a.userId)).toEqual([APPROVER]);
      expect(await count(id, 'request.created')).toBe(1);
      expect(await count(id, 'request.approved')).toBe(1);
    });

    it('a command filing a request is told within 3 s, and no request is half-stored', async () => {
      const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: `outage-file-${Date.now()}` });
      const before = (await store.recent(200)).length;
      const posted = fakeSlack.calls('chat.postMessage').length;
      // Filing stores the request first: that write is lost, and Redis with it.
      proxy.faultOn(/:req:req-/, fault);
      const cmd = await command(`deprecate ${image.imageId} --in 30d`);
      expect(cmd.said).toContain(STATE_STORE_UNAVAILABLE);
      expect(cmd.ms).toBeLessThan(TOLD_WITHIN_MS);

      await expectRecovered();
      expect((await store.recent(200)).length).toBe(before);
      expect(fakeSlack.calls('chat.postMessage').length).toBe(posted);
    });
  },
);
