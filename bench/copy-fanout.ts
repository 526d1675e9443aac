/**
 * Copy fan-out: N approved `/ami copy <ami> --to <region>` requests (default 500) spread over three
 * destination regions, with copies that take 2 s in the fake AWS. Measures, per configuration of
 * `AMIBOT_COPY_IMAGE_RATE`:
 *
 * - total wall time (first approval → last request succeeded), and filing/approving time;
 * - CopyImage calls per region from the fake's call log: max in any sliding 1-s (and 10-s) window
 *   against the configured rate (+ the bucket's burst of 1), mean achieved rate, smallest gap;
 * - chat.update calls per request message (grouped by `ts`): mean, p95, max (goal ≤ 10), and the
 *   peak per second into the one approval channel;
 * - Redis: `INFO memory` used_memory before / after / after cleaning the completed copy jobs (what
 *   removeOnComplete would eventually do), keys under the prefix by kind, `MEMORY USAGE` sum;
 * - peak RSS (VmHWM) and CPU time of the web process and of each worker process.
 *
 * Processes: the fake AWS and the fake Slack each in a child (`copy-fakes.ts`); the bot as in
 * production, `src/main.ts` with `AMIBOT_ROLE=web` (one) and `AMIBOT_ROLE=worker` (two by
 * default), all configured through the environment only; this process only signs and POSTs the
 * slash commands and button clicks and reads Redis.
 *
 * `npx tsx bench/copy-fanout.ts [--quick] [--copy-rates=1,5] [--copy-workers=2] [--copy-concurrency=5]`
 * or `npm run bench -- copy [flags]`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { QUEUES } from '../src/jobs/catalog.js';
import { keyRoot } from '../src/store/keys.js';
import { createRedis } from '../src/store/redis.js';
import { buildBlockAction, buildSlashCommand, postSigned } from '../test/support/slack-requests.js';
import type {
  CopyCallRecord,
  CopyFakesInfo,
  CopyImageRecord,
  DescribeCallRecord,
  UpdateRecord,
} from './copy-fakes.js';
import { Child } from './lib/child.js';
import { percentileSorted, table } from './lib/stats.js';

export interface CopyFanoutOptions {
  requests: number;
  regions: string[];
  copyDurationMs: number;
  /** AMIBOT_COPY_IMAGE_RATE of each configuration to run. */
  rates: number[];
  workerProcesses: number;
  /** AMIBOT_WORKER_CONCURRENCY (per queue, per worker process). */
  concurrency: number;
  pollMs: number;
  maxPollMs: number;
  progressIntervalMs: number;
  /** Slash commands / clicks in flight while filing and approving. */
  inFlight: number;
  timeoutMs: number;
  /** Copies in flight per account and destination region (AMIBOT_MAX_COPIES_IN_FLIGHT; default 50). */
  maxCopiesInFlight?: number;
  /**
   * Also run the same configuration with the bot from another checkout (e.g. a worktree of an
   * older commit), side by side; its run may end at `compareTimeoutMs` with the figures so far.
   */
  compareRoot?: string;
  compareTimeoutMs: number;
}

export const COPY_FANOUT_DEFAULTS: CopyFanoutOptions = {
  requests: 500,
  regions: ['us-west-2', 'eu-west-1', 'ap-southeast-2'],
  copyDurationMs: 2000,
  rates: [1, 5],
  workerProcesses: 2,
  concurrency: 5,
  pollMs: 500,
  maxPollMs: 2000,
  progressIntervalMs: 1000,
  inFlight: 8,
  timeoutMs: 15 * 60_000,
  compareTimeoutMs: 10 * 60_000,
};

/**
 * Copies at real scale (`--scale`): 500 copies that take 60 s each in the fake, one worker process
 * with the default concurrency (5 per queue), production poll and progress settings.
 */
export const COPY_SCALE: Partial<CopyFanoutOptions> = {
  requests: 500,
  copyDurationMs: 60_000,
  rates: [1],
  workerProcesses: 1,
  concurrency: 5,
  pollMs: 5_000,
  maxPollMs: 60_000,
  progressIntervalMs: 3_000,
  timeoutMs: 20 * 60_000,
};

const SIGNING_SECRET = 'bench-copy-signing-secret-0123';
const CHANNEL = 'CCOPIES';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
/** The fake AWS's account for unknown access keys: the bot's account. */
const ACCOUNT_ID = '111111111111';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStats {
  role: string;
  pid: number;
  peakRssKb: number;
  cpuMs: number;
}

