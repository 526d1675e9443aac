import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { STATE_STORE_UNAVAILABLE } from '../../src/errors.js';
import { createRedis } from '../../src/store/redis.js';
import { allText, deleteKeys, REDIS_URL, SIGNING_SECRET } from '../support/app-under-test.js';
import { startMain } from '../support/main-process.js';
import { buildBlockAction, buildSlashCommand, postSigned } from '../support/slack-requests.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { errorLines, parseLine, productionEnv, uniquePrefix } from './support.js';

/**
 * The real entry command (web, answer thread and workers in one process) with Redis behind a TCP
 * proxy, cut for 12 s while commands and clicks arrive: every request is told the state store is
 * unavailable, nothing raw reaches stdout/stderr, each component logs the outage once (one line a
 * minute) and its end once, /readyz says 503 then 200, and it works again without a restart.
 */

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let proxy: TcpProxy;
const direct = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
});

afterAll(async () => {
  direct.disconnect();
  await proxy.close();
  await fakeAws.close();
  await fakeSlack.close();
});

describe('the entry command while Redis is down', () => {
  it('answers every request, logs one line per component, recovers without a restart', async () => {
    const prefix = uniquePrefix();
    const main = startMain(
      productionEnv({
        fakeAws,
        fakeSlack,
        prefix,
        redisUrl: proxy.redisUrl,
        extra: { AMIBOT_ANSWER_THREADS: '1' },
      }),
    );
    try {
      const base = `http://127.0.0.1:${await main.port(60_000)}`;
      await main.waitForLine(/workers running/, 30_000);
      const readyz = async () => (await fetch(`${base}/readyz`)).status;
      expect(await readyz()).toBe(200);
      const outageStart = main.lines.length;

      proxy.cut();
      const told: string[] = [];
      const until = Date.now() + 12_000;
      while (Date.now() < until) {
        const responseId = randomUUID();
        const cmd = await postSigned(
          `${base}/slack/events`,
          buildSlashCommand({ text: 'help', responseUrl: fakeSlack.responseUrl(randomUUID()) }),
          SIGNING_SECRET,
        );
        told.push(String(JSON.parse(cmd.body || '{}').text ?? ''));
        await postSigned(
          `${base}/slack/events`,
          buildBlockAction({
            actionId: 'request_approve',
            value: 'req-0123456789',
            responseUrl: fakeSlack.responseUrl(responseId),
            actionTs: `${Date.now() / 1000}`,
          }),
          SIGNING_SECRET,
        );
        told.push(allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 3_000 })).body));
        expect(await readyz()).toBe(503);
        await new Promise((r) => setTimeout(r, 1_500));
      }
      expect(told.length).toBeGreaterThanOrEqual(8);
      for (const t of told) expect(t).toContain(STATE_STORE_UNAVAILABLE);

      proxy.heal();
      await waitFor('/readyz 200 again', async () => (await readyz()) === 200 || undefined, 20_000, 200);
      const responseId = randomUUID();
      await postSigned(
        `${base}/slack/events`,
        buildSlashCommand({ text: 'help', userId: 'UAFTER', responseUrl: fakeSlack.responseUrl(responseId) }),
        SIGNING_SECRET,
      );
      expect(allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 })).body)).toMatch(
        /find/,
      );
      await waitFor(
        'every component to say Redis is back',
        () =>
          ['web', 'answer-thread', 'workers'].every((c) =>
            main.lines.some((l) => /Redis available again/.test(l) && parseLine(l)?.component === c),
          ) || undefined,
      );

      const during = main.lines.slice(outageStart);
      expect(errorLines(during)).toEqual([]); // no raw line, no error-level line
      const down = during.map(parseLine).filter((e) => e?.msg === 'Redis unavailable; retrying');
      const perComponent = new Map<string, number>();
      for (const e of down)
        perComponent.set(String(e?.component), (perComponent.get(String(e?.component)) ?? 0) + 1);
      console.info(
        'outage lines per component:',
        Object.fromEntries(perComponent),
        'requests told:',
        told.length,
      );
      for (const c of ['web', 'answer-thread', 'workers']) expect(perComponent.get(c), c).toBe(1);
      for (const n of perComponent.values()) expect(n).toBe(1);
      main.kill('SIGTERM');
      expect(await main.exited).toBe(0);
    } finally {
      proxy.heal();
      main.kill('SIGKILL');
      await main.exited;
      await deleteKeys(direct, prefix);
    }
  }, 120_000);
});
