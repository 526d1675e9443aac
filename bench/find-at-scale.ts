/**
 * `/ami find` against a big owner: 100,000 public Canonical images in the fake AWS, served in
 * pages of 1,000. Measures, interleaved round by round in one run:
 *
 * - raw: the SDK's own `paginateDescribeImages` (same owner and filters, PageSize 1000) consuming
 *   every page, on a client configured exactly like the bot's, in the bot's process: the floor;
 * - cold: a signed `/ami find ubuntu 24.04 arm64 --limit 5` through the real app with the cache
 *   key deleted first, timed from the request to the response_url answer arriving here (checked:
 *   DescribeImages calls happened, and the answer says "fresh from EC2");
 * - warm: the same request answered from the Redis cache (checked: no DescribeImages call);
 * - the bot process's peak RSS (`process.resourceUsage().maxRSS`), in a separate fresh process
 *   that only serves finds.
 *
 * Processes: this one (load + the fake Slack receiving answers), the bot (app-server.ts) and the
 * fake AWS (fakes-server.ts), so the fake's XML rendering is not inside the bot's process.
 */
import { randomUUID } from 'node:crypto';
import type { DescribeImagesCommandInput } from '@aws-sdk/client-ec2';
import { FakeSlack, type RecordedResponse } from '../dev/fake-slack/fake-slack.js';
import { DEFAULT_TRUSTED_OWNERS } from '../src/config.js';
import { interpretFindQuery } from '../src/domain/find-query.js';
import { parseCommand } from '../src/domain/grammar/index.js';
import { allText, SIGNING_SECRET } from '../test/support/app-under-test.js';
import type { AppServerInfo, FindTiming, RawPaginatorResult } from './app-server.js';
import type { AwsCallCounts, FakesInfo, FakesOptions } from './fakes-server.js';
import { Child, cpuMsBetween, type ProcessUsage } from './lib/child.js';
import { keepAliveAgent, postSigned, signedSlash } from './lib/slack-load.js';
import { median, mib, ms, ratio, type Summary, summarize, table } from './lib/stats.js';

export interface FindAtScaleOptions {
  images: number;
  pageSize: number;
  text: string;
  rounds: number;
  warmPerRound: number;
  cacheTtlSeconds: number;
  /** A wider query (more pages) run cold in the RSS probe, to see whether memory follows the page count. */
  wideText: string;
  /** Where to write CPU profiles of extra cold and raw runs; none when unset. */
  profileDir?: string;
}

export const FIND_DEFAULTS: FindAtScaleOptions = {
  images: 100_000,
  pageSize: 1000,
  text: 'find ubuntu 24.04 arm64 --limit 5',
  rounds: 5,
  warmPerRound: 40,
  cacheTtlSeconds: 600,
  wideText: 'find ubuntu arm64 --limit 5',
};

/** CPU time (user + system) the bot and the fake AWS spent during one run. */
interface RunCpu {
  botCpuMs: number;
  fakeCpuMs: number;
}

interface ColdRun extends RunCpu {
  totalMs: number;
  ackMs: number;
  find: FindTiming;
  describeImagesCalls: number;
  cacheKeysDeleted: number;
}

interface RawRun extends RawPaginatorResult, RunCpu {}

export interface FindAtScaleResult {
  options: FindAtScaleOptions;
  seedMs: number;
  pages: number;
  imagesReturned: number;
  sameParams: boolean;
  firstFindAfterBoot: ColdRun;
  raw: RawRun[];
  cold: ColdRun[];
  rawMedian: number;
  coldMedian: number;
  findNewestMedian: number;
  coldRawRatio: number;
  medianRoundRatio: number;
  warm: Summary;
  warmRoundP50s: number[];
  rss: {
    probeBoot: ProcessUsage;
    probeAfterFinds: ProcessUsage;
    probeAfterWide: ProcessUsage;
    wide: ColdRun[];
    mainBoot: ProcessUsage;
    mainEnd: ProcessUsage;
    fakes: ProcessUsage;
  };
  markdown: string;
}

/** The DescribeImages input the bot sends for `text`: the same rules as `buildInput` in src/aws/ec2.ts. */
export function describeInputFor(text: string): DescribeImagesCommandInput {
  const parsed = parseCommand(text);
  if (!parsed.ok || parsed.command.name !== 'find') throw new Error(`not a find command: ${text}`);
  const plan = interpretFindQuery(parsed.command, DEFAULT_TRUSTED_OWNERS);
  const filters: Array<{ Name: string; Values: string[] }> = [];
  if (plan.namePatterns.length) filters.push({ Name: 'name', Values: plan.namePatterns });
  if (plan.arch) filters.push({ Name: 'architecture', Values: [plan.arch] });
  filters.push({ Name: 'state', Values: ['available'] });
  for (const f of plan.extraFilters) filters.push({ Name: f.name, Values: f.values });
  return {
    Owners: plan.owners.length ? plan.owners : undefined,
    Filters: filters,
    IncludeDeprecated: parsed.command.includeDeprecated ? true : undefined,
  };
}

function sortedJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));
}

export async function runFindAtScale(partial: Partial<FindAtScaleOptions> = {}): Promise<FindAtScaleResult> {
  const o: FindAtScaleOptions = { ...FIND_DEFAULTS, ...partial };
  const input = describeInputFor(o.text);
  const fakes = await Child.start<FakesInfo>(
    'fakes',
    'fakes-server.ts',
    [JSON.stringify({ images: o.images, seed: 1 } satisfies FakesOptions)],
    { timeoutMs: 600_000 },
  );
  const fakeSlack = await FakeSlack.start();
  const arrivals = new Map<string, (response: RecordedResponse, at: number) => void>();
  fakeSlack.onResponse((r) => {
    const at = performance.now();
    arrivals.get(r.id)?.(r, at);
  });
  const agent = keepAliveAgent(4);
  const startBot = (name: string) =>
    Child.start<AppServerInfo>(name, 'app-server.ts', [
      'amibot',
      JSON.stringify({
        awsUrl: fakes.info.awsUrl,
        slackApiUrl: fakeSlack.apiUrl,
        cacheTtlSeconds: o.cacheTtlSeconds,
      }),
    ]);

  /** One signed find, timed from the request to its response_url answer arriving here. */
  const ask = async (bot: Child<AppServerInfo>, text = o.text) => {
    const id = randomUUID();
    const req = signedSlash(text, fakeSlack.url, id, SIGNING_SECRET);
    const answered = new Promise<{ response: RecordedResponse; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${id} within 120 s`)), 120_000);
      arrivals.set(id, (response, at) => {
        clearTimeout(timer);
        arrivals.delete(id);
        resolve({ response, at });
      });
    });
    const started = performance.now();
    const ack = await postSigned(agent, new URL('/slack/events', bot.info.url), req);
    if (ack.status !== 200) throw new Error(`ack HTTP ${ack.status}: ${ack.body}`);
    const { response, at } = await answered;
    return { totalMs: at - started, ackMs: ack.ms, text: allText(response.body) };
  };

  /** CPU the bot and the fake spend while `work` runs. */
  const withCpu = async <T>(bot: Child<AppServerInfo>, work: () => Promise<T>): Promise<T & RunCpu> => {
    const [botBefore, fakeBefore] = await Promise.all([bot.usage(), fakes.usage()]);
    const result = await work();
    const [botAfter, fakeAfter] = await Promise.all([bot.usage(), fakes.usage()]);
    return {
      ...result,
      botCpuMs: cpuMsBetween(botBefore, botAfter),
      fakeCpuMs: cpuMsBetween(fakeBefore, fakeAfter),
    };
  };

  const cold = async (bot: Child<AppServerInfo>, text = o.text): Promise<ColdRun> => {
    const cacheKeysDeleted = await bot.call<number>('clearCache');
    await fakes.call('resetCalls');
    const r = await withCpu(bot, () => ask(bot, text));
    const calls = await fakes.call<AwsCallCounts>('awsCalls');
    const finds = await bot.call<FindTiming[]>('takeFinds');
    const find = finds[0];
    if (!find || finds.length !== 1) throw new Error(`expected one findNewest, got ${finds.length}`);
    if (calls.describeImages === 0 || calls.describeImages !== find.pages)
      throw new Error(
        `cold find not cold: ${calls.describeImages} DescribeImages calls, ${find.pages} pages`,
      );
    if (!r.text.includes('fresh from EC2')) throw new Error('cold answer does not say "fresh from EC2"');
    return {
      totalMs: r.totalMs,
      ackMs: r.ackMs,
      find,
      describeImagesCalls: calls.describeImages,
      cacheKeysDeleted,
      botCpuMs: r.botCpuMs,
      fakeCpuMs: r.fakeCpuMs,
    };
  };

  const raw = async (bot: Child<AppServerInfo>): Promise<RawRun> => {
    await fakes.call('resetCalls');
    const result = await withCpu(bot, () =>
      bot.call<RawPaginatorResult>('raw', { input, pageSize: o.pageSize }),
    );
    const calls = await fakes.call<AwsCallCounts>('awsCalls');
    if (calls.describeImages !== result.pages) throw new Error('raw paginator: page count mismatch');
    return result;
  };

  const warm = async (bot: Child<AppServerInfo>, count: number): Promise<number[]> => {
    await fakes.call('resetCalls');
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const r = await ask(bot);
      if (!r.text.includes('from cache')) throw new Error('warm answer was not served from the cache');
      times.push(r.totalMs);
    }
    const calls = await fakes.call<AwsCallCounts>('awsCalls');
    if (calls.describeImages !== 0)
      throw new Error(`warm finds called DescribeImages ${calls.describeImages}×`);
    return times;
  };

  let bot: Child<AppServerInfo> | undefined;
  let probe: Child<AppServerInfo> | undefined;
  try {
    bot = await startBot('amibot');
    const mainBoot = await bot.usage();

    // The very first find of a fresh process (cold JIT, cold SDK client, STS lookup): reported apart.
    const firstFindAfterBoot = await cold(bot);
    const paramsBot = (await fakes.call<Record<string, unknown>[]>('describeImagesParams'))[0] ?? {};
    const rawWarmup = await raw(bot);
    const paramsRaw = (await fakes.call<Record<string, unknown>[]>('describeImagesParams'))[0] ?? {};
    const sameParams = sortedJson(paramsBot) === sortedJson(paramsRaw);

    const raws: RawRun[] = [];
    const colds: ColdRun[] = [];
    const warms: number[] = [];
    const warmRoundP50s: number[] = [];
    const roundRatios: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      let rawRun: RawRun | undefined;
      let coldRun: ColdRun | undefined;
      const steps = r % 2 === 0 ? (['raw', 'cold'] as const) : (['cold', 'raw'] as const);
      for (const step of steps) {
        if (step === 'raw') rawRun = await raw(bot);
        else coldRun = await cold(bot);
      }
      if (!coldRun || !rawRun) throw new Error('missing run');
      raws.push(rawRun);
      colds.push(coldRun);
      roundRatios.push(coldRun.totalMs / rawRun.ms);
      // The cold run just filled the cache: these are served from Redis.
      const times = await warm(bot, o.warmPerRound);
      warms.push(...times);
      warmRoundP50s.push(summarize(times).p50);
    }
    const mainEnd = await bot.usage();
    if (o.profileDir) {
      // Not part of the figures above: extra runs under the profiler (bot and fake AWS).
      for (const kind of ['cold', 'raw'] as const) {
        await Promise.all([bot.profileStart(), fakes.profileStart()]);
        for (let i = 0; i < 3; i++) await (kind === 'cold' ? cold(bot) : raw(bot));
        await Promise.all([
          bot.profileStop(`${o.profileDir}/find-${kind}-bot.cpuprofile`),
          fakes.profileStop(`${o.profileDir}/find-${kind}-fakes.cpuprofile`),
        ]);
      }
    }
    await bot.close();
    bot = undefined;

    // Peak RSS of a bot process that only serves finds (the main one also ran the raw paginator).
    probe = await startBot('amibot-rss-probe');
    const probeBoot = await probe.usage();
    for (let i = 0; i < 3; i++) await cold(probe);
    await warm(probe, o.warmPerRound);
    const probeAfterFinds = await probe.usage();
    const wide: ColdRun[] = [];
    for (let i = 0; i < 3; i++) wide.push(await cold(probe, o.wideText));
    const probeAfterWide = await probe.usage();
    await probe.close();
    probe = undefined;
    const fakesUsage = await fakes.usage();

    const rawMedian = median(raws.map((r) => r.ms));
    const coldMedian = median(colds.map((c) => c.totalMs));
    const findNewestMedian = median(colds.map((c) => c.find.ms));
    const warmSummary = summarize(warms);
    const coldRawRatio = coldMedian / rawMedian;
    const first = colds[0] as ColdRun;
    const result: Omit<FindAtScaleResult, 'markdown'> = {
      options: o,
      seedMs: fakes.info.seedMs,
      pages: rawWarmup.pages,
      imagesReturned: rawWarmup.images,
      sameParams,
      firstFindAfterBoot,
      raw: raws,
      cold: colds,
      rawMedian,
      coldMedian,
      findNewestMedian,
      coldRawRatio,
      medianRoundRatio: median(roundRatios),
      warm: warmSummary,
      warmRoundP50s,
      rss: { probeBoot, probeAfterFinds, probeAfterWide, wide, mainBoot, mainEnd, fakes: fakesUsage },
    };
    const kib = (u: ProcessUsage) => mib(u.maxRssKb * 1024);
    const markdown = [
      `/ami ${o.text} against ${o.images.toLocaleString('en-US')} Canonical images ` +
        `(seeded in ${(fakes.info.seedMs / 1000).toFixed(1)} s); EC2 answers ${rawWarmup.images.toLocaleString('en-US')} ` +
        `matching images in ${rawWarmup.pages} pages of ≤ ${o.pageSize}; ${o.rounds} rounds, raw/cold order alternating.`,
      `Bot and raw paginator send the same DescribeImages parameters: ${sameParams ? 'yes' : 'NO'}.`,
      '',
      table(
        ['measure', 'median', 'runs', 'goal', 'met?'],
        [
          [
            '(a) raw SDK paginator, all pages',
            ms(rawMedian),
            raws.map((v) => v.ms.toFixed(0)).join(', '),
            'floor',
            '—',
          ],
          [
            '(b) cold find, request → answer',
            ms(coldMedian),
            colds.map((c) => c.totalMs.toFixed(0)).join(', '),
            '≤ 1.2× raw',
            coldRawRatio <= 1.2 ? 'yes' : 'NO',
          ],
          [
            '… of which findNewest (EC2 walk in the bot)',
            ms(findNewestMedian),
            colds.map((c) => c.find.ms.toFixed(0)).join(', '),
            '',
            '',
          ],
          ['… of which the ack', ms(median(colds.map((c) => c.ackMs)), 2), '', '', ''],
          [
            'cold / raw ratio',
            ratio(coldRawRatio),
            `per round: ${roundRatios.map((v) => v.toFixed(2)).join(', ')}`,
            '≤ 1.2',
            coldRawRatio <= 1.2 ? 'yes' : 'NO',
          ],
          [
            `(c) warm find p50 (${warmSummary.n} requests)`,
            ms(warmSummary.p50, 2),
            `per-round p50: ${warmRoundP50s.map((v) => v.toFixed(1)).join(', ')}`,
            '≤ 50 ms',
            warmSummary.p50 <= 50 ? 'yes' : 'NO',
          ],
          [`(c) warm find p99 / max`, `${ms(warmSummary.p99, 2)} / ${ms(warmSummary.max, 2)}`, '', '', ''],
          [
            '(d) bot peak RSS (probe process: boot, 3 cold + warm finds)',
            kib(probeAfterFinds),
            `at boot: ${kib(probeBoot)}`,
            '',
            '',
          ],
        ],
      ),
      '',
      `- First find after boot (cold process, SDK client and STS lookup): ${ms(firstFindAfterBoot.totalMs)} ` +
        `(findNewest ${ms(firstFindAfterBoot.find.ms)}).`,
      `- Cold runs: ${first.find.pages} pages, ${first.find.scanned.toLocaleString('en-US')} images scanned by the bot, ` +
        `${first.describeImagesCalls} DescribeImages calls each; cache keys deleted before each: ` +
        `${colds.map((c) => c.cacheKeysDeleted).join(', ')}.`,
      `- CPU per walk (median): raw paginator — bot process ${ms(median(raws.map((r) => r.botCpuMs)), 0)}, ` +
        `fake AWS ${ms(median(raws.map((r) => r.fakeCpuMs)), 0)}; cold find — bot process ` +
        `${ms(median(colds.map((c) => c.botCpuMs)), 0)}, fake AWS ${ms(median(colds.map((c) => c.fakeCpuMs)), 0)}. ` +
        'Pages are fetched one after the other, so wall time ≈ bot CPU + fake CPU + transfer.',
      `- Wide query \`${o.wideText}\` in the RSS probe: ${wide[0]?.find.pages} pages, ` +
        `${wide[0]?.find.scanned.toLocaleString('en-US')} images, cold ${wide.map((w) => w.totalMs.toFixed(0)).join(', ')} ms; ` +
        `peak RSS after it ${kib(probeAfterWide)} (before it ${kib(probeAfterFinds)}); current RSS / heap used ` +
        `${mib(probeAfterFinds.rssBytes)} / ${mib(probeAfterFinds.heapUsedBytes)} before, ` +
        `${mib(probeAfterWide.rssBytes)} / ${mib(probeAfterWide.heapUsedBytes)} after.`,
      `- Main bot process (also ran the raw paginator): peak RSS ${kib(mainEnd)} (at boot ${kib(mainBoot)}). ` +
        `Fake AWS process: peak RSS ${kib(fakesUsage)}.`,
    ].join('\n');
    return { ...result, markdown };
  } finally {
    agent.destroy();
    await bot?.close();
    await probe?.close();
    await fakeSlack.close();
    await fakes.close();
  }
}