/** Peak RSS (VmHWM) and CPU time (utime + stime) of a live process, from /proc (Linux). */
function procStats(role: string, pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const peakRssKb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { role, pid, peakRssKb, cpuMs: (ticks * 1000) / CLK_TCK };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

/**
 * The bot as production runs it: `src/main.ts` (tsx) or `dist/src/main.js` (--compiled); with
 * `root`, the checkout at that path (its own node_modules), started from there.
 */
function startBot(role: 'web' | 'worker', env: Record<string, string>, root?: string): ChildProcess {
  if (root) {
    return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, AMIBOT_WORKER_PORT: '0', ...env, AMIBOT_ROLE: role },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const compiled = import.meta.url.endsWith('.js');
  const main = fileURLToPath(new URL(compiled ? '../src/main.js' : '../src/main.ts', import.meta.url));
  return spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), main], {
    env: { ...process.env, AMIBOT_WORKER_PORT: '0', ...env, AMIBOT_ROLE: role },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface ScaleFigures {
  region: string;
  /**
   * Most copies of the region in flight at once (from CopyImage times and the fake's copy time);
   * the ceiling is 25 here (EC2's per-source-region limit, all sources being in us-east-1).
   */
  maxInFlight: number;
  /** CopyImage starts per second before the region reached its ceiling (copies waiting to start). */
  startRateBeforeCeiling: number;
  startsBeforeCeiling: number;
  /** Status polls (DescribeImages in the region): count, smallest gap, most ids in one call. */
  polls: number;
  minPollGapMs: number;
  maxIdsPerPoll: number;
  /** Polls closer together than the configured first poll interval (more than one per cycle). */
  pollsInsideACycle: number;
}

function scaleFigures(
  region: string,
  starts: readonly number[],
  polls: readonly DescribeCallRecord[],
  o: CopyFanoutOptions,
): ScaleFigures {
  const sorted = [...starts].sort((a, b) => a - b);
  // Every source image is in us-east-1: the per-source limit (25) binds before the total (50).
  const ceiling = Math.min(o.maxCopiesInFlight ?? 50, 25);
  let maxInFlight = 0;
  let reachedAt = sorted.length;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i] as number;
    const inFlight = sorted.filter((s) => s <= t && t < s + o.copyDurationMs).length;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    if (inFlight >= ceiling && reachedAt === sorted.length) reachedAt = i + 1;
  }
  const before = sorted.slice(0, reachedAt);
  const span = before.length > 1 ? ((before.at(-1) as number) - (before[0] as number)) / 1000 : 0;
  const pollTimes = polls.map((p) => p.at).sort((a, b) => a - b);
  let minPollGapMs = Number.POSITIVE_INFINITY;
  let inside = 0;
  for (let i = 1; i < pollTimes.length; i++) {
    const gap = (pollTimes[i] as number) - (pollTimes[i - 1] as number);
    minPollGapMs = Math.min(minPollGapMs, gap);
    if (gap < o.pollMs * 0.9) inside++;
  }
  return {
    region,
    maxInFlight,
    startRateBeforeCeiling: span > 0 ? (before.length - 1) / span : Number.NaN,
    startsBeforeCeiling: before.length,
    polls: polls.length,
    minPollGapMs,
    maxIdsPerPoll: Math.max(0, ...polls.map((p) => p.ids)),
    pollsInsideACycle: inside,
  };
}

