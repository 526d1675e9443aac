import type { AwsClients } from './aws/clients.js';
import type { Ec2Images } from './aws/ec2.js';
import type { Ec2Changes } from './aws/ec2-changes.js';
import type { Ec2Copies } from './aws/ec2-copy.js';
import type { ImageAccess } from './aws/image-access.js';
import type { KmsAccess, KmsKeys } from './aws/kms.js';
import type { StepFunctions } from './aws/sfn.js';
import type { Snapshots } from './aws/snapshots.js';
import type { SsmParameters } from './aws/ssm.js';
import type { Config } from './config.js';
import type { JobQueues } from './jobs/queues.js';
import type { Logger } from './logger.js';
import type { SlackNotifier } from './slack/notifier.js';
import type { ProgressReporter } from './slack/progress.js';
import type { UserGroups } from './slack/usergroups.js';
import type { AuditLog } from './store/audit.js';
import type { Cache } from './store/cache.js';
import type { Outbox } from './store/outbox.js';
import type { RateLimiter } from './store/rate-limit.js';
import type { RedisConnection } from './store/redis.js';
import type { RequestStore } from './store/requests.js';
import type { ScanStore } from './store/scans.js';
import type { SingleFlight } from './store/single-flight.js';

/** Everything handlers and jobs need, built once in `main.ts` (or a test harness) and handed down. */
export interface Deps {
  config: Config;
  logger: Logger;
  clock: () => Date;
  /** Source of random bytes (request ids); injectable for tests. */
  randomBytes: (n: number) => Uint8Array;
  redis: RedisConnection;
  cache: Cache;
  /** Coalesces identical expensive reads in flight (finds). */
  singleFlight: SingleFlight;
  aws: AwsClients;
  images: Ec2Images;
  changes: Ec2Changes;
  copies: Ec2Copies;
  kms: KmsKeys;
  /** EBS snapshots: listing own snapshots, deleting one only if no image uses it (throttled). */
  snapshots: Snapshots;
  rateLimiter: RateLimiter;
  progress: ProgressReporter;
  /** Waits (job polling); injectable so tests and benchmarks control time. */
  sleep: (ms: number) => Promise<void>;
  requests: RequestStore;
  /** Follow-ups of request changes, delivered by the relay (requests/follow-ups.ts). */
  outbox: Outbox;
  /** `/ami scan` records. */
  scans: ScanStore;
  /** Step Functions (the deep scan). */
  sfn: StepFunctions;
  audit: AuditLog;
  queues: JobQueues;
  notifier: SlackNotifier;
  userGroups: UserGroups;
  /** SSM Parameter Store (golden-image parameters). */
  ssm: SsmParameters;
  /** KMS key policies and grants (sharing encrypted images). */
  kmsAccess: KmsAccess;
  /** Snapshot permissions and keys, block public access (promotions, `/ami why`). */
  imageAccess: ImageAccess;
}
