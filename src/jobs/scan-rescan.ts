import { z } from 'zod';
import { runFindingReminders } from '../hygiene/findings.js';
import { runRescan } from '../hygiene/rescan.js';
import { defineJob } from './job.js';

/**
 * Scheduled rescans (recurring, `scan.schedule`, when set): golden and recently launched images are
 * scanned again; what their scans find new is announced in each image's channel (hygiene/rescan.ts,
 * hygiene/findings.ts). This job only queues the `scan-image` jobs: it takes seconds.
 */
export const scanRescanJob = defineJob({
  name: 'scan-rescan',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 30 * 60_000,
  jobId: () => 'scan-rescan',
  schedule: (config) => (config.scan.schedule ? { pattern: config.scan.schedule } : undefined),
  run: (ctx) => runRescan(ctx.deps),
});

/**
 * Reminders of findings' fix-by dates as they come (recurring, `scan.reminderCron`, while rescans
 * are scheduled): one `reminder-post` job per reminder due, paced per channel.
 */
export const findingRemindersJob = defineJob({
  name: 'finding-reminders',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 15 * 60_000,
  jobId: () => 'finding-reminders',
  schedule: (config) => (config.scan.schedule ? { pattern: config.scan.reminderCron } : undefined),
  run: (ctx) => runFindingReminders(ctx.deps),
});
