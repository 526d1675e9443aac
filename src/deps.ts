import type { Redis } from 'ioredis';
import type { AwsClients } from './aws/clients.js';
import type { Ec2Images } from './aws/ec2.js';
import type { Ec2Changes } from './aws/ec2-changes.js';
import type { Config } from './config.js';
import type { JobQueues } from './jobs/queues.js';
import type { Logger } from './logger.js';
import type { SlackNotifier } from './slack/notifier.js';
import type { UserGroups } from './slack/usergroups.js';
import type { AuditLog } from './store/audit.js';
import type { Cache } from './store/cache.js';
import type { RequestStore } from './store/requests.js';

/** Everything handlers and jobs need, built once in `main.ts` (or a test harness) and handed down. */
export interface Deps {
  config: Config;
  logger: Logger;
  clock: () => Date;
  /** Source of random bytes (request ids); injectable for tests. */
  randomBytes: (n: number) => Uint8Array;
  redis: Redis;
  cache: Cache;
  aws: AwsClients;
  images: Ec2Images;
  changes: Ec2Changes;
  requests: RequestStore;
  audit: AuditLog;
  queues: JobQueues;
  notifier: SlackNotifier;
  userGroups: UserGroups;
}
