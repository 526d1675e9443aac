import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { createRedis } from '../../src/store/redis.js';
import { allText, deleteKeys, REDIS_URL, SIGNING_SECRET } from '../support/app-under-test.js';
import { startMain } from '../support/main-process.js';
import { buildSlashCommand, postSigned } from '../support/slack-requests.js';
import { buildIntoTemp, productionEnv, uniquePrefix } from './support.js';

/**
 * What the entry command loads outside sandbox mode, as each documented way runs it (from the
 * sources with tsx's loader, as `npm start` does; compiled, as the container does), with Slack
 * settings. `test/support/module-recorder.mjs`, preloaded with `--import`, writes every module the
 * main thread resolves (and the CommonJS ones it required, at exit) to a file:
 *
 * - no role loads anything under `dev/` (the fakes and the sandbox are not part of the product);
 * - the worker role does not load Bolt (nor the handlers or the answer threads);
 * - the web role's main thread, its commands answered by an answer thread, loads no AWS SDK client
 *   package (they are loaded on first use: src/aws/sdk.ts), no job worker, and, having enqueued
 *   nothing, not BullMQ (src/store/bullmq.ts).
 *
 * Memory figures are in bench/memory.ts and docs/benchmarks.md, not here.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DEV = `${pathToFileURL(join(ROOT, 'dev')).href}/`;
const RECORDER = ['--import', pathToFileURL(join(ROOT, 'test/support/module-recorder.mjs')).href];

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let build: Awaited<ReturnType<typeof buildIntoTemp>>;
let logDir: string;
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  logDir = await mkdtemp(join(tmpdir(), 'amibot-modules-'));
  build = await buildIntoTemp();
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await fakeAws?.close();
  await fakeSlack?.close();
  await build?.remove();
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

/** Starts `role`, lets it serve (web: three /ami commands answered), stops it; the modules it loaded. */
async function modulesOf(role: 'web' | 'worker', entry: string[]): Promise<string[]> {
  const prefix = uniquePrefix();
  const log = join(logDir, `${role}-${randomUUID().slice(0, 8)}.txt`);
  const main = startMain(
    productionEnv({
      fakeAws,
      fakeSlack,
      prefix,
      extra: { AMIBOT_ROLE: role, AMIBOT_ANSWER_THREADS: '1', AMIBOT_TEST_MODULE_LOG: log },
    }),
    { entry: [...RECORDER, ...entry] },
  );
  try {
    if (role === 'web') {
      const image = fakeAws.addImage({ name: `modules-check-${prefix}` });
      const url = `http://127.0.0.1:${await main.port(60_000)}/slack/events`;
      for (const [text, expected] of [
        ['help', /find/],
        [`find modules-check-${prefix}`, image.imageId],
        [`show ${image.imageId}`, image.imageId],
      ] as const) {
        const responseId = randomUUID();
        const ack = await postSigned(
          url,
          buildSlashCommand({ text, userId: 'UMODULES', responseUrl: fakeSlack.responseUrl(responseId) }),
          SIGNING_SECRET,
        );
        expect(ack.status).toBe(200);
        const answer = await fakeSlack.waitForResponse(responseId, { timeoutMs: 20_000 });
        expect(allText(answer.body)).toMatch(expected);
      }
    } else {
      await main.waitForLine(/workers running/, 60_000);
      // main.ts installs its SIGTERM handler just after logging that line: give it that moment.
      await new Promise((r) => setTimeout(r, 500));
    }
    main.kill('SIGTERM');
    expect(await main.exited, main.lines.join('\n')).toBe(0);
  } finally {
    main.kill('SIGKILL');
    await main.exited;
    await deleteKeys(redis, prefix);
  }
  const loaded = [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
  // The recorder saw the entry itself and its dependencies (it cannot pass by recording nothing).
  expect(loaded.some((u) => /\/main\.(ts|js)$/.test(u))).toBe(true);
  expect(loaded.some((u) => u.includes('/node_modules/ioredis/'))).toBe(true);
  return loaded;
}

const packageOf = (url: string) => url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];

describe.each([
  ['node --import tsx src/main.ts', () => ['--import', 'tsx', 'src/main.ts']],
  ['node dist/main.js (compiled)', () => [build.main]],
])('%s outside sandbox mode', (_name, entry) => {
  it('the web role loads nothing from dev/, and its main thread no AWS SDK client, job worker nor BullMQ', async () => {
    const loaded = await modulesOf('web', entry());
    expect(loaded.filter((u) => u.startsWith(DEV))).toEqual([]);
    expect(loaded.some((u) => packageOf(u) === '@slack/bolt')).toBe(true);
    expect(loaded.filter((u) => packageOf(u)?.startsWith('@aws-sdk/client-'))).toEqual([]);
    expect(loaded.filter((u) => /\/jobs\/worker\.(ts|js)$/.test(u))).toEqual([]);
    // Nothing was enqueued: BullMQ is loaded on first use (src/store/bullmq.ts).
    expect(loaded.filter((u) => packageOf(u) === 'bullmq')).toEqual([]);
  }, 120_000);

  it('the worker role loads nothing from dev/ and not Bolt', async () => {
    const loaded = await modulesOf('worker', entry());
    expect(loaded.filter((u) => u.startsWith(DEV))).toEqual([]);
    expect(loaded.filter((u) => packageOf(u) === '@slack/bolt')).toEqual([]);
    expect(
      loaded.filter((u) => !packageOf(u) && /\/(app|handlers\/[^/]+|answer\/[^/]+)\.(ts|js)$/.test(u)),
    ).toEqual([]);
    expect(loaded.some((u) => /\/jobs\/worker\.(ts|js)$/.test(u))).toBe(true);
  }, 120_000);
});
