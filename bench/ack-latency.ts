/**
 * Ack latency of `/ami find ubuntu 24.04`: the real amibot app against a bare Bolt app whose
 * handler only acks, under the same load, interleaved batch by batch in one run.
 *
 * Processes: this one is the load generator; the amibot app, the bare app and the fakes (fake
 * AWS with a few hundred Canonical images, fake Slack recording the response_url answers) each
 * run in a child process of their own, so no server shares an event loop with the clock that
 * times it, and the fakes' work is not inside the bot's process.
 */
import { randomUUID } from 'node:crypto';
import { SIGNING_SECRET } from '../test/support/app-under-test.js';
import type { AppServerInfo, AppServerOptions } from './app-server.js';
import type { AwsCallCounts, FakesInfo, FakesOptions, ResponseCounts } from './fakes-server.js';
import { Child, cpuMsBetween } from './lib/child.js';
import { keepAliveAgent, postSigned, runPool, type SignedSlash, signedSlash } from './lib/slack-load.js';
import { median, ms, ratio, type Summary, summarize, table } from './lib/stats.js';

export interface AckLatencyOptions {
  requests: number;
  concurrency: number;
  batch: number;
  warmup: number;
  catalogue: number;
  cacheTtlSeconds: number;
  text: string;
  /** Where to write CPU profiles of the measured phase (both apps and the fakes); none when unset. */
  profileDir?: string;
  /** Also time this many requests one at a time per side, back to back and isolated, for reference. */
  sequential: number;
  /** Experiment: how amibot's `respond()` POSTs (`global` fetch as in production, or `node-http`). */
  amibotFetch: 'global' | 'node-http';
}

export const ACK_DEFAULTS: AckLatencyOptions = {
  requests: 2000,
  concurrency: 50,
  batch: 200,
  warmup: 200,
  catalogue: 400,
  cacheTtlSeconds: 600,
  text: 'find ubuntu 24.04',
  sequential: 200,
  amibotFetch: 'global',
};

type Side = 'amibot' | 'bare';

interface SideResult {
  latencies: number[];
  /** Per batch: p99 of the batch, wall time, app CPU ms. */
  batches: { p99: number; wallMs: number; cpuMs: number; drainMs: number; loadCpuMs: number }[];
  non200: number;
  nonEmptyBody: number;
}