async function stopBot(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Max number of timestamps in any half-open window [t, t + windowMs); sorted input. */
function maxInWindow(sorted: readonly number[], windowMs: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

interface RegionRate {
  region: string;
  calls: number;
  failedCalls: number;
  spanS: number;
  meanPerS: number;
  max1s: number;
  max10s: number;
  minGapMs: number;
  /** 1-s windows (starting at a call) holding more calls than `rate` alone (the burst allows one more). */
  windowsOverRate: number;
}

function regionRates(
  calls: readonly CopyCallRecord[],
  regions: readonly string[],
  rate: number,
): RegionRate[] {
  return regions.map((region) => {
    const mine = calls.filter((c) => c.region === region);
    const at = mine.map((c) => c.at).sort((a, b) => a - b);
    const spanS = at.length > 1 ? ((at.at(-1) as number) - (at[0] as number)) / 1000 : 0;
    let minGapMs = Number.POSITIVE_INFINITY;
    for (let i = 1; i < at.length; i++)
      minGapMs = Math.min(minGapMs, (at[i] as number) - (at[i - 1] as number));
    let windowsOverRate = 0;
    let j = 0;
    for (let i = 0; i < at.length; i++) {
      while (j < at.length && (at[j] as number) - (at[i] as number) < 1000) j++;
      if (j - i > rate) windowsOverRate++;
    }
    return {
      region,
      calls: at.length,
      failedCalls: mine.filter((c) => c.status !== 200).length,
      spanS,
      meanPerS: spanS > 0 ? (at.length - 1) / spanS : Number.NaN,
      max1s: maxInWindow(at, 1000),
      max10s: maxInWindow(at, 10_000),
      minGapMs,
      windowsOverRate,
    };
  });
}

interface RedisSnapshot {
  usedMemory: number;
  keys: number;
  /** Sum of MEMORY USAGE over the prefix's keys. */
  prefixBytes: number;
  byKind: Record<string, { keys: number; bytes: number }>;
}

/** Groups a key by what it is: `req:<id>` → `req:*`, BullMQ job hashes → `bull:<queue>:<job>`, … */
function kindOf(key: string, root: string): string {
  const rest = key.slice(root.length + 1);
  if (rest.startsWith('bull:')) {
    const [, queue, sub] = rest.split(':');
    if (sub && /^(copy|exec|scan|repeat)-|^\d+$/.test(sub)) return `bull:${queue}:<job>`;
    if (sub?.startsWith('sched-') || sub?.startsWith('repeat:')) return `bull:${queue}:<scheduler>`;
    return `bull:${queue}:${sub ?? ''}`;
  }
  if (rest.startsWith('req:req-')) return 'req:<id>';
  if (rest.startsWith('progress:slot:')) return 'progress:slot:<msg>';
  if (rest.startsWith('progress:hash:')) return 'progress:hash:<msg>';
  if (rest.startsWith('progress:final:')) return 'progress:final:<msg>';
  if (rest.startsWith('progress:lock:')) return 'progress:lock:<msg>';
  if (rest.startsWith('ratelimit:')) return 'ratelimit:<bucket>';
  if (rest.startsWith('cache:')) return 'cache:*';
  return rest.replace(/[:-][0-9a-z]{6,}$/i, ':*');
}

/** `root`: the key root the bot under test writes under (`keyRoot(prefix)`, or the bare prefix of older code). */
async function redisSnapshot(redis: ReturnType<typeof createRedis>, root: string): Promise<RedisSnapshot> {
  const info = await redis.info('memory');
  const usedMemory = Number(info.match(/used_memory:(\d+)/)?.[1] ?? Number.NaN);
  const byKind: RedisSnapshot['byKind'] = {};
  let cursor = '0';
  let keys = 0;
  let prefixBytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${root}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of batch) pipe.memory('USAGE', k, 'SAMPLES', '0');
    const sizes = (await pipe.exec()) ?? [];
    batch.forEach((k, i) => {
      const bytes = Number(sizes[i]?.[1] ?? 0);
      const kind = kindOf(k, root);
      const entry = byKind[kind] ?? { keys: 0, bytes: 0 };
      byKind[kind] = entry;
      entry.keys++;
      entry.bytes += bytes;
      keys++;
      prefixBytes += bytes;
    });
  } while (cursor !== '0');
  return { usedMemory, keys, prefixBytes, byKind };
}

