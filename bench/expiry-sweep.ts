/**
 * The expiry sweep at scale: 20,000 own images over 2 accounts × 3 regions in the fake AWS (in a
 * child process, with the fake Slack), the sweep in this process against real Redis. Measures:
 *
 * - the first sweep (detection + enqueue of every due reminder) and a second one (nothing new), wall time;
 * - DescribeImages calls per sweep (pages of 1,000);
 * - delivery: BullMQ workers (in this process, running during the sweeps as deployed) post the
 *   queued reminders at the per-channel rate (`expiry.postsPerSecond`, env `AMIBOT_BENCH_POST_RATE`
 *   overrides the rate for a quicker run); time from the start of the first sweep until the fake
 *   Slack has every expected post;
 * - reminders and malformed-tag notices posted, checked against what the seed makes due: each
 *   exactly once (chat.postMessage counted per image in the fake Slack), none twice, and none at
 *   all after the second sweep;
 * - this process's peak RSS (`process.resourceUsage().maxRSS`) and RSS growth over the sweeps.
 *
 * `npx tsx bench/expiry-sweep.ts [--quick]` or `npm run bench -- expiry`.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { accountPolicySchema } from '../src/domain/policy.js';
import { REMINDER_POST_RATE } from '../src/expiry/delivery.js';
import { runExpirySweep, type SweepStats } from '../src/expiry/sweep.js';
import { startWorkers } from '../src/jobs/worker.js';
import { silentLogger } from '../src/logger.js';
import { createRedis } from '../src/store/redis.js';
import { buildDeps, closeDeps } from '../src/wiring.js';
import { deleteKeys } from '../test/support/app-under-test.js';
import type { ExpiryFakesInfo, SlackCounts } from './expiry-fakes.js';
import { Child } from './lib/child.js';
import { mib, ms, table } from './lib/stats.js';

export interface ExpirySweepBenchOptions {
  images: number;
  seed: number;
}

/** Same as in expiry-fakes.ts (a type-only import: importing that module would start the child). */
const BENCH_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

export const EXPIRY_SWEEP_DEFAULTS: ExpirySweepBenchOptions = { images: 20_000, seed: 1 };

interface SweepRun {
  ms: number;
  /** CPU time of this (the sweeping) process during the sweep. */
  cpuMs: number;
  describeImagesCalls: number;
  stats: SweepStats;
  slack: SlackCounts;
}

