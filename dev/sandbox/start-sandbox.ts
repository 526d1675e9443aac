/**
 * Local sandbox mode: the real app (same handlers, same BullMQ workers, real Redis) wired to a
 * FakeSlack and a FakeAws seeded with a realistic catalogue, plus a Slack-like page at
 * `/sandbox` on the app's own HTTP server. `npm start` runs this when no Slack token is set.
 */
import { randomUUID } from 'node:crypto';
import { createSlackApp } from '../../src/app.js';
import { accountSchema, type Config, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { goldenConfigSchema } from '../../src/domain/golden.js';
import { scheduleMaintenance, startWorkers } from '../../src/jobs/worker.js';
import type { Logger } from '../../src/logger.js';
import { keyRoot, legacyKeyRoot } from '../../src/store/keys.js';
import { createRedis, isRedisReady, scanKeys } from '../../src/store/redis.js';
import { buildDeps, closeDeps } from '../../src/wiring.js';
import { FakeAws } from '../fake-aws/index.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_APP_ACCOUNT_ID,
  SANDBOX_GOLDEN_FAMILY,
  SANDBOX_GOLDEN_KEY_ALIAS,
  SANDBOX_PROD_ACCOUNT_ID,
  SANDBOX_PROD_ROLE_ARN,
  SANDBOX_REGIONS,
  SANDBOX_SHARING,
  type SandboxCatalog,
  seedSandboxCatalog,
} from './sandbox-catalog.js';
import { SandboxController, type SandboxUser } from './sandbox-routes.js';

export const SANDBOX_REQUESTER = 'USANDREQ';
export const SANDBOX_APPROVER = 'USANDAPP';
export const SANDBOX_CHANNEL = 'CSANDBOX';
export const SANDBOX_SIGNING_SECRET = 'amibot-sandbox-signing-secret';
/** The default Redis prefix of a sandbox is this plus a random suffix: unique per run. */
export const SANDBOX_PREFIX = 'amibot-sandbox';
/** Where the sandbox listens unless told otherwise: this machine only. */
export const SANDBOX_LISTEN_HOST = '127.0.0.1';

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
  /**
   * Redis key prefix (`AMIBOT_REDIS_PREFIX`); default a fresh `amibot-sandbox-<random>` per run.
   * The sandbox only takes a prefix under which Redis holds nothing yet (or that it claims first),
   * and at close deletes what is under it, so it never deletes keys it did not create.
   */
  redisPrefix?: string;
  /** How long a fake image copy takes (default 8 s: long enough to watch progress). */
  copyDurationMs?: number;
  /** Host name in the URL it reports (default localhost, or `listenHost` when that is a specific address). */
  host?: string;
  /** Interface the app and page listen on (`HOST`); default 127.0.0.1. The fakes always listen on 127.0.0.1. */
  listenHost?: string;
  /** Log level of the app's own config (Bolt's logger); default info. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface Sandbox {
  /** The page: `http://localhost:PORT/sandbox`. */
  url: string;
  /** The app's base URL. */
  appUrl: string;
  port: number;
  /** The interface the app listens on. */
  listenHost: string;
  /** The Redis key prefix of this run. */
  redisPrefix: string;
  config: Config;
  fakeAws: FakeAws;
  fakeSlack: FakeSlack;
  catalog: SandboxCatalog;
  /** The app's dependencies (tests read requests and scans through them). */
  deps: Deps;
  close(): Promise<void>;
}

/** Thrown when Redis does not answer; the message says how to start one. */
export class SandboxRedisError extends Error {
  constructor(url: string) {
    super(
      `Redis is not reachable at ${url.replace(/\/\/[^@]*@/, '//***@')}. The sandbox keeps requests and jobs in Redis like the real bot. ` +
        'Start one with `docker compose --profile dev up -d redis-dev` (Redis on 127.0.0.1:6379) or a local `redis-server`, or set REDIS_URL.',
    );
    this.name = 'SandboxRedisError';
  }
}

/** The prefix is taken: another sandbox runs on it, or Redis already holds data under it. */
export class SandboxPrefixError extends Error {
  constructor(prefix: string, why: 'in-use' | 'not-empty') {
    super(
      why === 'in-use'
        ? `Another sandbox is running with AMIBOT_REDIS_PREFIX=${prefix}. Pick another prefix, or leave it unset for a fresh one.`
        : `Redis already holds keys under "${keyRoot(prefix)}:" or "${legacyKeyRoot(prefix)}:" (another amibot, or a sandbox that did not stop cleanly). The sandbox only uses an empty prefix, so that stopping it never deletes data it did not create. Pick another AMIBOT_REDIS_PREFIX, or leave it unset for a fresh one.`,
    );
    this.name = 'SandboxPrefixError';
  }
}

const OWNER_TTL_MS = 60_000;

/**
 * Claims `prefix` for this run: `SET {<prefix>}:sandbox-owner <run> NX`, then checks that nothing
 * else lives under the prefix. The claim is renewed while the sandbox runs and expires a minute
 * after a crash.
 */
async function claimPrefix(
  redis: ReturnType<typeof createRedis>,
  prefix: string,
  run: string,
): Promise<void> {
  const owner = ownerKey(prefix);
  if ((await redis.set(owner, run, 'PX', OWNER_TTL_MS, 'NX')) !== 'OK')
    throw new SandboxPrefixError(prefix, 'in-use');
  // The keys of the prefix, and those an amibot from before the hash-tagged layout left under it.
  for (const pattern of [`${keyRoot(prefix)}:*`, `${legacyKeyRoot(prefix)}:*`]) {
    for await (const keys of scanKeys(redis, pattern)) {
      if (keys.some((k) => k !== owner)) {
        await releaseIfOwner(redis, owner, run);
        throw new SandboxPrefixError(prefix, 'not-empty');
      }
    }
  }
}

