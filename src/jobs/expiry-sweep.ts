import { z } from 'zod';
import { runExpiryDigest } from '../expiry/digest.js';
import { runExpirySweep } from '../expiry/sweep.js';
import { defineJob } from './job.js';

/**
 * The expiry sweep: reminders, malformed-tag notices, expired-image policies (recurring,
 * `expiry.sweepCron`). Detection only (posting is the `reminder-post` jobs'): minutes even for a
 * big estate. Its stats become the job's return value (visible in BullMQ).
 */
export const expirySweepJob = defineJob({
  name: 'expiry-sweep',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 60 * 60_000,
  jobId: () => 'expiry-sweep',
  schedule: (config) => ({ pattern: config.expiry.sweepCron }),
  run: (ctx) => runExpirySweep(ctx.deps),
});

/** The daily expiry digest per channel (recurring, `expiry.digest.cron`, when enabled). */
export const expiryDigestJob = defineJob({
  name: 'expiry-digest',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 30 * 60_000,
  jobId: () => 'expiry-digest',
  schedule: (config) => (config.expiry.digest.enabled ? { pattern: config.expiry.digest.cron } : undefined),
  run: (ctx) => runExpiryDigest(ctx.deps),
});