export async function runExpirySweepBench(
  opts: Partial<ExpirySweepBenchOptions> = {},
): Promise<{ markdown: string } & Record<string, unknown>> {
  const o = { ...EXPIRY_SWEEP_DEFAULTS, ...opts };
  const now = Date.now();
  const [fakes, slackFake] = await Promise.all([
    Child.start<ExpiryFakesInfo>('expiry-fake-aws', 'expiry-fakes.ts', [
      JSON.stringify({ images: o.images, now, seed: o.seed, only: 'aws' }),
    ]),
    Child.start<ExpiryFakesInfo>('expiry-fake-slack', 'expiry-fakes.ts', [
      JSON.stringify({ images: 0, now, only: 'slack' }),
    ]),
  ]);
  const prefix = `amibot-bench-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slackFake.info.slackApiUrl,
      AMIBOT_REDIS_PREFIX: prefix,
      AMIBOT_AWS_ENDPOINT: fakes.info.awsUrl,
      LOG_LEVEL: 'error',
    },
  });
  config.accounts = ['111111111111', '222222222222'].map((accountId, i) => ({
    alias: i === 0 ? 'alpha' : 'beta',
    accountId,
    roleArn: i === 0 ? undefined : `arn:aws:iam::${accountId}:role/amibot`,
    regions: [...BENCH_REGIONS],
    default: i === 0,
    policy: accountPolicySchema.parse({ reminderChannel: i === 0 ? 'CALPHA' : 'CBETA' }),
  }));
  config.expiry.teamChannels = { platform: 'CPLATFORM', data: 'CDATA' };
  const redis = createRedis(config.redis.url, 'client', { enableOfflineQueue: true });
  const deps = buildDeps(config, {
    logger: silentLogger,
    clock: () => new Date(now),
    redis,
    awsCredentials: { accessKeyId: 'AKIAAMIBOTBENCH00001', secretAccessKey: 'bench-secret-key' },
    slackRetries: 0,
  });
  const envRate = Number(process.env.AMIBOT_BENCH_POST_RATE);
  if (envRate > 0) config.expiry.postsPerSecond = envRate;
  const rate = { ...REMINDER_POST_RATE, rate: config.expiry.postsPerSecond };
  const workerConnection = createRedis(config.redis.url, 'worker');
  const workers = startWorkers(deps, {
    connection: workerConnection,
    concurrency: 8,
    queues: ['maintenance'],
  });
  const rssBefore = process.memoryUsage().rss;
  const runs: SweepRun[] = [];
  let deliveryMs = Number.NaN;
  let delivered: SlackCounts | undefined;
  let perChannel: Record<string, number> = {};
  try {
    for (let i = 0; i < 2; i++) {
      await fakes.call('resetCalls');
      const cpu = process.cpuUsage();
      const started = performance.now();
      const stats = await runExpirySweep(deps);
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpu);
      runs.push({
        ms: elapsed,
        cpuMs: (used.user + used.system) / 1000,
        describeImagesCalls: await fakes.call<number>('describeImagesCalls'),
        stats,
        slack: await slackFake.call<SlackCounts>('slackCounts'),
      });
      const expectedPosts = fakes.info.expectedReminders + fakes.info.expectedMalformed;
      if (i === 0) {
        // Delivery: until the fake Slack has every expected post (or an hour has passed).
        const until = Date.now() + 3600_000;
        for (;;) {
          delivered = await slackFake.call<SlackCounts>('slackCounts');
          if (delivered.posts >= expectedPosts || Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        deliveryMs = performance.now() - started;
        perChannel = await slackFake.call<Record<string, number>>('postsPerChannel');
      } else {
        // Nothing may be queued by the second sweep: give stray jobs time to show up.
        await new Promise((r) => setTimeout(r, 5_000));
        runs[1] = { ...(runs[1] as SweepRun), slack: await slackFake.call<SlackCounts>('slackCounts') };
      }
    }
  } finally {
    await workers.close(5_000);
    workerConnection.disconnect();
    await deleteKeys(redis, prefix).catch(() => {});
    await closeDeps(deps);
    await fakes.close();
    await slackFake.close();
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const rssAfter = process.memoryUsage().rss;
  const [first, second] = runs as [SweepRun, SweepRun];
  const d = delivered as SlackCounts;
  const exactlyOnce =
    d.reminders === fakes.info.expectedReminders &&
    d.malformed === fakes.info.expectedMalformed &&
    d.duplicated === 0 &&
    first.stats.remindersQueued === fakes.info.expectedReminders &&
    second.stats.remindersQueued === 0 &&
    second.slack.posts === d.posts &&
    first.stats.errors.length === 0;
  const busiest = Math.max(...Object.values(perChannel));
  const markdown = [
    `${o.images.toLocaleString('en-US')} own images, 2 accounts × 3 regions; fake AWS and fake Slack each in a child process of its own; real Redis.`,
    '',
    table(
      [
        'sweep',
        'time (detect + enqueue)',
        'process CPU',
        'DescribeImages calls',
        'images',
        'reminders queued',
        'notices queued',
        'posted by then',
        'errors',
      ],
      runs.map((r, i) => [
        i === 0 ? 'first (queues everything due)' : 'second (nothing new)',
        ms(r.ms),
        ms(r.cpuMs),
        String(r.describeImagesCalls),
        r.stats.images.toLocaleString('en-US'),
        String(r.stats.remindersQueued),
        String(r.stats.malformedQueued),
        String(r.slack.posts),
        String(r.stats.errors.length),
      ]),
    ),
    '',
    `Delivery at ${rate.rate}/s per channel (burst ${rate.burst}), 8 worker slots: all ${d.posts} posts in ${ms(deliveryMs)} from the start of the first sweep; ` +
      `per channel: ${Object.entries(perChannel)
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(
          ', ',
        )} (the busiest channel bounds it: ${busiest} posts ≥ ${Math.round((busiest - rate.burst) / rate.rate)} s).`,
    '',
    `Expected from the seed: ${fakes.info.expectedReminders} reminders, ${fakes.info.expectedMalformed} malformed notices. ` +
      `Fake Slack saw ${d.reminders} reminders for ${d.distinctImages} images and ${d.malformed} notices after delivery, ${second.slack.posts - d.posts} more after the second sweep; images posted twice: ${d.duplicated}. ` +
      `Exactly once: ${exactlyOnce ? 'yes' : 'NO'}.`,
    '',
    `Sweep process: peak RSS ${mib(peakRss)} (RSS ${mib(rssBefore)} before the sweeps, ${mib(rssAfter)} after).`,
  ].join('\n');
  return {
    markdown,
    images: o.images,
    expected: { reminders: fakes.info.expectedReminders, malformed: fakes.info.expectedMalformed },
    runs: runs.map((r) => ({
      ms: r.ms,
      describeImagesCalls: r.describeImagesCalls,
      stats: r.stats,
      slack: r.slack,
    })),
    delivery: { ms: deliveryMs, rate, perChannel, slack: d },
    exactlyOnce,
    peakRssBytes: peakRss,
  };
}

if (process.argv[1]?.endsWith('expiry-sweep.ts') || process.argv[1]?.endsWith('expiry-sweep.js')) {
  const quick = process.argv.includes('--quick');
  const result = await runExpirySweepBench(quick ? { images: 2_000 } : {});
  console.log(result.markdown);
  process.exit(result.exactlyOnce ? 0 : 1);
}
