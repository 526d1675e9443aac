import { z } from 'zod';
import { relayDue } from '../requests/follow-ups.js';
import { redrive } from '../requests/redrive.js';
import { defineJob } from './job.js';

/**
 * Delivers the request follow-ups still due (their deliverer died, Slack was rate-limiting, Redis
 * was away) and re-drives requests that stopped moving (recurring, `jobs.redriveEveryMs`).
 */
export const requestsRedriveJob = defineJob({
  name: 'requests-redrive',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 5 * 60_000,
  jobId: () => 'requests-redrive',
  schedule: (config) => ({ every: config.jobs.redriveEveryMs }),
  run: async (ctx) => {
    const delivered = await relayDue(ctx.deps);
    const stuck = await redrive(ctx.deps, ctx.deps.config.jobs.stuckAfterMs);
    return { delivered, ...stuck };
  },
});
