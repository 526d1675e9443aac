import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { JobQueues } from '../../src/jobs/queues.js';
import { createRedis } from '../../src/store/redis.js';
import { deleteKeys, REDIS_URL, SIGNING_SECRET } from '../support/app-under-test.js';
import { type MainProcess, startMain } from '../support/main-process.js';
import { sample, scrape } from '../support/metrics.js';
import { buildSlashCommand, postSigned } from '../support/slack-requests.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { productionEnv, uniquePrefix } from './support.js';

/**
 * The real entry command as a worker (`AMIBOT_ROLE=worker`): no Slack app, its own small HTTP
 * server on `AMIBOT_WORKER_PORT` answering `/healthz`, `/readyz` and `/metrics` (with the jobs it
 * ran), `/readyz` 503 and `/metrics` still answering while Redis hangs, and the server closed on
 * SIGTERM.
 */

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let proxy: TcpProxy;
let main: MainProcess | undefined;
const prefix = uniquePrefix();
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
});

afterAll(async () => {
  main?.kill('SIGKILL');
  await deleteKeys(redis, prefix).catch(() => {});
  redis.disconnect();
  await proxy?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('a worker process', () => {
  it('serves /healthz, /readyz and /metrics on AMIBOT_WORKER_PORT, and closes them on SIGTERM', async () => {
    const port = await freePort();
    main = startMain(
      productionEnv({
        fakeAws,
        fakeSlack,
        prefix,
        redisUrl: proxy.redisUrl,
        extra: { AMIBOT_ROLE: 'worker', AMIBOT_WORKER_PORT: String(port), PORT: '1' },
      }),
    );
    await main.waitForLine(new RegExp(`amibot worker health on :${port}\\b`));
    const url = `http://127.0.0.1:${port}`;
    // No Slack app in a worker.
    expect(main.lines.join('\n')).not.toMatch(/listening on/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, redis: 'ok', mode: 'bot' });
    expect((await fetch(`${url}/slack/events`, { method: 'POST' })).status).toBe(404);

    // A job run by this worker shows in its own /metrics.
    const queues = new JobQueues(redis, prefix);
    await queues.enqueue('requests-expire', {} as never);
    const text = await waitFor('the job in the worker’s /metrics', async () => {
      const { text } = await scrape(url);
      return sample(text, 'amibot_job_duration_seconds_count', {
        job: 'requests-expire',
        outcome: 'completed',
      }) >= 1
        ? text
        : undefined;
    });
    await queues.close();
    const { contentType } = await scrape(url);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^amibot_queue_jobs\{queue="maintenance",state="completed"\} \d+$/m);
    expect(text).toMatch(/^amibot_process_cpu_user_seconds_total \S+$/m);
    expect(sample(text, 'amibot_scrape_source_up', { source: 'queues' })).toBe(1);

    // Redis hangs: /readyz says so, /metrics still answers (without the sources that hang).
    proxy.freeze();
    try {
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ok: false, redis: 'unreachable', mode: 'bot' });
      const during = await scrape(url);
      expect(sample(during.text, 'amibot_scrape_source_up', { source: 'queues' })).toBe(0);
      expect(sample(during.text, 'amibot_scrape_source_up', { source: 'requests' })).toBe(0);
    } finally {
      proxy.heal();
    }

    main.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);

  it('in role all, has no second server: the web port’s /metrics covers the web, its answer thread and the workers', async () => {
    const workerPort = await freePort();
    const all = startMain(
      productionEnv({
        fakeAws,
        fakeSlack,
        prefix,
        extra: { AMIBOT_ROLE: 'all', AMIBOT_WORKER_PORT: String(workerPort), AMIBOT_ANSWER_THREADS: '1' },
      }),
    );
    main = all;
    const url = `http://127.0.0.1:${await all.port()}`;
    await all.waitForLine(/workers running/);
    expect(all.lines.join('\n')).not.toMatch(/worker health on/);
    await expect(fetch(`http://127.0.0.1:${workerPort}/healthz`)).rejects.toThrow();

    // A command answered in the answer thread is counted there and merged into this scrape.
    const help = { subcommand: 'help', outcome: 'ok' };
    const before = (await scrape(url)).text;
    const responseId = randomUUID();
    const ack = await postSigned(
      `${url}/slack/events`,
      buildSlashCommand({ text: 'help', responseUrl: fakeSlack.responseUrl(responseId) }),
      SIGNING_SECRET,
    );
    expect(ack.status).toBe(200);
    await fakeSlack.waitForResponse(responseId, { timeoutMs: 15_000 });
    const after = (await scrape(url)).text;
    expect(sample(after, 'amibot_commands_total', help) - sample(before, 'amibot_commands_total', help)).toBe(
      1,
    );
    expect(sample(after, 'amibot_slack_ack_seconds_count', { kind: 'command' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'amibot_answer_threads_alive')).toBe(1);
    expect(after).toMatch(/^amibot_queue_jobs\{queue="ops",state="waiting"\} \d+$/m);

    all.kill('SIGTERM');
    expect(await all.exited).toBe(0);
  }, 90_000);
});
