import { randomUUID } from 'node:crypto';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack, type RecordedResponse } from '../../dev/fake-slack/fake-slack.js';
import type { AnswerTask } from '../../src/answer/answer.js';
import { type Answerer, InProcessAnswerer, ThreadAnswerer } from '../../src/answer/answer-pool.js';
import { createSlackApp, type SlackApp } from '../../src/app.js';
import { type AccountConfig, type Config, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import {
  type RunningWorkers,
  scheduleMaintenance,
  startWorkers,
  type WorkerOptions,
} from '../../src/jobs/worker.js';
import { type Logger, silentLogger } from '../../src/logger.js';
import { keyRoot } from '../../src/store/keys.js';
import { createRedis, type RedisConnection, scanKeys, waitForReady } from '../../src/store/redis.js';
import { buildDeps } from '../../src/wiring.js';
import {
  type BlockActionOptions,
  buildBlockAction,
  buildSlashCommand,
  postSigned,
  type SignedResponse,
} from './slack-requests.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Static credentials the app signs AWS requests with (the fake AWS maps unknown keys to one account). */
export const TEST_AWS_CREDENTIALS = {
  accessKeyId: 'AKIAAMIBOTTEST000001',
  secretAccessKey: 'test-secret-key',
};
/** Account the fake AWS gives to unknown access keys. */
export const DEFAULT_ACCOUNT_ID = '111111111111';

export interface TestAppOptions {
  fakeAws?: FakeAws;
  fakeSlack?: FakeSlack;
  accounts?: AccountConfig[];
  env?: Record<string, string>;
  clock?: () => Date;
  /** Patch the parsed config (after validation), for values the environment cannot express. */
  patchConfig?: (config: Config) => void;
  /** Also run the BullMQ workers in this process (on their own blocking connection). */
  workers?: boolean;
  /** Jobs per queue each worker runs at once (default 5). */
  concurrency?: number;
  /** Also register the recurring jobs (request expiry, the follow-up relay, the expiry sweep), as a worker process does. */
  maintenance?: boolean;
  /** Worker options beyond the connection and concurrency (shorter job time limits, …). */
  workerOptions?: Omit<WorkerOptions, 'connection' | 'concurrency'>;
  /** Answer commands in this many worker threads, as production does (default 0: in-process). */
  answerThreads?: number;
  /**
   * The client Redis connection as production makes it (no offline queue, command timeout),
   * instead of one that queues commands while disconnected.
   */
  productionRedis?: boolean;
  /** Called for each task answered on the main thread instead of an answer thread. */
  onMainThread?: (task: AnswerTask) => void;
  /** The app's and the workers' logger (default: silent). */
  logger?: Logger;
}

export interface SlashResult {
  ack: SignedResponse;
  responseId: string;
}

/** The real app on an ephemeral port, wired to the fakes and to real Redis under a unique key prefix. */
export interface TestApp {
  url: string;
  deps: Deps;
  slack: SlackApp;
  fakeAws: FakeAws;
  fakeSlack: FakeSlack;
  prefix: string;
  workers?: RunningWorkers;
  /** Posts a signed `/ami <text>`; returns the ack and the id of its response_url. */
  slash(
    text: string,
    opts?: { userId?: string; channelId?: string; timestamp?: number; badSignature?: boolean },
  ): Promise<SlashResult>;
  /** Posts a signed `/ami <text>` and waits for the first answer on its response_url. */
  ask(text: string, opts?: { userId?: string; channelId?: string }): Promise<RecordedResponse>;
  /** Posts a signed button click; returns the ack and the id of its response_url. */
  click(opts: Omit<BlockActionOptions, 'responseUrl'>): Promise<SlashResult>;
  close(): Promise<void>;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const ownAws = !opts.fakeAws;
  const ownSlack = !opts.fakeSlack;
  const fakeAws = opts.fakeAws ?? (await FakeAws.start({ clock: opts.clock }));
  const fakeSlack = opts.fakeSlack ?? (await FakeSlack.start());
  const prefix = `amibot-test-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      SLACK_BOT_USER_ID: fakeSlack.botUserId,
      REDIS_URL,
      AMIBOT_REDIS_PREFIX: prefix,
      AMIBOT_AWS_ENDPOINT: fakeAws.url,
      AWS_MAX_ATTEMPTS: '3',
      LOG_LEVEL: 'error',
      ...opts.env,
    },
  });
  if (opts.accounts) config.accounts = opts.accounts;
  opts.patchConfig?.(config);

  const redis = opts.productionRedis
    ? createRedis(config.redis.url, 'client')
    : createRedis(config.redis.url, 'client', { enableOfflineQueue: true });
  if (opts.productionRedis) await waitForReady(redis, 5_000);
  const deps = buildDeps(config, {
    logger: opts.logger ?? silentLogger,
    clock: opts.clock,
    redis,
    awsCredentials: TEST_AWS_CREDENTIALS,
    slackRetries: 0,
  });
  let workers: RunningWorkers | undefined;
  let workerConnection: ReturnType<typeof createRedis> | undefined;
  if (opts.workers) {
    workerConnection = createRedis(config.redis.url, 'worker');
    workers = startWorkers(deps, {
      ...opts.workerOptions,
      connection: workerConnection,
      concurrency: opts.concurrency ?? 5,
    });
    if (opts.maintenance) await scheduleMaintenance(deps);
  }
  const direct = new InProcessAnswerer(deps);
  const inProcess: Answerer = {
    answer: (task) => {
      opts.onMainThread?.(task);
      return direct.answer(task);
    },
    close: () => direct.close(),
  };
  const threads = opts.answerThreads
    ? new ThreadAnswerer(
        { config, awsCredentials: TEST_AWS_CREDENTIALS },
        opts.answerThreads,
        inProcess,
        silentLogger,
      )
    : undefined;
  if (threads && !(await threads.settled(20_000))) throw new Error('the answer threads did not start');
  const answerer = threads ?? inProcess;
  const slack = createSlackApp(deps, [], answerer);
  const port = await slack.start(0);
  const url = `http://127.0.0.1:${port}`;

  const slash: TestApp['slash'] = async (text, o = {}) => {
    const responseId = randomUUID();
    const body = buildSlashCommand({
      text,
      userId: o.userId,
      channelId: o.channelId,
      responseUrl: fakeSlack.responseUrl(responseId),
    });
    const ack = await postSigned(`${url}/slack/events`, body, SIGNING_SECRET, {
      timestamp: o.timestamp,
      badSignature: o.badSignature,
    });
    return { ack, responseId };
  };

  return {
    url,
    deps,
    slack,
    fakeAws,
    fakeSlack,
    prefix,
    workers,
    slash,
    async ask(text, o = {}) {
      const { ack, responseId } = await slash(text, o);
      if (ack.status !== 200) throw new Error(`ack failed with HTTP ${ack.status}: ${ack.body}`);
      return fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    },
    async click(o) {
      const responseId = randomUUID();
      const body = buildBlockAction({ ...o, responseUrl: fakeSlack.responseUrl(responseId) });
      const ack = await postSigned(`${url}/slack/events`, body, SIGNING_SECRET);
      return { ack, responseId };
    },
    async close() {
      await slack.stop().catch(() => {});
      await answerer.close();
      await workers?.close(5_000);
      workerConnection?.disconnect();
      await deps.queues.close().catch(() => {});
      deps.aws.destroy();
      await deleteKeys(redis, prefix).catch(() => {});
      redis.disconnect();
      if (ownAws) await fakeAws.close();
      if (ownSlack) await fakeSlack.close();
    },
  };
}

/** Removes every Redis key under a test's prefix (its key root `{<prefix>}:`, on every node of a cluster). */
export async function deleteKeys(redis: RedisConnection, prefix: string): Promise<void> {
  for await (const keys of scanKeys(redis, `${keyRoot(prefix)}:*`)) await redis.del(...keys);
}

/** Every key under a test's prefix matching `pattern` (after the key root), e.g. `scan:*`. */
export async function keysUnder(redis: RedisConnection, prefix: string, pattern = '*'): Promise<string[]> {
  const out: string[] = [];
  for await (const keys of scanKeys(redis, `${keyRoot(prefix)}:${pattern}`)) out.push(...keys);
  return out.sort();
}

/** All the text of a Slack message body (text + every text object in its blocks), for assertions. */
export function allText(body: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(body);
  return out.join('\n');
}
