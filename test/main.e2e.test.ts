import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedis } from '../src/store/redis.js';
import { deleteKeys, REDIS_URL } from './support/app-under-test.js';

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
});
