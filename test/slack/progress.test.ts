import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { silentLogger } from '../../src/logger.js';
import { SlackNotifier } from '../../src/slack/notifier.js';
import { ProgressReporter } from '../../src/slack/progress.js';
import { RateLimiter } from '../../src/store/rate-limit.js';
import { createRedis } from '../../src/store/redis.js';
import { deleteKeys, REDIS_URL } from '../support/app-under-test.js';

const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
const prefix = `amibot-test-${randomUUID().slice(0, 8)}`;
let fakeSlack: FakeSlack;
let notifier: SlackNotifier;

const msg = (text: string) => ({
  text,
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }],
});

beforeAll(async () => {
  fakeSlack = await FakeSlack.start();
  notifier = new SlackNotifier({
    token: 'xoxb-test',
    apiUrl: fakeSlack.apiUrl,
    logger: silentLogger,
    retries: 0,
  });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
  await fakeSlack.close();
});

function reporter(minIntervalMs: number, perMinute?: number, maxUpdatesPerMessage?: number) {
  const limiter = new RateLimiter(redis, prefix);
  return new ProgressReporter(redis, `${prefix}-${randomUUID().slice(0, 6)}`, notifier, silentLogger, {
    minIntervalMs,
    maxUpdatesPerMessage,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    channelBudget: perMinute ? { limiter, spec: { rate: perMinute / 60, burst: 1 } } : undefined,
  });
}

describe('ProgressReporter', () => {
  it('skips unchanged content and updates inside the window', async () => {
    const ref = await notifier.post('CPROG1', msg('queued'));
    const p = reporter(60_000);
    expect(await p.update(ref, msg('10 %'))).toBe(true);
    expect(await p.update(ref, msg('20 %'))).toBe(false); // window still closed
    const q = reporter(0);
    expect(await q.update(ref, msg('30 %'))).toBe(true);
    expect(await q.update(ref, msg('30 %'))).toBe(false); // unchanged
    expect(fakeSlack.message('CPROG1', ref.ts)?.text).toBe('30 %');
  });

  it('never lets a progress update overwrite the final state', async () => {
    const ref = await notifier.post('CPROG2', msg('queued'));
    const p = reporter(0);
    await p.final(ref, msg('done'));
    expect(await p.update(ref, msg('99 %'))).toBe(false);
    expect(fakeSlack.message('CPROG2', ref.ts)?.text).toBe('done');
  });

  it('writes the final state even after Slack answers ratelimited', async () => {
    const ref = await notifier.post('CPROG3', msg('queued'));
    fakeSlack.rateLimitNext('chat.update', { times: 2, retryAfterSeconds: 1 });
    await reporter(0).final(ref, msg('finished'));
    expect(fakeSlack.message('CPROG3', ref.ts)?.text).toBe('finished');
  });

  it('keeps progress updates of one channel within its budget, across messages', async () => {
    const a = await notifier.post('CPROG4', msg('a'));
    const b = await notifier.post('CPROG4', msg('b'));
    const p = reporter(0, 6); // one update every 10 s, burst 1
    expect(await p.update(a, msg('a 10 %'))).toBe(true);
    expect(await p.update(b, msg('b 10 %'))).toBe(false);
    expect(await p.update(a, msg('a 20 %'))).toBe(false);
  });

  it('sends at most the per-message number of progress updates; state changes and the final state still go out', async () => {
    const ref = await notifier.post('CPROG5', msg('queued'));
    const p = reporter(0, undefined, 3);
    const sent: boolean[] = [];
    for (let i = 1; i <= 6; i++) sent.push(await p.update(ref, msg(`${i * 10} %`)));
    expect(sent).toEqual([true, true, true, false, false, false]);
    await p.set(ref, msg('approved by someone'));
    expect(fakeSlack.message('CPROG5', ref.ts)?.text).toBe('approved by someone');
    await p.final(ref, msg('done'));
    expect(fakeSlack.message('CPROG5', ref.ts)?.text).toBe('done');
  });
});
