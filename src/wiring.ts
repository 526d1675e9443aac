import type { Redis } from 'ioredis';
import { type AwsClientOptions, AwsClients } from './aws/clients.js';
import { Ec2Images } from './aws/ec2.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { createLogger, type Logger } from './logger.js';
import { RedisCache } from './store/cache.js';
import { createRedis } from './store/redis.js';

export interface BuildDepsOptions {
  logger?: Logger;
  clock?: () => Date;
  redis?: Redis;
  /** Base AWS credentials (tests and the sandbox); production uses the SDK's default chain. */
  awsCredentials?: AwsClientOptions['credentials'];
}

/** Builds every dependency once. `main.ts`, the test harness and the sandbox all come through here. */
export function buildDeps(config: Config, opts: BuildDepsOptions = {}): Deps {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? (() => new Date());
  const redis = opts.redis ?? createRedis(config.redis.url, 'client');
  const aws = AwsClients.fromConfig(config, { credentials: opts.awsCredentials, clock });
  return {
    config,
    logger,
    clock,
    redis,
    cache: new RedisCache(redis, config.redis.keyPrefix),
    aws,
    images: new Ec2Images(aws),
  };
}

/** Releases connections held by the dependencies. */
export async function closeDeps(deps: Deps): Promise<void> {
  deps.aws.destroy();
  deps.redis.disconnect();
}
