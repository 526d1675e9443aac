/**
 * Local sandbox mode: the real app (same handlers, same BullMQ workers, real Redis) wired to a
 * FakeSlack and a FakeAws seeded with a realistic catalogue, plus a Slack-like page at
 * `/sandbox` on the app's own HTTP server. `npm start` runs this when no Slack token is set.
 */
import { randomUUID } from 'node:crypto';
import { createSlackApp } from '../../src/app.js';
import { accountSchema, type Config, loadConfig } from '../../src/config.js';
import { scheduleMaintenance, startWorkers } from '../../src/jobs/worker.js';
import type { Logger } from '../../src/logger.js';
import { createRedis, isRedisReady } from '../../src/store/redis.js';
import { buildDeps, closeDeps } from '../../src/wiring.js';
import { FakeAws } from '../fake-aws/index.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_PROD_ACCOUNT_ID,
  SANDBOX_PROD_ROLE_ARN,
  SANDBOX_REGIONS,
  type SandboxCatalog,
  seedSandboxCatalog,
} from './sandbox-catalog.js';
import { SandboxController, type SandboxUser } from './sandbox-routes.js';

export const SANDBOX_REQUESTER = 'USANDREQ';
export const SANDBOX_APPROVER = 'USANDAPP';
export const SANDBOX_CHANNEL = 'CSANDBOX';
export const SANDBOX_SIGNING_SECRET = 'amibot-sandbox-signing-secret';
/** Every sandbox key lives under a prefix starting with this, so resetting it never touches a real bot's data. */
export const SANDBOX_PREFIX = 'amibot-sandbox';

export const SANDBOX_USERS: SandboxUser[] = [
  { id: SANDBOX_REQUESTER, name: 'Riley (requester)', role: 'Files requests; may not approve them' },
  { id: SANDBOX_APPROVER, name: 'Avery (approver)', role: 'Approves or rejects requests' },
];

export interface StartSandboxOptions {
  /** Port of the page and of `/slack/events`; 0 picks a free one. */
  port: number;
  redisUrl: string;
  logger: Logger;
  clock?: () => Date;
  /** Redis key prefix (default `amibot-sandbox`); must start with `amibot-sandbox`. Wiped at start and close. */
  redisPrefix?: string;
  /** How long a fake image copy takes (default 8 s: long enough to watch progress). */
  copyDurationMs?: number;
  /** Host name in the URL it reports (default localhost). */
  host?: string;
  /** Log level of the app's own config (Bolt's logger); default info. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface Sandbox {
  /** The page: `http://localhost:PORT/sandbox`. */
  url: string;
  /** The app's base URL. */
  appUrl: string;
  port: number;
  config: Config;
  fakeAws: FakeAws;
  fakeSlack: FakeSlack;
  catalog: SandboxCatalog;
  close(): Promise<void>;
}

/** Thrown when Redis does not answer; the message says how to start one. */
export class SandboxRedisError extends Error {
  constructor(url: string) {
    super(
      `Redis is not reachable at ${url.replace(/\/\/[^@]*@/, '//***@')}. The sandbox keeps requests and jobs in Redis like the real bot. ` +
        'Start one with `docker compose up -d redis` or a local `redis-server`, or set REDIS_URL.',
    );
    this.name = 'SandboxRedisError';
  }
}

