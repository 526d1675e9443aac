import { z } from 'zod';
import { IMAGE_ID_RE, REGION_RE, REMINDER_ID_RE, REQUEST_ID_RE, SCAN_ID_RE } from '../domain/ids.js';

/**
 * The job catalog: every job the workers run, its queue, payload schema, retries and timeout.
 * Producers parse payloads before enqueueing and processors parse them again when a job is taken,
 * so a malformed or old-format job fails loudly instead of doing something half-right.
 * Payloads carry ids only (request id, region); never credentials or Slack tokens.
 */

const requestId = z.string().regex(REQUEST_ID_RE);
const region = z.string().regex(REGION_RE);

export const QUEUES = {
  ops: 'amibot-ops',
  copies: 'amibot-copies',
  scans: 'amibot-scans',
  maintenance: 'amibot-maintenance',
} as const;
export type QueueKey = keyof typeof QUEUES;

interface JobSpec<S extends z.ZodType> {
  queue: QueueKey;
  schema: S;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
  /** The processor gives up (unrecoverably) after this long. */
  timeoutMs: number;
  /** Deterministic job id: the same logical work always gets the same id (no ':' allowed). */
  jobId: (payload: z.infer<S>) => string;
}

function spec<S extends z.ZodType>(s: JobSpec<S>): JobSpec<S> {
  return s;
}

export const JOB_CATALOG = {
  /** A quick operation (share, deprecate, deregister, …) of an approved request. */
  'request-execute': spec({
    queue: 'ops',
    schema: z.object({ requestId }).strict(),
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    timeoutMs: 5 * 60_000,
    jobId: (p) => `exec-${p.requestId}`,
  }),
  /** One destination region of an approved copy or encrypt request. */
  'copy-region': spec({
    queue: 'copies',
    // `step` and `imageId` are the job's checkpoint (job.updateData), so a retried job resumes.
    schema: z
      .object({
        requestId,
        region,
        step: z.enum(['copying', 'permissions', 'done']).optional(),
        imageId: z.string().regex(IMAGE_ID_RE).optional(),
      })
      .strict(),
    attempts: 8,
    backoff: { type: 'exponential', delay: 5_000 },
    timeoutMs: 6 * 3600_000,
    jobId: (p) => `copy-${p.requestId}-${p.region}`,
  }),
  /** `/ami scan`: built-in checks and, when configured, the deep scan (no approval needed). */
  'scan-image': spec({
    queue: 'scans',
    schema: z.object({ scanId: z.string().regex(SCAN_ID_RE) }).strict(),
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    // Above the longest deep scan timeout (scan.timeoutMinutes ≤ 24 h); the scan stops itself first.
    timeoutMs: 25 * 3600_000,
    jobId: (p) => `scan-${p.scanId}`,
  }),
  /** Expires pending requests whose time is up (recurring). */
  'requests-expire': spec({
    queue: 'maintenance',
    schema: z.object({}).strict(),
    attempts: 1,
    backoff: { type: 'fixed', delay: 1_000 },
    timeoutMs: 5 * 60_000,
    jobId: () => 'requests-expire',
  }),
  /** The expiry sweep: reminders, malformed-tag notices, expired-image policies (recurring, `expiry.sweepCron`). */
  'expiry-sweep': spec({
    queue: 'maintenance',
    schema: z.object({}).strict(),
    attempts: 1,
    backoff: { type: 'fixed', delay: 1_000 },
    // Detection only (posting is the `reminder-post` jobs'): minutes even for a big estate.
    timeoutMs: 60 * 60_000,
    jobId: () => 'expiry-sweep',
  }),
  /**
   * Delivers one expiry reminder or malformed-tag notice the sweep claimed and queued (its context
   * is in Redis under the id, which is also the value of the claim's mark): per-channel rate limit,
   * expired-image policy action, post. `slotAt` is the job's checkpoint (its reserved post slot).
   */
  'reminder-post': spec({
    queue: 'maintenance',
    schema: z
      .object({
        kind: z.enum(['reminder', 'notice']),
        id: z.string().regex(REMINDER_ID_RE),
        slotAt: z.number().int().nonnegative().optional(),
      })
      .strict(),
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    timeoutMs: 5 * 60_000,
    jobId: (p) => `${p.kind}-post-${p.id}`,
  }),
  /** The daily expiry digest per channel (recurring, `expiry.digest.cron`, when enabled). */
  'expiry-digest': spec({
    queue: 'maintenance',
    schema: z.object({}).strict(),
    attempts: 1,
    backoff: { type: 'fixed', delay: 1_000 },
    timeoutMs: 30 * 60_000,
    jobId: () => 'expiry-digest',
  }),
} as const;

export type JobName = keyof typeof JOB_CATALOG;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_CATALOG)[N]['schema']>;

export function jobsOfQueue(queue: QueueKey): JobName[] {
  return (Object.keys(JOB_CATALOG) as JobName[]).filter((n) => JOB_CATALOG[n].queue === queue);
}

/** Validates a payload against the catalog; throws a readable error when it does not fit. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const res = JOB_CATALOG[name].schema.safeParse(data);
  if (!res.success) {
    throw new Error(
      `invalid payload for job ${name}: ${res.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return res.data as JobPayload<N>;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_CATALOG, name);
}