/** The key that says which sandbox run holds a prefix (under the prefix's key root). */
function ownerKey(prefix: string): string {
  return `${keyRoot(prefix)}:sandbox-owner`;
}

/** Deletes the owner key when it is still this run's (an atomic compare-and-delete). */
async function releaseIfOwner(
  redis: ReturnType<typeof createRedis>,
  owner: string,
  run: string,
): Promise<boolean> {
  const released = await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
    1,
    owner,
    run,
  );
  return released === 1;
}

/**
 * Deletes what this run created: every key under its prefix, and only while the prefix is still
 * claimed by this run (a sandbox stalled past its claim deletes nothing).
 */
async function deleteOwnKeys(
  redis: ReturnType<typeof createRedis>,
  prefix: string,
  run: string,
): Promise<void> {
  const owner = ownerKey(prefix);
  if ((await redis.get(owner)) !== run) return;
  for await (const keys of scanKeys(redis, `${keyRoot(prefix)}:*`)) {
    const mine = keys.filter((k) => k !== owner);
    if (mine.length > 0) await redis.del(...mine);
  }
  await releaseIfOwner(redis, owner, run);
}

/** `127.0.0.1` for a wildcard address, else the address itself: where this machine reaches the app. */
function reachableHost(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === '' || listenHost === '::') return '127.0.0.1';
  return listenHost.includes(':') ? `[${listenHost}]` : listenHost;
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
  // The allowlist `/ami access` audits against: the seeded estate has shares outside it.
  config.sharing = {
    ...SANDBOX_SHARING,
    allowedAccounts: [...SANDBOX_SHARING.allowedAccounts],
    allowedOrganizations: [...SANDBOX_SHARING.allowedOrganizations],
    allowedOus: [...SANDBOX_SHARING.allowedOus],
  };
  const policy = { approvers: [SANDBOX_APPROVER], approvalChannel: SANDBOX_CHANNEL };
  const main = config.accounts[0];
  if (main) {
    main.regions = [...SANDBOX_REGIONS];
    // The requester is the platform team's promoter; the approver approves promotions.
    main.policy.promoters = [SANDBOX_REQUESTER];
  }
  // One golden-image family, seeded as promoted twice (sandbox-catalog.ts).
  config.golden = goldenConfigSchema.parse({
    families: [
      {
        name: SANDBOX_GOLDEN_FAMILY,
        description: 'Amazon Linux 2023 base of every service; shared with the prod and app accounts',
        regions: [...SANDBOX_REGIONS],
        shareWith: [SANDBOX_PROD_ACCOUNT_ID, SANDBOX_APP_ACCOUNT_ID],
        kmsKeys: Object.fromEntries(SANDBOX_REGIONS.map((r) => [r, SANDBOX_GOLDEN_KEY_ALIAS])),
        requiredTags: ['Team'],
      },
    ],
    maxScanAgeDays: 30,
    deprecatePreviousAfterDays: 30,
  });
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
  const prefix = opts.redisPrefix?.trim() || uniqueSandboxPrefix();
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(prefix)) {
    throw new Error(
      `AMIBOT_REDIS_PREFIX must be letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(prefix)}`,
    );
  }
  const listenHost = opts.listenHost?.trim() || SANDBOX_LISTEN_HOST;
  const run = randomUUID();
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
  try {
    await claimPrefix(redis, prefix, run);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const renew = setInterval(() => {
    redis
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end",
        1,
        ownerKey(prefix),
        run,
        OWNER_TTL_MS,
      )
      .catch(() => {});
  }, OWNER_TTL_MS / 3);
  renew.unref();

  // The fakes are for this process only: loopback, whatever HOST says.
  const fakeAws = await FakeAws.start({
    clock,
    copyDurationMs: opts.copyDurationMs ?? 8_000,
    host: '127.0.0.1',
  });
  const fakeSlack = await FakeSlack.start({ host: '127.0.0.1' });
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

  const slack = createSlackApp(deps, controller.routes(), undefined, { mode: 'sandbox' });
  let port: number;
  try {
    port = await slack.start(opts.port, listenHost);
  } catch (err) {
    controller.close();
    clearInterval(renew);
    await workers.close(2_000);
    workerConnection.disconnect();
    await deleteOwnKeys(redis, prefix, run).catch(() => {});
    await closeDeps(deps);
    await fakeAws.close();
    await fakeSlack.close();
    throw err;
  }
  controller.appUrl = `http://${reachableHost(listenHost)}:${port}`;
  const host =
    opts.host ??
    (listenHost === SANDBOX_LISTEN_HOST || reachableHost(listenHost) === '127.0.0.1'
      ? 'localhost'
      : reachableHost(listenHost));

  let closed = false;
  return {
    url: `http://${host}:${port}/sandbox`,
    appUrl: controller.appUrl,
    port,
    listenHost,
    redisPrefix: prefix,
    config,
    fakeAws,
    fakeSlack,
    catalog,
    deps,
    async close() {
      if (closed) return;
      closed = true;
      controller.close();
      await slack.stop().catch(() => {});
      await workers.close(5_000);
      workerConnection.disconnect();
      clearInterval(renew);
      await deleteOwnKeys(redis, prefix, run).catch(() => {});
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
