import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { expiryFileSchema, expirySettingsSchema, mergeExpirySettings } from './domain/expiry-settings.js';
import { goldenConfigSchema } from './domain/golden.js';
import { ACCOUNT_ALIAS_RE, ACCOUNT_ID_RE, IAM_ROLE_ARN_RE, REGION_RE } from './domain/ids.js';
import { accountPolicySchema } from './domain/policy.js';
import { type RetentionSettings, retentionFileSchema, retentionSettingsSchema } from './domain/retention.js';
import { scanConfigSchema } from './domain/scan.js';
import { sharingSettingsSchema } from './domain/sharing.js';

/**
 * All configuration in one zod schema, parsed once at boot from environment variables plus an
 * optional YAML/JSON file (`AMIBOT_CONFIG`). The result is handed down explicitly; nothing
 * imports a global config.
 */

const region = z.string().regex(REGION_RE, 'must be an AWS region such as us-east-1');

export const accountSchema = z
  .object({
    alias: z.string().regex(ACCOUNT_ALIAS_RE, 'must be letters, digits, "-" or "_" (it is typed in Slack)'),
    accountId: z.string().regex(ACCOUNT_ID_RE, 'must be a 12-digit AWS account id').optional(),
    roleArn: z.string().regex(IAM_ROLE_ARN_RE, 'must be an IAM role ARN').optional(),
    externalId: z.string().min(2).max(1224).optional(),
    regions: z.array(region).default([]),
    default: z.boolean().default(false),
    /** Who may request and approve what in this account (see domain/policy.ts). */
    policy: accountPolicySchema.default(() => accountPolicySchema.parse({})),
  })
  .strict();

const fileSchema = z
  .object({
    defaultRegion: region.optional(),
    accounts: z.array(accountSchema).optional(),
    trustedOwners: z.array(z.string().min(1)).optional(),
    cacheTtlSeconds: z.number().int().min(0).max(86_400).optional(),
    snapshotPricePerGbMonth: z.number().min(0).max(10).optional(),
    expiryTagKey: z.string().min(1).max(128).optional(),
    expiry: expiryFileSchema.optional(),
    auditRetentionDays: z.number().int().min(1).max(3650).optional(),
    workerConcurrency: z.number().int().min(1).max(100).optional(),
    answerThreads: z.number().int().min(0).max(16).optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
    scan: scanConfigSchema.optional(),
    /** Prune limits and retention rules (a list of rules is short for `{ rules: [...] }`). */
    retention: retentionFileSchema.optional(),
    golden: goldenConfigSchema.optional(),
    /** The sharing allowlist `/ami access` and the digest audit against (docs/hygiene.md). */
    sharing: sharingSettingsSchema.optional(),
  })
  .strict();

export const DEFAULT_TRUSTED_OWNERS = [
  '099720109477', // Canonical (Ubuntu)
  '136693071363', // Debian
  '309956199498', // Red Hat
  'amazon', // Amazon Linux, Windows Server
  'self',
];

/** Where Redis is: one server, or the seed nodes of a Redis Cluster (see `parseRedisUrl`). */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | {
      mode: 'cluster';
      nodes: Array<{ host: string; port: number }>;
      tls: boolean;
      username?: string;
      password?: string;
    };

const REDIS_URL_FORMS =
  'redis://[user:password@]host:6379, rediss://… (TLS), or redis+cluster://[user:password@]host1:6379,host2:6379 (rediss+cluster:// with TLS)';

