import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { createRedis } from '../../src/store/redis.js';
import { allText, deleteKeys, REDIS_URL, SIGNING_SECRET } from '../support/app-under-test.js';
import { startMain } from '../support/main-process.js';
import { buildSlashCommand, postSigned } from '../support/slack-requests.js';
import {
  buildIntoTemp,
  errorLines,
  FROM_SOURCES,
  parseLine,
  productionEnv,
  treeCpuSeconds,
  uniquePrefix,
} from './support.js';

/**
 * The entry command, as each documented way runs it (from the sources with tsx's loader, as
 * `npm start` does; compiled with `tsc`, as the container does), with Slack settings and one answer
 * thread: the answers come from the thread (every log line a thread writes names it), and the idle
 * process logs no error and burns less than a CPU-second in 10 s.
 */

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let build: Awaited<ReturnType<typeof buildIntoTemp>>;
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  build = await buildIntoTemp();
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await fakeAws?.close();
  await fakeSlack?.close();
  await build?.remove();
});

const IDLE_SECONDS = 10;

describe.each([
  ['node --import tsx src/main.ts', () => FROM_SOURCES],
  ['node dist/main.js (compiled)', () => [build.main]],
])('%s with answer threads', (_name, entry) => {
  it('answers commands in the thread, then idles quietly', async () => {
    const prefix = uniquePrefix();
    const image = fakeAws.addImage({ name: `entry-check-${prefix}` });
    const main = startMain(
      productionEnv({ fakeAws, fakeSlack, prefix, extra: { AMIBOT_ANSWER_THREADS: '1' } }),
      { entry: entry() },
    );
    try {
      const url = `http://127.0.0.1:${await main.port(60_000)}/slack/events`;
      await main.waitForLine(/workers running/, 30_000);

      const asks = [
        { user: `UHELP${randomUUID().slice(0, 6)}`, text: 'help', expect: /find/ },
        {
          user: `UFIND${randomUUID().slice(0, 6)}`,
          text: `find entry-check-${prefix}`,
          expect: image.imageId,
        },
        { user: `USHOW${randomUUID().slice(0, 6)}`, text: `show ${image.imageId}`, expect: image.imageId },
      ];
      for (const ask of asks) {
        const responseId = randomUUID();
        const ack = await postSigned(
          url,
          buildSlashCommand({
            text: ask.text,
            userId: ask.user,
            responseUrl: fakeSlack.responseUrl(responseId),
          }),
          SIGNING_SECRET,
        );
        expect(ack.status).toBe(200);
        const answer = await fakeSlack.waitForResponse(responseId, { timeoutMs: 20_000 });
        expect(allText(answer.body)).toMatch(ask.expect);
      }

      // Each answer was given by the answer thread: its line names the thread and its thread id.
      for (const ask of asks) {
        const line = await main.waitForLine(new RegExp(`"msg":"answered /ami".*"user":"${ask.user}"`), 5_000);
        const entry = parseLine(line);
        expect(entry?.thread, line).toBe('answer-1');
        expect(entry?.threadId, line).toBeGreaterThan(0);
      }

      const cpuBefore = await treeCpuSeconds(main.child.pid!);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const idleCpu = (await treeCpuSeconds(main.child.pid!)) - cpuBefore;
      expect(errorLines(main.lines)).toEqual([]);
      expect(main.lines.filter((l) => /answer thread|main thread/.test(l))).toEqual([]);
      expect(idleCpu).toBeLessThan(1);
      console.info(`${_name}: idle CPU ${idleCpu.toFixed(2)} s over ${IDLE_SECONDS} s`);

      main.kill('SIGTERM');
      expect(await main.exited).toBe(0);
    } finally {
      main.kill('SIGKILL');
      await main.exited;
      await deleteKeys(redis, prefix);
    }
  }, 120_000);
});