async function deletePrefix(redis: ReturnType<typeof createRedis>, root: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${root}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface CopyFanoutRun {
  /** Which code ran: `this tree` or the compared checkout. */
  label: string;
  /** The run hit its time limit: the figures are those of the copies so far. */
  timedOut: boolean;
  scale: ScaleFigures[];
  rate: number;
  requests: number;
  prefix: string;
  fileMs: number;
  approveMs: number;
  /** First approval sent → last request seen succeeded. */
  totalMs: number;
  /** First CopyImage → last CopyImage (fake's clock). */
  copySpanMs: number;
  states: Record<string, number>;
  copiesPerRequest: { ok: number; wrong: number };
  finalMessagesOk: number;
  /** From the last request finished to the last final message naming its copy (channel-paced). */
  finalsLandedMs: number;
  regions: RegionRate[];
  updates: {
    mean: number;
    p50: number;
    p95: number;
    max: number;
    total: number;
    over10: number;
    status429: number;
  };
  channelUpdates: {
    max1s: number;
    meanPerS: number;
    /** chat.update after every approval click was acked (progress and final updates). */
    copyPhase: number;
    copyPhaseMax1s: number;
    copyPhaseMeanPerS: number;
  };
  redis: { before: RedisSnapshot; after: RedisSnapshot; afterClean: RedisSnapshot; cleanedJobs: number };
  processes: ProcStats[];
  fakesCpuMs: { aws: number; slack: number };
  awsActions: Record<string, number>;
  slackMethods: Record<string, number>;
  loadavgBefore: number[];
  loadavgAfter: number[];
}

async function runOne(
  o: CopyFanoutOptions,
  rate: number,
  code: { label: string; root?: string; timeoutMs: number } = { label: 'this tree', timeoutMs: o.timeoutMs },
): Promise<CopyFanoutRun> {
  const prefix = `amibot-bench-copy-${randomUUID().slice(0, 8)}`;
  // Code from before the hash-tagged key root (docs/redis.md) keeps its keys under the bare prefix.
  const root = code.root && !existsSync(join(code.root, 'src/store/keys.ts')) ? prefix : keyRoot(prefix);
  const [aws, slack] = await Promise.all([
    Child.start<CopyFakesInfo>('copy-fake-aws', 'copy-fakes.ts', [
      JSON.stringify({ only: 'aws', copyDurationMs: o.copyDurationMs, accountId: ACCOUNT_ID }),
    ]),
    Child.start<CopyFakesInfo>('copy-fake-slack', 'copy-fakes.ts', [JSON.stringify({ only: 'slack' })]),
  ]);
  const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
  const bots: ChildProcess[] = [];
  const roles: string[] = [];
  try {
    const port = await freePort();
    const env: Record<string, string> = {
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.info.slackApiUrl as string,
      SLACK_BOT_USER_ID: slack.info.botUserId as string,
      REDIS_URL,
      AMIBOT_REDIS_PREFIX: prefix,
      AMIBOT_AWS_ENDPOINT: aws.info.awsUrl as string,
      AWS_ACCESS_KEY_ID: 'AKIAAMIBOTTEST000001',
      AWS_SECRET_ACCESS_KEY: 'test-secret-key',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AMIBOT_ACCOUNT_ID: ACCOUNT_ID,
      AMIBOT_APPROVERS: APPROVER,
      AMIBOT_APPROVAL_CHANNEL: CHANNEL,
      AMIBOT_COPY_IMAGE_RATE: String(rate),
      AMIBOT_COPY_POLL_MS: String(o.pollMs),
      AMIBOT_COPY_MAX_POLL_MS: String(o.maxPollMs),
      AMIBOT_PROGRESS_INTERVAL_MS: String(o.progressIntervalMs),
      AMIBOT_WORKER_CONCURRENCY: String(o.concurrency),
      ...(o.maxCopiesInFlight ? { AMIBOT_MAX_COPIES_IN_FLIGHT: String(o.maxCopiesInFlight) } : {}),
      AMIBOT_SANDBOX: '0',
      PORT: String(port),
      LOG_LEVEL: 'error',
    };
    bots.push(startBot('web', env, code.root));
    roles.push('web');
    for (let i = 0; i < o.workerProcesses; i++) {
      bots.push(startBot('worker', env, code.root));
      roles.push(`worker ${i + 1}`);
    }
    const url = `http://127.0.0.1:${port}`;

    // Ready: the web process answers HTTP, and every worker process has its copies worker connected.
    const copiesQueue = new Queue(QUEUES.copies, { connection: redis, prefix: `${root}:bull` });
    const bootUntil = Date.now() + 120_000;
    for (;;) {
      const up = await fetch(`${url}/slack/events`, { method: 'POST', body: '' }).then(
        () => true,
        () => false,
      );
      if (up && (await copiesQueue.getWorkersCount()) >= o.workerProcesses) break;
      if (bots.some((b) => b.exitCode !== null)) throw new Error('a bot process exited during boot');
      if (Date.now() > bootUntil) throw new Error('the bot processes did not come up within 120 s');
      await sleep(200);
    }

    const sources = await aws.call<string[]>('seed', { count: o.requests, tag: prefix.slice(-8) });
    await sleep(1000);
    const before = await redisSnapshot(redis, root);
    const loadavgBefore = loadavg();
    const awsUsage0 = await aws.usage();
    const slackUsage0 = await slack.usage();

    // File: one signed /ami copy per source image, destination regions round-robin.
    const fileStart = performance.now();
    const ids = await pool(sources, o.inFlight, async (imageId, i) => {
      const responseId = randomUUID();
      const region = o.regions[i % o.regions.length] as string;
      const body = buildSlashCommand({
        text: `copy ${imageId} --to ${region}`,
        userId: REQUESTER,
        channelId: 'C_OPS',
        responseUrl: `${slack.info.slackUrl}/response/${responseId}`,
      });
      const ack = await postSigned(`${url}/slack/events`, body, SIGNING_SECRET);
      if (ack.status !== 200) throw new Error(`slash ack HTTP ${ack.status}: ${ack.body}`);
      return slack.call<string>('requestIdOf', { id: responseId });
    });
    const fileMs = performance.now() - fileStart;
    const pendingStates = await Promise.all(ids.map((id) => redis.hget(`${root}:req:${id}`, 'state')));
    const notPending = pendingStates.filter((s) => s !== 'pending').length;
    if (notPending > 0) throw new Error(`${notPending} request(s) are not pending after filing`);

    // Approve: one signed button click per request, by the approver in the approval channel.
    const approveStart = performance.now();
    await pool(ids, o.inFlight, async (id) => {
      const body = buildBlockAction({
        actionId: 'request_approve',
        value: id,
        userId: APPROVER,
        channelId: CHANNEL,
        responseUrl: `${slack.info.slackUrl}/response/${randomUUID()}`,
      });
      const ack = await postSigned(`${url}/slack/events`, body, SIGNING_SECRET);
      if (ack.status !== 200) throw new Error(`click ack HTTP ${ack.status}: ${ack.body}`);
    });
    const approveMs = performance.now() - approveStart;
    const approvedAt = Date.now();

    // Wait (bounded) until every request has finished.
    const remaining = new Set(ids);
    const states: Record<string, number> = {};
    const until = Date.now() + code.timeoutMs;
    let timedOut = false;
    let lastReport = Date.now();
    while (remaining.size > 0) {
      const list = [...remaining];
      const pipe = redis.pipeline();
      for (const id of list) pipe.hget(`${root}:req:${id}`, 'state');
      const res = (await pipe.exec()) ?? [];
      list.forEach((id, i) => {
        const s = res[i]?.[1] as string | null;
        if (s && ['succeeded', 'failed', 'cancelled'].includes(s)) {
          remaining.delete(id);
          states[s] = (states[s] ?? 0) + 1;
        }
      });
      if (remaining.size === 0) break;
      if (bots.some((b) => b.exitCode !== null)) throw new Error('a bot process exited during the run');
      if (Date.now() > until) {
        timedOut = true;
        process.stderr.write(
          `  ${code.label}: stopped after ${code.timeoutMs / 1000} s with ${remaining.size} of ${ids.length} requests not finished\n`,
        );
        break;
      }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        process.stderr.write(
          `  ${code.label}, rate ${rate}: ${ids.length - remaining.size}/${ids.length} finished after ${((performance.now() - approveStart) / 1000).toFixed(0)} s\n`,
        );
      }
      await sleep(250);
    }
    const totalMs = performance.now() - approveStart;
    const loadavgAfter = loadavg();
    // Let the final chat.update / thread reply / audit of the last request land.
    await sleep(2000);

    // Correctness: one available copy per request, final message naming it.
    const copies = await aws.call<CopyImageRecord[]>('copies');
    const byReq = new Map<string, CopyImageRecord[]>();
    for (const c of copies) byReq.set(c.requestId, [...(byReq.get(c.requestId) ?? []), c]);
    const requests = await Promise.all(
      ids.map(async (id) => JSON.parse((await redis.hget(`${root}:req:${id}`, 'data')) ?? 'null')),
    );
    let ok = 0;
    const tsOfRequest = new Map<string, string>();
    for (const [i, r] of requests.entries()) {
      const region = o.regions[i % o.regions.length] as string;
      const mine = byReq.get(r.id) ?? [];
      if (mine.length === 1 && mine[0]?.region === region && mine[0]?.state === 'available') ok++;
      if (r.message?.ts) tsOfRequest.set(r.id, r.message.ts);
    }
    // Final messages are paced by the channel budget (AMIBOT_CHANNEL_UPDATES_PER_MINUTE, like
    // Slack's chat.update limit), so the last ones may land after the last request finished:
    // wait for them (bounded) and say how long that took.
    const countFinals = async () => {
      let n = 0;
      for (const [i, r] of requests.entries()) {
        const region = o.regions[i % o.regions.length] as string;
        const imageId = r.progress?.[region]?.imageId;
        if (!r.message?.ts || !imageId) continue;
        const text = await slack.call<string>('messageText', {
          channel: r.message.channel,
          ts: r.message.ts,
        });
        if (text.includes(imageId)) n++;
      }
      return n;
    };
    const finalsUntil = Date.now() + 5 * 60_000;
    let finalMessagesOk = await countFinals();
    while (finalMessagesOk < tsOfRequest.size && Date.now() < finalsUntil) {
      await sleep(2000);
      finalMessagesOk = await countFinals();
    }
    const finalsLandedMs = performance.now() - approveStart - totalMs;

    // CopyImage rate per region.
    const calls = await aws.call<CopyCallRecord[]>('copyCalls');
    const callTimes = calls.map((c) => c.at).sort((a, b) => a - b);
    const regions = regionRates(calls, o.regions, rate);
    const describes = await aws.call<DescribeCallRecord[]>('describeCalls');
    const scale = o.regions.map((region) =>
      scaleFigures(
        region,
        calls.filter((c) => c.region === region && c.status === 200).map((c) => c.at),
        describes.filter((d) => d.region === region),
        o,
      ),
    );

    // chat.update per request message.
    const updates = await slack.call<UpdateRecord[]>('updates');
    const perTs = new Map<string, number>();
    for (const u of updates) perTs.set(u.ts, (perTs.get(u.ts) ?? 0) + 1);
    const perRequest = ids.map((id) => perTs.get(tsOfRequest.get(id) ?? '') ?? 0).sort((a, b) => a - b);
    const updateTimes = updates.map((u) => u.at).sort((a, b) => a - b);
    const updSpanS =
      updateTimes.length > 1 ? ((updateTimes.at(-1) as number) - (updateTimes[0] as number)) / 1000 : 0;
    // After the last click was acked: progress and final updates only (approval refreshes are done).
    const copyPhase = updateTimes.filter((t) => t > approvedAt);
    const copySpanS =
      copyPhase.length > 1 ? ((copyPhase.at(-1) as number) - (copyPhase[0] as number)) / 1000 : 0;

    const processes = bots.map((b, i) => procStats(roles[i] as string, b.pid as number));
    const awsUsage1 = await aws.usage();
    const slackUsage1 = await slack.usage();
    const awsActions = await aws.call<Record<string, number>>('actionCounts');
    const slackMethods = await slack.call<Record<string, number>>('methodCounts');

    // Redis after completion, then after the completed copy jobs are removed (what
    // removeOnComplete's age of 7 days would do; its count of 1000 keeps all 500).
    const after = await redisSnapshot(redis, root);
    const cleaned = await copiesQueue.clean(0, 100_000, 'completed');
    await sleep(200);
    const afterClean = await redisSnapshot(redis, root);
    await copiesQueue.close();

    return {
      label: code.label,
      timedOut,
      scale,
      rate,
      requests: ids.length,
      prefix,
      fileMs,
      approveMs,
      totalMs,
      copySpanMs: callTimes.length > 1 ? (callTimes.at(-1) as number) - (callTimes[0] as number) : 0,
      states,
      copiesPerRequest: { ok, wrong: ids.length - ok },
      finalMessagesOk,
      finalsLandedMs,
      regions,
      updates: {
        mean: perRequest.reduce((s, v) => s + v, 0) / perRequest.length,
        p50: percentileSorted(perRequest, 50),
        p95: percentileSorted(perRequest, 95),
        max: perRequest.at(-1) as number,
        total: updates.length,
        over10: perRequest.filter((v) => v > 10).length,
        status429: updates.filter((u) => u.status !== 200).length,
      },
      channelUpdates: {
        max1s: maxInWindow(updateTimes, 1000),
        meanPerS: updSpanS > 0 ? updateTimes.length / updSpanS : Number.NaN,
        copyPhase: copyPhase.length,
        copyPhaseMax1s: maxInWindow(copyPhase, 1000),
        copyPhaseMeanPerS: copySpanS > 0 ? copyPhase.length / copySpanS : Number.NaN,
      },
      redis: { before, after, afterClean, cleanedJobs: cleaned.length },
      processes,
      fakesCpuMs: {
        aws:
          (awsUsage1.userMicros - awsUsage0.userMicros + awsUsage1.systemMicros - awsUsage0.systemMicros) /
          1000,
        slack:
          (slackUsage1.userMicros -
            slackUsage0.userMicros +
            slackUsage1.systemMicros -
            slackUsage0.systemMicros) /
          1000,
      },
      awsActions,
      slackMethods,
      loadavgBefore,
      loadavgAfter,
    };
  } finally {
    await Promise.all(bots.map(stopBot));
    await deletePrefix(redis, root).catch(() => {});
    redis.disconnect();
    await Promise.all([aws.close(), slack.close()]);
  }
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const mibKb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

function report(o: CopyFanoutOptions, runs: CopyFanoutRun[]): string {
  const lines: string[] = [];
  lines.push(
    `${o.requests} requests, 1 region each, round-robin over ${o.regions.join(', ')}; copy ${o.copyDurationMs} ms in the fake; ` +
      `${o.workerProcesses} worker process(es) × concurrency ${o.concurrency}; poll ${o.pollMs}→${o.maxPollMs} ms; progress interval ${o.progressIntervalMs} ms.`,
    '',
  );
  lines.push(
    table(
      [
        '',
        ...runs.map((r) => `${r.label}, rate ${r.rate}/s${r.timedOut ? ' (stopped at its time limit)' : ''}`),
      ],
      [
        ['filing (slash → request id), in flight ' + o.inFlight, ...runs.map((r) => s1(r.fileMs))],
        ['approving (clicks acked)', ...runs.map((r) => s1(r.approveMs))],
        ['**total: first approval → last succeeded**', ...runs.map((r) => `**${s1(r.totalMs)}**`)],
        ['first → last CopyImage', ...runs.map((r) => s1(r.copySpanMs))],
        [
          'requests succeeded / failed',
          ...runs.map((r) => `${r.states.succeeded ?? 0} / ${r.states.failed ?? 0}`),
        ],
        [
          'one available copy in the right region',
          ...runs.map((r) => `${r.copiesPerRequest.ok}/${r.requests}`),
        ],
        [
          'final message names the copy (last one landed, s after the last request finished)',
          ...runs.map(
            (r) => `${r.finalMessagesOk}/${r.requests} (${(r.finalsLandedMs / 1000).toFixed(1)} s)`,
          ),
        ],
        ...o.regions.map((region) => [
          `${region}: max copies in flight; CopyImage starts/s before the ceiling (starts)`,
          ...runs.map((r) => {
            const x = r.scale.find((g) => g.region === region);
            return x
              ? `${x.maxInFlight}; ${x.startRateBeforeCeiling.toFixed(2)}/s (${x.startsBeforeCeiling}) = ${((100 * x.startRateBeforeCeiling) / r.rate).toFixed(0)} % of ${r.rate}/s`
              : 'n/a';
          }),
        ]),
        ...o.regions.map((region) => [
          `${region}: status polls (DescribeImages), min gap, most ids in one, gaps < poll interval`,
          ...runs.map((r) => {
            const x = r.scale.find((g) => g.region === region);
            return x ? `${x.polls}, ${x.minPollGapMs} ms, ${x.maxIdsPerPoll}, ${x.pollsInsideACycle}` : 'n/a';
          }),
        ]),
        ...o.regions.map((region) => [
          `CopyImage ${region}: calls, mean/s, max in 1 s, max in 10 s, min gap`,
          ...runs.map((r) => {
            const x = r.regions.find((g) => g.region === region);
            return x
              ? `${x.calls}, ${x.meanPerS.toFixed(2)}/s, ${x.max1s}, ${x.max10s}, ${x.minGapMs} ms`
              : 'n/a';
          }),
        ]),
        [
          'CopyImage limit check: max in 1 s ≤ rate + 1 (burst)',
          ...runs.map((r) => {
            const worst = Math.max(...r.regions.map((g) => g.max1s));
            return `${worst} ≤ ${r.rate + 1}: ${worst <= r.rate + 1 ? 'ok' : '**EXCEEDED**'}`;
          }),
        ],
        [
          '1-s windows with more than `rate` calls',
          ...runs.map((r) => String(r.regions.reduce((s, g) => s + g.windowsOverRate, 0))),
        ],
        [
          'chat.update per request message: mean / p50 / p95 / max',
          ...runs.map(
            (r) => `${r.updates.mean.toFixed(2)} / ${r.updates.p50} / ${r.updates.p95} / ${r.updates.max}`,
          ),
        ],
        ['messages with > 10 updates', ...runs.map((r) => String(r.updates.over10))],
        [
          'chat.update into the approval channel: total, mean/s, max in 1 s',
          ...runs.map(
            (r) => `${r.updates.total}, ${r.channelUpdates.meanPerS.toFixed(1)}/s, ${r.channelUpdates.max1s}`,
          ),
        ],
        [
          '… of which after the last approval: total, mean/s, max in 1 s',
          ...runs.map(
            (r) =>
              `${r.channelUpdates.copyPhase}, ${r.channelUpdates.copyPhaseMeanPerS.toFixed(1)}/s, ${r.channelUpdates.copyPhaseMax1s}`,
          ),
        ],
        [
          'Redis used_memory before → after → after cleaning completed jobs',
          ...runs.map(
            (r) =>
              `${kib(r.redis.before.usedMemory)} → ${kib(r.redis.after.usedMemory)} → ${kib(r.redis.afterClean.usedMemory)}`,
          ),
        ],
        [
          'keys under the prefix (MEMORY USAGE sum) after → after cleaning',
          ...runs.map(
            (r) =>
              `${r.redis.after.keys} (${kib(r.redis.after.prefixBytes)}) → ${r.redis.afterClean.keys} (${kib(r.redis.afterClean.prefixBytes)})`,
          ),
        ],
        ...runs[0]!.processes.map((p, i) => [
          `${p.role}: peak RSS, CPU`,
          ...runs.map((r) => {
            const q = r.processes[i];
            return q ? `${mibKb(q.peakRssKb)}, ${s1(q.cpuMs)}` : 'n/a';
          }),
        ]),
        [
          'fake AWS / fake Slack CPU (measured phase)',
          ...runs.map((r) => `${s1(r.fakesCpuMs.aws)} / ${s1(r.fakesCpuMs.slack)}`),
        ],
        [
          'load average (1 min) before → after',
          ...runs.map((r) => `${r.loadavgBefore[0]?.toFixed(2)} → ${r.loadavgAfter[0]?.toFixed(2)}`),
        ],
      ],
    ),
  );
  for (const r of runs) {
    lines.push('', `Redis keys by kind after completion, rate ${r.rate}/s (keys, MEMORY USAGE):`, '');
    const kinds = Object.entries(r.redis.after.byKind).sort((a, b) => b[1].bytes - a[1].bytes);
    lines.push(
      table(
        ['kind', 'keys', 'bytes', 'after cleaning: keys', 'bytes'],
        kinds.map(([k, v]) => {
          const c = r.redis.afterClean.byKind[k];
          return [`\`${k}\``, String(v.keys), kib(v.bytes), String(c?.keys ?? 0), kib(c?.bytes ?? 0)];
        }),
      ),
    );
    lines.push(
      '',
      `EC2 calls (rate ${r.rate}/s): ${Object.entries(r.awsActions)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ')}; Slack calls: ${Object.entries(r.slackMethods)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ')}; cleaned completed jobs: ${r.redis.cleanedJobs}.`,
    );
  }
  return lines.join('\n');
}

export async function runCopyFanout(
  opts: Partial<CopyFanoutOptions> = {},
): Promise<{ markdown: string } & Record<string, unknown>> {
  const o = { ...COPY_FANOUT_DEFAULTS, ...opts };
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model,
    totalMem: totalmem(),
    freeMem: freemem(),
    node: process.version,
  };
  const runs: CopyFanoutRun[] = [];
  for (const rate of o.rates) {
    process.stderr.write(`copy fan-out: rate ${rate}/s, ${o.requests} requests …\n`);
    runs.push(await runOne(o, rate));
    if (o.compareRoot) {
      process.stderr.write(`copy fan-out: the same with ${o.compareRoot} …\n`);
      runs.push(
        await runOne(o, rate, { label: o.compareRoot, root: o.compareRoot, timeoutMs: o.compareTimeoutMs }),
      );
    }
  }
  return { markdown: report(o, runs), options: o, machine, runs };
}