async function deletePrefix(redis: ReturnType<typeof createRedis>, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** The configuration the real bot would load, from the environment a sandbox operator would set. */
export function sandboxConfig(opts: {
  port: number;
  redisUrl: string;
  redisPrefix: string;
  slackApiUrl: string;
  botUserId: string;
  awsEndpoint: string;
  logLevel?: string;
}): Config {
  const config = loadConfig({
    env: {
      AMIBOT_ROLE: 'all',
      PORT: String(opts.port),
      SLACK_BOT_TOKEN: 'xoxb-amibot-sandbox-not-a-real-token',
      SLACK_SIGNING_SECRET: SANDBOX_SIGNING_SECRET,
      SLACK_API_URL: opts.slackApiUrl,
      SLACK_BOT_USER_ID: opts.botUserId,
      REDIS_URL: opts.redisUrl,
      AMIBOT_REDIS_PREFIX: opts.redisPrefix,
      AMIBOT_AWS_ENDPOINT: opts.awsEndpoint,
      AWS_MAX_ATTEMPTS: '2',
      AMIBOT_DEFAULT_REGION: 'us-east-1',
      AMIBOT_ACCOUNT_ALIAS: 'sandbox',
      AMIBOT_ACCOUNT_ID: SANDBOX_ACCOUNT_ID,
      AMIBOT_APPROVERS: SANDBOX_APPROVER,
      AMIBOT_APPROVAL_CHANNEL: SANDBOX_CHANNEL,
      AMIBOT_CACHE_TTL_SECONDS: '30',
      AMIBOT_WORKER_CONCURRENCY: '3',
      // Copies take seconds here, not minutes: poll and update progress often so it is visible.
      AMIBOT_COPY_POLL_MS: '1000',
      AMIBOT_COPY_MAX_POLL_MS: '2000',
      AMIBOT_PROGRESS_INTERVAL_MS: '1000',
      LOG_LEVEL: opts.logLevel ?? 'info',
    },
  });
  const policy = { approvers: [SANDBOX_APPROVER], approvalChannel: SANDBOX_CHANNEL };
  const main = config.accounts[0];
  if (main) main.regions = [...SANDBOX_REGIONS];
  config.accounts.push(
    accountSchema.parse({
      alias: 'sandbox-prod',
      accountId: SANDBOX_PROD_ACCOUNT_ID,
      roleArn: SANDBOX_PROD_ROLE_ARN,
      regions: [...SANDBOX_REGIONS],
      policy,
    }),
  );
  return config;
}

/** Starts the fakes, the real app and its workers; resolves once the page answers. */
export async function startSandbox(opts: StartSandboxOptions): Promise<Sandbox> {
  const prefix = opts.redisPrefix ?? SANDBOX_PREFIX;
  if (!prefix.startsWith(SANDBOX_PREFIX)) {
    throw new Error(
      `the sandbox Redis prefix must start with "${SANDBOX_PREFIX}" (it is wiped), got "${prefix}"`,
    );
  }
  const logger = opts.logger;
  const clock = opts.clock ?? (() => new Date());

  // Redis first: without it nothing else is worth starting.
  const redis = createRedis(opts.redisUrl, 'client', { enableOfflineQueue: true, lazyConnect: true });
  redis.on('error', () => {});
  redis.connect().catch(() => {});
  if (!(await isRedisReady(redis, 3_000))) {
    redis.disconnect();
    throw new SandboxRedisError(opts.redisUrl);
  }
  await deletePrefix(redis, prefix);

  const fakeAws = await FakeAws.start({ clock, copyDurationMs: opts.copyDurationMs ?? 8_000 });
  const fakeSlack = await FakeSlack.start();
  const catalog = seedSandboxCatalog(fakeAws, clock());
  for (const user of SANDBOX_USERS) {
    fakeSlack.addUser({ id: user.id, realName: user.name, name: user.name.split(' ')[0]?.toLowerCase() });
  }
  fakeSlack.addChannel({
    id: SANDBOX_CHANNEL,
    name: 'sandbox',
    topic: 'Try /ami here. Requests land here for approval.',
  });

  const config = sandboxConfig({
    port: opts.port,
    redisUrl: opts.redisUrl,
    redisPrefix: prefix,
    slackApiUrl: fakeSlack.apiUrl,
    botUserId: fakeSlack.botUserId,
    awsEndpoint: fakeAws.url,
    logLevel: opts.logLevel,
  });
  const deps = buildDeps(config, {
    logger,
    clock,
    redis,
    awsCredentials: { accessKeyId: 'AKIAAMIBOTSANDBOX001', secretAccessKey: 'sandbox-secret-key' },
    slackRetries: 1,
  });

  const controller = new SandboxController({
    fakeSlack,
    signingSecret: SANDBOX_SIGNING_SECRET,
    users: SANDBOX_USERS,
    channel: {
      id: SANDBOX_CHANNEL,
      name: 'sandbox',
      topic: 'Try /ami here · requests land here for approval',
    },
    hints: { ownImage: catalog.ownImage.imageId },
  });
  const workerConnection = createRedis(opts.redisUrl, 'worker');
  workerConnection.on('error', (err) => logger.warn('worker Redis connection error', { error: err }));
  const workers = startWorkers(deps, { connection: workerConnection, concurrency: config.workerConcurrency });
  await scheduleMaintenance(deps);

  const slack = createSlackApp(deps, controller.routes());
  let port: number;
  try {
    port = await slack.start(opts.port);
  } catch (err) {
    controller.close();
    await workers.close(2_000);
    workerConnection.disconnect();
    await closeDeps(deps);
    await fakeAws.close();
    await fakeSlack.close();
    throw err;
  }
  controller.appUrl = `http://127.0.0.1:${port}`;
  const host = opts.host ?? 'localhost';

  let closed = false;
  return {
    url: `http://${host}:${port}/sandbox`,
    appUrl: controller.appUrl,
    port,
    config,
    fakeAws,
    fakeSlack,
    catalog,
    async close() {
      if (closed) return;
      closed = true;
      controller.close();
      await slack.stop().catch(() => {});
      await workers.close(5_000);
      workerConnection.disconnect();
      await deletePrefix(redis, prefix).catch(() => {});
      await closeDeps(deps);
      await fakeAws.close();
      await fakeSlack.close();
    },
  };
}

/** What `npm start` prints in sandbox mode. */
export function sandboxBanner(url: string): string {
  return [
    '',
    '  amibot is running in SANDBOX mode: the real bot against a pretend Slack and a pretend AWS.',
    `  Open ${url} and type /ami commands as Riley (requester) or Avery (approver).`,
    '  Nothing here touches a real Slack workspace or AWS account; the fake world resets on restart.',
    '',
    '  To connect a real Slack workspace instead, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET',
    '  (or SLACK_APP_TOKEN for Socket Mode) and AWS credentials; see README.md.',
    '',
  ].join('\n');
}

/** A unique Redis prefix for a throw-away sandbox (tests). */
export function uniqueSandboxPrefix(): string {
  return `${SANDBOX_PREFIX}-${randomUUID().slice(0, 8)}`;
}
