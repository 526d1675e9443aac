import { randomBytes } from 'node:crypto';
import { abortableSleep } from './aws/abort.js';
import { type AwsClientOptions, AwsClients } from './aws/clients.js';
import { Ec2Images } from './aws/ec2.js';
import { Ec2Changes } from './aws/ec2-changes.js';
import { Ec2Copies } from './aws/ec2-copy.js';
import { ImageAccess } from './aws/image-access.js';
import { KmsAccess, KmsKeys } from './aws/kms.js';
import { StepFunctions } from './aws/sfn.js';
import { Snapshots } from './aws/snapshots.js';
import { SsmParameters } from './aws/ssm.js';
import { approverHint } from './blocks/approval.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { JobQueues } from './jobs/queues.js';
import { createLogger, type Logger } from './logger.js';
import { SlackNotifier } from './slack/notifier.js';
import { ProgressReporter } from './slack/progress.js';
import { UserGroups } from './slack/usergroups.js';
import { AuditLog } from './store/audit.js';
import { RedisCache } from './store/cache.js';
import { Outbox } from './store/outbox.js';
import { mutateBucket, RateLimiter } from './store/rate-limit.js';
import type { RedisConnection } from './store/redis.js';
import { createRedis, throttledRedisErrorLog } from './store/redis.js';
import { RequestStore } from './store/requests.js';
import { ScanStore } from './store/scans.js';
import { SingleFlight } from './store/single-flight.js';

export interface BuildDepsOptions {
  logger?: Logger;
  clock?: () => Date;
  redis?: RedisConnection;
  /** Base AWS credentials (tests and the sandbox); production uses the SDK's default chain. */
  awsCredentials?: AwsClientOptions['credentials'];
  /** Retries of Slack Web API calls (tests keep this low). */
  slackRetries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Builds every dependency once. `main.ts`, the test harness and the sandbox all come through here. */
export function buildDeps(config: Config, opts: BuildDepsOptions = {}): Deps {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? (() => new Date());
  const redis =
    opts.redis ??
    createRedis(
      config.redis.url,
      'client',
      {},
      throttledRedisErrorLog((m, f) => logger.warn(m, f)),
    );
  const aws = AwsClients.fromConfig(config, { credentials: opts.awsCredentials, clock });
  const cache = new RedisCache(redis, config.redis.keyPrefix);
  // Waits inside a job end when the job is stopped (timeout, shutdown): see aws/abort.ts.
  const sleep = opts.sleep ?? ((ms: number) => abortableSleep(ms));
  const rateLimiter = new RateLimiter(redis, config.redis.keyPrefix, sleep);
  const notifier = new SlackNotifier({
    token: config.slack.botToken,
    apiUrl: config.slack.apiUrl,
    logger,
    clock,
    retries: opts.slackRetries,
    approverHintFor: (r) =>
      approverHint(config.accounts.find((a) => a.alias === r.account)?.policy.approvers ?? []),
  });
  const mutateThrottle = (alias: string, region: string) =>
    rateLimiter
      .acquire(mutateBucket(alias, region), { rate: config.aws.mutateRate, burst: 5 })
      .then(() => {});
  return {
    config,
    logger,
    clock,
    randomBytes: (n) => randomBytes(n),
    redis,
    cache,
    singleFlight: new SingleFlight(),
    aws,
    images: new Ec2Images(aws),
    changes: new Ec2Changes(aws, mutateThrottle),
    snapshots: new Snapshots(aws, mutateThrottle),
    copies: new Ec2Copies(aws),
    kms: new KmsKeys(aws),
    rateLimiter,
    progress: new ProgressReporter(redis, config.redis.keyPrefix, notifier, logger, {
      minIntervalMs: config.jobs.progressIntervalMs,
      maxUpdatesPerMessage: config.jobs.progressUpdatesPerMessage,
      sleep,
      channelBudget: {
        limiter: rateLimiter,
        spec: {
          rate: config.jobs.channelUpdatesPerMinute / 60,
          burst: Math.max(1, Math.ceil(config.jobs.channelUpdatesPerMinute / 10)),
        },
      },
    }),
    sleep,
    requests: new RequestStore(redis, config.redis.keyPrefix, config.auditRetentionDays),
    outbox: new Outbox(redis, config.redis.keyPrefix),
    scans: new ScanStore(redis, config.redis.keyPrefix),
    sfn: new StepFunctions(aws),
    audit: new AuditLog(redis, config.redis.keyPrefix, logger, config.auditRetentionDays, clock),
    queues: new JobQueues(redis, config.redis.keyPrefix),
    notifier,
    userGroups: new UserGroups(notifier.client, cache, logger),
    ssm: new SsmParameters(aws),
    kmsAccess: new KmsAccess(aws),
    imageAccess: new ImageAccess(aws, (alias, region) =>
      rateLimiter
        .acquire(mutateBucket(alias, region), { rate: config.aws.mutateRate, burst: 5 })
        .then(() => {}),
    ),
  };
}

/** Releases connections held by the dependencies. */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.queues.close().catch(() => {});
  deps.aws.destroy();
  deps.redis.disconnect();
}
