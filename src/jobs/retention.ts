import { z } from 'zod';
import { runRetention } from '../hygiene/retention.js';
import { defineJob } from './job.js';

/**
 * The retention rules (recurring, `retention.cron`, when there are rules): files one prune request
 * per rule and region where something would go (see hygiene/retention.ts). Never deletes by itself.
 */
export const retentionJob = defineJob({
  name: 'retention',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 30 * 60_000,
  jobId: () => 'retention',
  schedule: (config) => (config.retention.rules.length > 0 ? { pattern: config.retention.cron } : undefined),
  run: (ctx) => runRetention(ctx.deps),
});
