import type { Redis } from 'ioredis';
import type { AwsClients } from './aws/clients.js';
import type { Ec2Images } from './aws/ec2.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Cache } from './store/cache.js';

/** Everything handlers and jobs need, built once in `main.ts` (or a test harness) and handed down. */
export interface Deps {
  config: Config;
  logger: Logger;
  clock: () => Date;
  redis: Redis;
  cache: Cache;
  aws: AwsClients;
  images: Ec2Images;
}