/**
 * Flags: `--quick`, `--scale` (COPY_SCALE), `--compare=<checkout>`, `--copy-ceiling=50`, `--copy-rates=1,5`,
 * `--copy-workers=2`, `--copy-concurrency=5`, `--copy-requests=500`.
 */
export function copyFanoutOptionsFromFlags(
  quick: boolean,
  flags: readonly string[],
): Partial<CopyFanoutOptions> {
  const flag = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  const out: Partial<CopyFanoutOptions> = flags.includes('--scale')
    ? { ...COPY_SCALE, ...(quick ? { requests: 60, copyDurationMs: 20_000 } : {}) }
    : quick
      ? { requests: 30, rates: [5] }
      : {};
  const compare = flag('compare');
  if (compare) out.compareRoot = compare;
  const ceiling = flag('copy-ceiling');
  if (ceiling) out.maxCopiesInFlight = Number(ceiling);
  const rates = flag('copy-rates');
  if (rates) out.rates = rates.split(',').map(Number);
  const workers = flag('copy-workers');
  if (workers) out.workerProcesses = Number(workers);
  const concurrency = flag('copy-concurrency');
  if (concurrency) out.concurrency = Number(concurrency);
  const requests = flag('copy-requests');
  if (requests) out.requests = Number(requests);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const result = await runCopyFanout(copyFanoutOptionsFromFlags(args.includes('--quick'), args));
  console.log(result.markdown);
  console.log(`\n${JSON.stringify({ machine: result.machine }, null, 2)}`);
}
