import { z } from 'zod';
import { publishHome } from '../home/home-view.js';
import { HOME_REFRESH_DELAY_MS } from '../requests/home-refresh.js';
import { HomeUsers } from '../store/home-users.js';
import { defineJob } from './job.js';

/**
 * Publishes one person's App Home again (requests/home-refresh.ts schedules it, delayed, under one
 * id per person, so a burst of request changes is one `views.publish`). The person's "changed"
 * mark is taken before the view is gathered; a change that marks them again while this runs
 * (its enqueue finds this job's id taken) makes the job wait once more and publish again.
 */
export const homeRefreshJob = defineJob({
  name: 'home-refresh',
  queue: 'maintenance',
  schema: z.object({ userId: z.string().regex(/^[A-Z0-9_]{2,40}$/) }).strict(),
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 60_000,
  jobId: (p) => `home-${p.userId}`,
  ephemeral: true,
  run: async (ctx) => {
    const homes = new HomeUsers(ctx.deps.redis, ctx.deps.config.redis.keyPrefix);
    await homes.takeDirty(ctx.payload.userId);
    await publishHome(ctx.deps, ctx.payload.userId);
    if (await homes.isDirty(ctx.payload.userId)) await ctx.defer(HOME_REFRESH_DELAY_MS);
  },
});