/**
 * `REDIS_URL`: one server (`redis://`, `rediss://` with TLS, user and password in the URL as
 * ioredis reads them) or a Redis Cluster (`redis+cluster://` / `rediss+cluster://`, then a
 * comma-separated list of seed nodes — any reachable node is enough, the client reads the rest
 * from the cluster; a managed service's configuration endpoint is one such node). Throws an Error
 * that says what is wrong; the password never appears in it.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`is not a valid URL; use ${REDIS_URL_FORMS}`);
    }
    if (!parsed.hostname) throw new Error(`has no host; use ${REDIS_URL_FORMS}`);
    return { mode: 'single', url };
  }
  if (scheme !== 'redis+cluster' && scheme !== 'rediss+cluster') {
    throw new Error(`must be one of ${REDIS_URL_FORMS}`);
  }
  let rest = url.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const path = rest.slice(slash);
    // A cluster has one database (0): a path other than "/" or "/0" would be silently ignored.
    if (!/^\/0?\/?$/.test(path)) throw new Error('names a database; a Redis Cluster has only database 0');
    rest = rest.slice(0, slash);
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    try {
      username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo) || undefined;
      password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) || undefined : undefined;
    } catch {
      throw new Error('has a user or password that is not URL-encoded (encode "@", ":", "/" and "%")');
    }
  }
  const nodes: Array<{ host: string; port: number }> = [];
  for (const part of rest.split(',')) {
    const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(part.trim());
    const port = Number(m?.[3] ?? 6379);
    if (!m || port < 1 || port > 65_535) {
      throw new Error(`has a node "${part.trim()}" that is not host:port; use ${REDIS_URL_FORMS}`);
    }
    nodes.push({ host: (m[1] ?? m[2]) as string, port });
  }
  return { mode: 'cluster', nodes, tls: scheme === 'rediss+cluster', username, password };
}

/** What is wrong with a `REDIS_URL`, or undefined when it is usable. */
function redisUrlProblem(url: string): string | undefined {
  try {
    parseRedisUrl(url);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

export const configSchema = z
  .object({
    role: z.enum(['web', 'worker', 'all']),
    port: z.number().int().min(0).max(65_535),
    /** Port of a worker process's own health and metrics server (`AMIBOT_ROLE=worker` only). */
    workerPort: z.number().int().min(0).max(65_535),
    slack: z.object({
      botToken: z.string().regex(/^xox[bp]-/, 'must be a Slack bot token (xoxb-…)'),
      signingSecret: z.string().min(8, 'must be the app’s signing secret').optional(),
      appToken: z
        .string()
        .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
        .optional(),
      apiUrl: z.url().optional(),
      botUserId: z.string().optional(),
    }),
    redis: z.object({
      url: z.string().superRefine((url, ctx) => {
        const problem = redisUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      keyPrefix: z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, "-" or "_" only'),
    }),
    aws: z.object({
      /** Explicit endpoint for every AWS client (emulators, tests). Unset: the SDK's own rules. */
      endpoint: z.url().optional(),
      maxAttempts: z.number().int().min(1).max(20),
      retryMode: z.enum(['standard', 'adaptive']),
      /** CopyImage calls per second per (account, region), shared by all workers. */
      copyImageRate: z.number().min(0.05).max(100),
      /** Other mutating EC2 calls per second per (account, region). */
      mutateRate: z.number().min(0.05).max(1000),
    }),
    jobs: z.object({
      /** First wait between copy status polls; grows to `maxPollMs`. */
      pollMs: z.number().int().min(10).max(600_000),
      maxPollMs: z.number().int().min(10).max(3_600_000),
      /** At most one progress update of a Slack message per this many ms. */
      progressIntervalMs: z.number().int().min(0).max(600_000),
      /** BullMQ lock: a job whose worker died is picked up again after about this long. */
      lockMs: z.number().int().min(500).max(600_000),
      /** Progress updates per message at most (state changes and the final state always go out). */
      progressUpdatesPerMessage: z.number().int().min(0).max(1000),
      /** Progress updates per Slack channel per minute (Slack allows chat.update about 50/min). */
      channelUpdatesPerMinute: z.number().min(1).max(6000),
      /**
       * Copies in flight per account and destination region, across all workers. EC2 allows 50
       * concurrent AMI copies into one destination Region, no more than 25 from one source Region
       * (EC2 User Guide, "Copy an AMI": limits).
       */
      maxCopiesInFlight: z.number().int().min(1).max(1000),
      maxCopiesInFlightPerSource: z.number().int().min(1).max(1000),
      /** How often the relay delivers request follow-ups still due and re-drives stuck requests. */
      redriveEveryMs: z.number().int().min(100).max(600_000),
      /** A request unchanged this long with none of its jobs queued or running counts as stuck. */
      stuckAfterMs: z.number().int().min(100).max(86_400_000),
    }),
    defaultRegion: region,
    accounts: z.array(accountSchema).min(1),
    trustedOwners: z.array(z.string().min(1)).min(1),
    cacheTtlSeconds: z.number().int().min(0).max(86_400),
    snapshotPricePerGbMonth: z.number().min(0).max(10),
    expiryTagKey: z.string().min(1).max(128),
    /** Expiry sweep, reminders and digest (see domain/expiry-settings.ts, docs/expiry.md). */
    expiry: expirySettingsSchema,
    auditRetentionDays: z.number().int().min(1).max(3650),
    workerConcurrency: z.number().int().min(1).max(100),
    /** Threads that answer commands beside the acking main thread (0: answer on the main thread). */
    answerThreads: z.number().int().min(0).max(16),
    logLevel,
    /** `/ami scan`: deep scanner, built-in check policy, acceptance per severity. */
    scan: scanConfigSchema,
    /** `/ami prune` limits, retention rules and the unused-image threshold (docs/hygiene.md). */
    retention: z.custom<RetentionSettings>((v) => typeof v === 'object' && v !== null),
    /** Golden-image families (`/ami promote`, `/ami golden`, `/ami rollback`); see docs/golden.md. */
    golden: goldenConfigSchema,
    /** Accounts, organizations and OUs own images may be shared with (`/ami access`). */
    sharing: sharingSettingsSchema,
  })
  .superRefine((cfg, ctx) => {
    const aliases = new Set<string>();
    for (const [i, a] of cfg.accounts.entries()) {
      if (aliases.has(a.alias)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'alias'],
          message: `duplicate alias "${a.alias}"`,
        });
      }
      aliases.add(a.alias);
    }
    for (const [i, rule] of cfg.retention.rules.entries()) {
      if (!aliases.has(rule.account)) {
        ctx.addIssue({
          code: 'custom',
          path: ['retention', 'rules', i, 'account'],
          message: `no account "${rule.account}" in accounts`,
        });
      }
    }
    if (cfg.accounts.filter((a) => a.default).length > 1) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'only one account may be the default' });
    }
    for (const [i, f] of cfg.golden.families.entries()) {
      const owner = f.account
        ? cfg.accounts.find((a) => a.alias === f.account)
        : (cfg.accounts.find((a) => a.default) ?? cfg.accounts[0]);
      if (!owner) {
        ctx.addIssue({
          code: 'custom',
          path: ['golden', 'families', i, 'account'],
          message: `is not a configured account alias (${cfg.accounts.map((a) => a.alias).join(', ')})`,
        });
        continue;
      }
      for (const r of f.regions) {
        if (owner.regions.length > 0 && !owner.regions.includes(r)) {
          ctx.addIssue({
            code: 'custom',
            path: ['golden', 'families', i, 'regions'],
            message: `${r} is not one of account ${owner.alias}'s regions (${owner.regions.join(', ')})`,
          });
        }
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `amibot cannot start: the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Environment variable behind each config path, so errors name what the operator actually set. */
const ENV_NAMES: Record<string, string> = {
  role: 'AMIBOT_ROLE',
  port: 'PORT',
  workerPort: 'AMIBOT_WORKER_PORT',
  'slack.botToken': 'SLACK_BOT_TOKEN',
  'slack.signingSecret': 'SLACK_SIGNING_SECRET',
  'slack.appToken': 'SLACK_APP_TOKEN',
  'slack.apiUrl': 'SLACK_API_URL',
  'slack.botUserId': 'SLACK_BOT_USER_ID',
  'redis.url': 'REDIS_URL',
  'redis.keyPrefix': 'AMIBOT_REDIS_PREFIX',
  'aws.endpoint': 'AMIBOT_AWS_ENDPOINT',
  'aws.maxAttempts': 'AWS_MAX_ATTEMPTS',
  'aws.retryMode': 'AWS_RETRY_MODE',
  'aws.copyImageRate': 'AMIBOT_COPY_IMAGE_RATE',
  'aws.mutateRate': 'AMIBOT_MUTATE_RATE',
  'jobs.pollMs': 'AMIBOT_COPY_POLL_MS',
  'jobs.maxPollMs': 'AMIBOT_COPY_MAX_POLL_MS',
  'jobs.progressIntervalMs': 'AMIBOT_PROGRESS_INTERVAL_MS',
  'jobs.lockMs': 'AMIBOT_JOB_LOCK_MS',
  'jobs.channelUpdatesPerMinute': 'AMIBOT_CHANNEL_UPDATES_PER_MINUTE',
  'jobs.progressUpdatesPerMessage': 'AMIBOT_PROGRESS_UPDATES_PER_MESSAGE',
  'jobs.redriveEveryMs': 'AMIBOT_REDRIVE_EVERY_MS',
  'jobs.maxCopiesInFlight': 'AMIBOT_MAX_COPIES_IN_FLIGHT',
  'jobs.maxCopiesInFlightPerSource': 'AMIBOT_MAX_COPIES_IN_FLIGHT_PER_SOURCE',
  'jobs.stuckAfterMs': 'AMIBOT_STUCK_AFTER_MS',
  defaultRegion: 'AMIBOT_DEFAULT_REGION',
  cacheTtlSeconds: 'AMIBOT_CACHE_TTL_SECONDS',
  snapshotPricePerGbMonth: 'AMIBOT_SNAPSHOT_PRICE',
  expiryTagKey: 'AMIBOT_EXPIRY_TAG',
  'expiry.sweepCron': 'AMIBOT_SWEEP_CRON',
  auditRetentionDays: 'AMIBOT_AUDIT_RETENTION_DAYS',
  workerConcurrency: 'AMIBOT_WORKER_CONCURRENCY',
  answerThreads: 'AMIBOT_ANSWER_THREADS',
  logLevel: 'LOG_LEVEL',
  'scan.stateMachineArn': 'SCAN_STATE_MACHINE_ARN',
  'retention.maxPerRequest': 'AMIBOT_PRUNE_MAX_PER_REQUEST',
};

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function formatIssue(issue: z.core.$ZodIssue, source: 'env' | 'file'): string {
  const path = issue.path.map(String).join('.');
  const env = ENV_NAMES[path];
  const where =
    source === 'file' ? `config file: ${path || '(root)'}` : env ? `${env} (${path})` : path || '(root)';
  return `${where}: ${issue.message}`;
}

export interface LoadConfigOptions {
  env?: Env;
  readFile?: (path: string) => string;
}

/** Parses the whole configuration, collecting every problem before failing with one readable error. */
export function loadConfig({
  env = process.env,
  readFile = (p) => readFileSync(p, 'utf8'),
}: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  let file: z.infer<typeof fileSchema> = {};
  const configPath = nonEmpty(env.AMIBOT_CONFIG);
  if (configPath) {
    let raw: unknown;
    try {
      const text = readFile(configPath);
      raw = configPath.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      problems.push(`AMIBOT_CONFIG (${configPath}): cannot read or parse it: ${(err as Error).message}`);
    }
    if (raw !== undefined) {
      const parsed = fileSchema.safeParse(raw ?? {});
      if (parsed.success) file = parsed.data;
      else problems.push(...parsed.error.issues.map((i) => formatIssue(i, 'file')));
    }
  }

  const defaultRegion =
    nonEmpty(env.AMIBOT_DEFAULT_REGION) ?? file.defaultRegion ?? nonEmpty(env.AWS_REGION) ?? 'us-east-1';
  const accounts = file.accounts ?? [
    {
      alias: nonEmpty(env.AMIBOT_ACCOUNT_ALIAS) ?? 'default',
      accountId: nonEmpty(env.AMIBOT_ACCOUNT_ID),
      roleArn: nonEmpty(env.AMIBOT_ROLE_ARN),
      regions: [],
      default: true,
      // Env-only set-ups: approvers and the approval channel of the single account.
      policy: {
        approvers: nonEmpty(env.AMIBOT_APPROVERS)
          ?.split(/[\s,]+/)
          .filter(Boolean),
        approvalChannel: nonEmpty(env.AMIBOT_APPROVAL_CHANNEL),
      },
    },
  ];

  const candidate = {
    role: nonEmpty(env.AMIBOT_ROLE) ?? 'all',
    port: num(env.PORT) ?? 3000,
    workerPort: num(env.AMIBOT_WORKER_PORT) ?? 3001,
    slack: {
      botToken: nonEmpty(env.SLACK_BOT_TOKEN) ?? '',
      signingSecret: nonEmpty(env.SLACK_SIGNING_SECRET),
      appToken: nonEmpty(env.SLACK_APP_TOKEN),
      apiUrl: nonEmpty(env.SLACK_API_URL),
      botUserId: nonEmpty(env.SLACK_BOT_USER_ID),
    },
    redis: {
      url: nonEmpty(env.REDIS_URL) ?? 'redis://127.0.0.1:6379',
      keyPrefix: nonEmpty(env.AMIBOT_REDIS_PREFIX) ?? 'amibot',
    },
    aws: {
      endpoint: nonEmpty(env.AMIBOT_AWS_ENDPOINT),
      maxAttempts: num(env.AWS_MAX_ATTEMPTS) ?? 3,
      retryMode: nonEmpty(env.AWS_RETRY_MODE) ?? 'standard',
      copyImageRate: num(env.AMIBOT_COPY_IMAGE_RATE) ?? 1,
      mutateRate: num(env.AMIBOT_MUTATE_RATE) ?? 5,
    },
    jobs: {
      pollMs: num(env.AMIBOT_COPY_POLL_MS) ?? 5_000,
      maxPollMs: num(env.AMIBOT_COPY_MAX_POLL_MS) ?? 60_000,
      progressIntervalMs: num(env.AMIBOT_PROGRESS_INTERVAL_MS) ?? 3_000,
      lockMs: num(env.AMIBOT_JOB_LOCK_MS) ?? 30_000,
      channelUpdatesPerMinute: num(env.AMIBOT_CHANNEL_UPDATES_PER_MINUTE) ?? 50,
      progressUpdatesPerMessage: num(env.AMIBOT_PROGRESS_UPDATES_PER_MESSAGE) ?? 6,
      redriveEveryMs: num(env.AMIBOT_REDRIVE_EVERY_MS) ?? 15_000,
      maxCopiesInFlight: num(env.AMIBOT_MAX_COPIES_IN_FLIGHT) ?? 50,
      maxCopiesInFlightPerSource: num(env.AMIBOT_MAX_COPIES_IN_FLIGHT_PER_SOURCE) ?? 25,
      stuckAfterMs: num(env.AMIBOT_STUCK_AFTER_MS) ?? 120_000,
    },
    defaultRegion,
    accounts,
    trustedOwners: file.trustedOwners ?? DEFAULT_TRUSTED_OWNERS,
    cacheTtlSeconds: num(env.AMIBOT_CACHE_TTL_SECONDS) ?? file.cacheTtlSeconds ?? 300,
    snapshotPricePerGbMonth: num(env.AMIBOT_SNAPSHOT_PRICE) ?? file.snapshotPricePerGbMonth ?? 0.05,
    expiryTagKey: nonEmpty(env.AMIBOT_EXPIRY_TAG) ?? file.expiryTagKey ?? 'ExpirationDate',
    expiry: mergeExpirySettings(file.expiry, { sweepCron: nonEmpty(env.AMIBOT_SWEEP_CRON) }),
    auditRetentionDays: num(env.AMIBOT_AUDIT_RETENTION_DAYS) ?? file.auditRetentionDays ?? 90,
    workerConcurrency: num(env.AMIBOT_WORKER_CONCURRENCY) ?? file.workerConcurrency ?? 5,
    answerThreads: num(env.AMIBOT_ANSWER_THREADS) ?? file.answerThreads ?? 1,
    logLevel: nonEmpty(env.LOG_LEVEL) ?? file.logLevel ?? 'info',
    scan: {
      ...file.scan,
      stateMachineArn: nonEmpty(env.SCAN_STATE_MACHINE_ARN) ?? file.scan?.stateMachineArn,
    },
    retention: retentionFromEnv(file.retention ?? retentionSettingsSchema.parse({}), env, problems),
    golden: file.golden ?? {},
    sharing: file.sharing ?? {},
  };

  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => formatIssue(i, 'env')));
  // Checked outside the schema so it is reported even when other keys are wrong too.
  if (candidate.role !== 'worker' && !candidate.slack.appToken && !candidate.slack.signingSecret) {
    problems.push('SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  problems.push(...placeholderProblems(candidate.slack, candidate.role));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** `xoxb-replace-me`, `replace-me`, `replace-with-your-signing-secret`: the values of .env.example. */
const PLACEHOLDER_RE = /(^|[-_])replace[-_](me|with)([-_]|$)/i;

/**
 * The Slack values still at their .env.example placeholders. They pass the format checks (a bot
 * token starting `xoxb-`), so without this the bot would start and fail at its first Slack call.
 */
function placeholderProblems(
  slack: { botToken: string; signingSecret?: string; appToken?: string },
  role: string,
): string[] {
  const web = role !== 'worker';
  const found: Array<[string, string, string]> = [];
  if (PLACEHOLDER_RE.test(slack.botToken))
    found.push([
      'SLACK_BOT_TOKEN',
      slack.botToken,
      'set the Bot User OAuth Token (xoxb-…) from your Slack app\'s "OAuth & Permissions" page, or unset it to run the local sandbox (`npm start` on a development machine)',
    ]);
  if (web && slack.appToken && PLACEHOLDER_RE.test(slack.appToken))
    found.push([
      'SLACK_APP_TOKEN',
      slack.appToken,
      'set an app-level token (xapp-…, scope connections:write) from "Basic Information" → "App-Level Tokens", or unset it to receive Slack over HTTP',
    ]);
  if (web && !slack.appToken && slack.signingSecret && PLACEHOLDER_RE.test(slack.signingSecret))
    found.push([
      'SLACK_SIGNING_SECRET',
      slack.signingSecret,
      'set the Signing Secret from your Slack app\'s "Basic Information" page',
    ]);
  return found.map(
    ([name, value, todo]) => `${name}: is still the placeholder "${value}" from .env.example; ${todo}`,
  );
}

/** The retention settings with `AMIBOT_PRUNE_MAX_PER_REQUEST` applied. */
function retentionFromEnv(base: RetentionSettings, env: Env, problems: string[]): RetentionSettings {
  const max = num(env.AMIBOT_PRUNE_MAX_PER_REQUEST);
  if (max === undefined) return base;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    problems.push(
      'AMIBOT_PRUNE_MAX_PER_REQUEST (retention.maxPerRequest): must be a whole number from 1 to 1000',
    );
    return base;
  }
  return { ...base, maxPerRequest: max };
}

/** The account a command means: an alias, a 12-digit id of a configured account, or the default. */
export function resolveAccount(
  config: Pick<Config, 'accounts'>,
  aliasOrId?: string,
): AccountConfig | undefined {
  if (!aliasOrId) return config.accounts.find((a) => a.default) ?? config.accounts[0];
  return config.accounts.find((a) => a.alias === aliasOrId || a.accountId === aliasOrId);
}