export interface AckLatencyResult {
  options: AckLatencyOptions;
  amibot: Summary;
  bare: Summary;
  p99Ratio: number;
  p50Ratio: number;
  medianBatchP99Ratio: number;
  sequential: { amibot: Summary; bare: Summary };
  isolated: { amibot: Summary; bare: Summary };
  cpuMsPerRequest: { amibot: number; bare: number; fakes: number };
  /** Load generator CPU time / wall time during each side's batches (1 = one core busy). */
  loadGeneratorCpuShare: { amibot: number; bare: number };
  answers: ResponseCounts & { expected: number };
  describeImagesDuringWarmup: number;
  describeImagesDuringMeasure: number;
  non200: number;
  nonEmptyBody: number;
  markdown: string;
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function runAckLatency(partial: Partial<AckLatencyOptions> = {}): Promise<AckLatencyResult> {
  const o: AckLatencyOptions = { ...ACK_DEFAULTS, ...partial };
  const fakes = await Child.start<FakesInfo>('fakes', 'fakes-server.ts', [
    JSON.stringify({ images: o.catalogue, seed: 7, slack: true } satisfies FakesOptions),
  ]);
  const slackApiUrl = fakes.info.slackApiUrl as string;
  const slackUrl = fakes.info.slackUrl as string;
  const apps: Record<Side, Child<AppServerInfo>> = {
    amibot: await Child.start<AppServerInfo>('amibot', 'app-server.ts', [
      'amibot',
      JSON.stringify({
        awsUrl: fakes.info.awsUrl,
        slackApiUrl,
        cacheTtlSeconds: o.cacheTtlSeconds,
        fetch: o.amibotFetch,
      } satisfies AppServerOptions),
    ]),
    bare: await Child.start<AppServerInfo>('bare', 'app-server.ts', [
      'bare',
      JSON.stringify({ slackApiUrl } satisfies AppServerOptions),
    ]),
  };
  const agents = { amibot: keepAliveAgent(o.concurrency), bare: keepAliveAgent(o.concurrency) };
  const urls = {
    amibot: new URL('/slack/events', apps.amibot.info.url),
    bare: new URL('/slack/events', apps.bare.info.url),
  };
  let answersExpected = 0;

  const answersLanded = async () => (await fakes.call<ResponseCounts>('responses')).total >= answersExpected;

  /**
   * `count` requests, `concurrency` in flight. `isolate`: one at a time, each amibot answer lands
   * before the next request is sent, then both sides wait 2 ms: the app is idle when a request arrives.
   */
  const runBatch = async (
    side: Side,
    count: number,
    into?: SideResult,
    { concurrency = o.concurrency, isolate = false } = {},
  ) => {
    // Built and signed before the clock starts, so signing is not timed (nor done under load).
    const prepared: SignedSlash[] = Array.from({ length: count }, () =>
      signedSlash(o.text, slackUrl, `${side}-${randomUUID()}`, SIGNING_SECRET),
    );
    const before = await apps[side].usage();
    const loadBefore = process.cpuUsage();
    const latencies: number[] = new Array(count);
    let non200 = 0;
    let nonEmptyBody = 0;
    const started = performance.now();
    await runPool(count, isolate ? 1 : concurrency, async (i) => {
      const res = await postSigned(agents[side], urls[side], prepared[i] as SignedSlash);
      latencies[i] = res.ms;
      if (res.status !== 200) non200++;
      else if (res.body !== '') nonEmptyBody++;
      if (isolate) {
        if (side === 'amibot') {
          answersExpected++;
          await waitFor(answersLanded, 10_000, 'an answer', 1);
        }
        // Both apps sit idle for a while before every request (same gap on both sides).
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    const wallMs = performance.now() - started;
    const loadCpu = process.cpuUsage(loadBefore);
    let drainMs = 0;
    if (side === 'amibot' && !isolate) {
      // Every answer lands before the next batch starts, so one side's leftovers never load the other.
      answersExpected += count;
      await waitFor(answersLanded, 60_000, `${answersExpected} response_url answers`);
      drainMs = performance.now() - started - wallMs;
    }
    const after = await apps[side].usage();
    if (into) {
      into.latencies.push(...latencies);
      into.batches.push({
        p99: summarize(latencies).p99,
        wallMs,
        cpuMs: cpuMsBetween(before, after),
        drainMs,
        loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
      });
      into.non200 += non200;
      into.nonEmptyBody += nonEmptyBody;
    }
  };

  try {
    // Warm-up (not measured): JIT, keep-alive connections, and the first finds that fill the cache.
    await runBatch('amibot', o.warmup);
    await runBatch('bare', o.warmup);
    const warmCalls = await fakes.call<AwsCallCounts>('awsCalls');
    await fakes.call('resetCalls');
    const fakesBefore = await fakes.usage();
    if (o.profileDir)
      await Promise.all([apps.amibot.profileStart(), apps.bare.profileStart(), fakes.profileStart()]);

    const results: Record<Side, SideResult> = {
      amibot: { latencies: [], batches: [], non200: 0, nonEmptyBody: 0 },
      bare: { latencies: [], batches: [], non200: 0, nonEmptyBody: 0 },
    };
    const rounds = Math.ceil(o.requests / o.batch);
    for (let r = 0; r < rounds; r++) {
      const count = Math.min(o.batch, o.requests - r * o.batch);
      // ABBA order: neither side always goes first after the other's batch.
      const order: Side[] = r % 2 === 0 ? ['amibot', 'bare'] : ['bare', 'amibot'];
      for (const side of order) await runBatch(side, count, results[side]);
    }
    const fakesAfter = await fakes.usage();
    if (o.profileDir) {
      const dir = o.profileDir;
      await Promise.all([
        apps.amibot.profileStop(`${dir}/ack-amibot.cpuprofile`),
        apps.bare.profileStop(`${dir}/ack-bare.cpuprofile`),
        fakes.profileStop(`${dir}/ack-fakes.cpuprofile`),
      ]);
    }
    const measureCalls = await fakes.call<AwsCallCounts>('awsCalls');

    // References, one request in flight (ABBA halves): back to back (the previous request's
    // answer may still be in the making when the next arrives), and isolated (amibot's answer
    // has landed before the next request is sent, so the app is idle when a request arrives).
    const empty = (): Record<Side, SideResult> => ({
      amibot: { latencies: [], batches: [], non200: 0, nonEmptyBody: 0 },
      bare: { latencies: [], batches: [], non200: 0, nonEmptyBody: 0 },
    });
    const sequential = empty();
    const isolated = empty();
    const half = Math.ceil(o.sequential / 2);
    for (const side of ['amibot', 'bare', 'bare', 'amibot'] as const) {
      await runBatch(side, half, sequential[side], { concurrency: 1 });
    }
    for (const side of ['bare', 'amibot', 'amibot', 'bare'] as const) {
      await runBatch(side, half, isolated[side], { isolate: true });
    }
    const answers = await fakes.call<ResponseCounts>('responses');

    const amibot = summarize(results.amibot.latencies);
    const bare = summarize(results.bare.latencies);
    const seq = {
      amibot: summarize(sequential.amibot.latencies),
      bare: summarize(sequential.bare.latencies),
    };
    const iso = {
      amibot: summarize(isolated.amibot.latencies),
      bare: summarize(isolated.bare.latencies),
    };
    const batchRatios = results.amibot.batches.map(
      (b, i) => b.p99 / (results.bare.batches[i]?.p99 ?? Number.NaN),
    );
    const sum = (side: Side, key: 'cpuMs' | 'wallMs' | 'loadCpuMs' | 'drainMs') =>
      results[side].batches.reduce((s, b) => s + b[key], 0);
    const cpuPer = (side: Side) => sum(side, 'cpuMs') / results[side].latencies.length;
    const result: Omit<AckLatencyResult, 'markdown'> = {
      options: o,
      amibot,
      bare,
      p99Ratio: amibot.p99 / bare.p99,
      p50Ratio: amibot.p50 / bare.p50,
      medianBatchP99Ratio: median(batchRatios),
      sequential: seq,
      isolated: iso,
      cpuMsPerRequest: {
        amibot: cpuPer('amibot'),
        bare: cpuPer('bare'),
        fakes: cpuMsBetween(fakesBefore, fakesAfter) / results.amibot.latencies.length,
      },
      loadGeneratorCpuShare: {
        amibot: sum('amibot', 'loadCpuMs') / sum('amibot', 'wallMs'),
        bare: sum('bare', 'loadCpuMs') / sum('bare', 'wallMs'),
      },
      answers: { ...answers, expected: answersExpected },
      describeImagesDuringWarmup: warmCalls.describeImages,
      describeImagesDuringMeasure: measureCalls.describeImages,
      non200: [results, sequential, isolated].reduce((n, r) => n + r.amibot.non200 + r.bare.non200, 0),
      nonEmptyBody: [results, sequential, isolated].reduce(
        (n, r) => n + r.amibot.nonEmptyBody + r.bare.nonEmptyBody,
        0,
      ),
    };
    const row = (name: string, s: Summary, side: Side) => [
      name,
      String(s.n),
      ms(s.p50, 2),
      ms(s.p90, 2),
      ms(s.p99, 2),
      ms(s.max, 2),
      `${((s.n / sum(side, 'wallMs')) * 1000).toFixed(0)} req/s`,
      `${result.cpuMsPerRequest[side].toFixed(3)} ms`,
      `${(result.loadGeneratorCpuShare[side] * 100).toFixed(0)}%`,
    ];
    const seqRow = (name: string, s: Summary) => [
      name,
      String(s.n),
      ms(s.p50, 2),
      ms(s.p90, 2),
      ms(s.p99, 2),
      ms(s.max, 2),
    ];
    const markdown = [
      `/ami ${o.text}: ${o.requests} requests per side, ${o.concurrency} in flight, batches of ${o.batch} ` +
        `alternating (ABBA), after ${o.warmup} warm-up requests per side. Cache TTL ${o.cacheTtlSeconds} s.` +
        (o.amibotFetch === 'global'
          ? ''
          : ` EXPERIMENT: amibot's respond() goes through a node:http POST instead of fetch.`),
      '',
      table(
        [
          'app',
          'n',
          'p50',
          'p90',
          'p99',
          'max',
          'throughput (in batch)',
          'app CPU / request',
          'load-gen CPU',
        ],
        [row('amibot (startTestApp)', amibot, 'amibot'), row('bare Bolt (ack only)', bare, 'bare')],
      ),
      '',
      `- p99 ratio amibot / bare: **${ratio(result.p99Ratio)}** (goal ≤ 1.3: ${result.p99Ratio <= 1.3 ? 'met' : 'NOT met'}); ` +
        `p50 ratio ${ratio(result.p50Ratio)}; median of the ${batchRatios.length} per-batch p99 ratios ${ratio(result.medianBatchP99Ratio)}.`,
      `- App CPU / request = the app process's CPU time (user + system) over the batch and, for amibot, until its ` +
        `answers had all landed, divided by the requests: amibot ${ratio(result.cpuMsPerRequest.amibot / result.cpuMsPerRequest.bare)} the bare app.`,
      `- Load-gen CPU = this (load generator) process's CPU time / batch wall time.`,
      `- Answers on response_url: ${answers.total} arrived of ${answersExpected} expected ` +
        `(${answers.ok} HTTP 200, ${answers.failed} refused; warm-up and one-in-flight runs included), ` +
        `over ${answers.connections} connection(s) to the fake Slack. ` +
        `Time from the last ack of a batch to its last answer: ${ms(sum('amibot', 'drainMs') / results.amibot.batches.length)} on average.`,
      `- DescribeImages calls: ${warmCalls.describeImages} during the ${o.warmup} warm-up requests (cold cache, ` +
        `${o.concurrency} in flight: identical finds are not coalesced), ${measureCalls.describeImages} during the measured batches ` +
        '(all served from the Redis cache).',
      `- Fakes process CPU per amibot request (receiving and checking the answers): ${result.cpuMsPerRequest.fakes.toFixed(3)} ms.`,
      `- Acks not HTTP 200: ${result.non200}; acks with a body: ${result.nonEmptyBody}.`,
      '',
      `References with one request in flight (${seq.amibot.n} per side each): back to back, amibot/bare ` +
        `p50 ${ratio(seq.amibot.p50 / seq.bare.p50)}, p99 ${ratio(seq.amibot.p99 / seq.bare.p99)}; isolated ` +
        `(amibot's answer landed before the next request), p50 ${ratio(iso.amibot.p50 / iso.bare.p50)}, ` +
        `p99 ${ratio(iso.amibot.p99 / iso.bare.p99)}.`,
      '',
      table(
        ['app', 'n', 'p50', 'p90', 'p99', 'max'],
        [
          seqRow('amibot, back to back', seq.amibot),
          seqRow('bare Bolt, back to back', seq.bare),
          seqRow('amibot, isolated', iso.amibot),
          seqRow('bare Bolt, isolated', iso.bare),
        ],
      ),
    ].join('\n');
    return { ...result, markdown };
  } finally {
    agents.amibot.destroy();
    agents.bare.destroy();
    await Promise.all([apps.amibot.close(), apps.bare.close()]);
    await fakes.close();
  }
}
