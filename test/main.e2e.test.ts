import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { QUEUES } from '../src/jobs/catalog.js';
import { bullPrefix } from '../src/jobs/queues.js';
import { createRedis } from '../src/store/redis.js';
import { deleteKeys, REDIS_URL } from './support/app-under-test.js';
import { buildSlashCommand, postSigned } from './support/slack-requests.js';

/** Runs `src/main.ts` as `npm start` does (tsx), collecting its output. */
function runMain(
  env: Record<string, string>,
  onLine?: (line: string, kill: (sig: NodeJS.Signals) => void) => void,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const feed = (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    for (const line of text.split('\n')) if (line) onLine?.(line, (sig) => child.kill(sig));
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out })),
  );
}

const SLACK = {
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'test-signing-secret',
  SLACK_BOT_USER_ID: 'UBOT',
};

describe('the amibot process', () => {
  it('refuses to start on a bad configuration, listing every problem', async () => {
    const { code, out } = await runMain({ SLACK_BOT_TOKEN: 'nope', PORT: 'eighty', REDIS_URL: 'localhost' });
    expect(code).toBe(1);
    for (const key of ['SLACK_BOT_TOKEN', 'PORT', 'REDIS_URL', 'SLACK_SIGNING_SECRET'])
      expect(out).toContain(key);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says how to start Redis when it is unreachable, without a stack trace', async () => {
    const { code, out } = await runMain({ ...SLACK, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(out).toMatch(/Redis is not reachable/);
    expect(out).toMatch(/docker compose up -d redis|redis-server/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('serves web and workers in one process and shuts down cleanly on SIGTERM', async () => {
    const prefix = `amibot-test-${randomUUID().slice(0, 8)}`;
    let healthy = false;
    let port: string | undefined;
    const { code, out } = await runMain(
      {
        ...SLACK,
        REDIS_URL,
        AMIBOT_REDIS_PREFIX: prefix,
        PORT: '0',
        AMIBOT_ANSWER_THREADS: '1',
        LOG_LEVEL: 'info',
      },
      (line, kill) => {
        port = line.match(/listening on :(\d+)/)?.[1] ?? port;
        // Web first, then the workers: stop once both are up and the health check answered.
        if (/workers running/.test(line) && port) {
          void fetch(`http://127.0.0.1:${port}/healthz`)
            .then((r) => {
              healthy = r.status === 200;
            })
            .finally(() => kill('SIGTERM'));
        }
      },
    );
    const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
    await deleteKeys(redis, prefix);
    redis.disconnect();
    expect(healthy).toBe(true);
    expect(out).toMatch(/workers running/);
    expect(out).toMatch(/received SIGTERM/);
    expect(code).toBe(0);
  });

  it('answers malformed signed bodies with 400 and keeps serving, web and workers', async () => {
    const prefix = `amibot-test-${randomUUID().slice(0, 8)}`;
    const fakeSlack = await FakeSlack.start();
    const checks: {
      statuses: number[];
      healthy: boolean;
      answered: boolean;
      jobDone: boolean;
      error?: unknown;
    } = {
      statuses: [],
      healthy: false,
      answered: false,
      jobDone: false,
    };
    const malformed = [
      'payload=null',
      'payload=%7B',
      `payload=${encodeURIComponent('[{"type":"block_actions"}]')}`,
      `payload=${encodeURIComponent('{"user":{"id":"U1"}}')}`,
      `payload=${'x'.repeat(2 * 1024 * 1024)}`,
    ];
    let port: string | undefined;
    let started = false;
    const exercise = async (events: string) => {
      for (const body of malformed)
        checks.statuses.push((await postSigned(events, body, SLACK.SLACK_SIGNING_SECRET)).status);
      // JSON bodies too.
      for (const body of ['[1,2,3]', 'null', '{"event":{}}']) {
        checks.statuses.push((await postSigned(events, body, SLACK.SLACK_SIGNING_SECRET)).status);
      }
      checks.healthy = (await fetch(events.replace('/slack/events', '/healthz'))).status === 200;
      const responseUrl = fakeSlack.responseUrl('after-malformed');
      const ack = await postSigned(
        events,
        buildSlashCommand({ text: 'help', responseUrl }),
        SLACK.SLACK_SIGNING_SECRET,
      );
      checks.answered =
        ack.status === 200 &&
        Boolean(await fakeSlack.waitForResponse('after-malformed', { timeoutMs: 10_000 }));
      // The workers of the same process still take jobs.
      const connection = createRedis(REDIS_URL, 'worker');
      const queue = new Queue(QUEUES.maintenance, { connection, prefix: bullPrefix(prefix) });
      try {
        const job = await queue.add(
          'requests-expire',
          {},
          { jobId: `after-malformed-${randomUUID().slice(0, 8)}` },
        );
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && !checks.jobDone) {
          checks.jobDone = (await job.getState()) === 'completed';
          if (!checks.jobDone) await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await queue.close();
        connection.disconnect();
      }
    };
    const { code, out } = await runMain(
      { ...SLACK, REDIS_URL, AMIBOT_REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'info' },
      (line, kill) => {
        port = line.match(/listening on :(\d+)/)?.[1] ?? port;
        if (/workers running/.test(line) && port && !started) {
          started = true;
          void exercise(`http://127.0.0.1:${port}/slack/events`)
            .catch((err: unknown) => {
              checks.error = err;
            })
            .finally(() => kill('SIGTERM'));
        }
      },
    );
    await fakeSlack.close();
    const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
    await deleteKeys(redis, prefix);
    redis.disconnect();
    expect(checks.error).toBeUndefined();
    expect(checks.statuses).toEqual([400, 400, 400, 400, 413, 400, 400, 400]);
    expect(checks.healthy).toBe(true);
    expect(checks.answered).toBe(true);
    expect(checks.jobDone).toBe(true);
    expect(out).not.toMatch(/\n\s+at /);
    expect(out).toMatch(/received SIGTERM/);
    expect(code).toBe(0);
  }, 60_000);
});
