import { z } from 'zod';
import type { Deps } from '../deps.js';
import * as lifecycle from '../requests/lifecycle.js';
import { defineJob } from './job.js';

/** Expires pending requests whose time is up (recurring, every minute). */
export const requestsExpireJob = defineJob({
  name: 'requests-expire',
  queue: 'maintenance',
  schema: z.object({}).strict(),
  attempts: 1,
  backoff: { type: 'fixed', delay: 1_000 },
  timeoutMs: 5 * 60_000,
  jobId: () => 'requests-expire',
  schedule: () => ({ every: 60_000 }),
  run: (ctx) => expirePendingRequests(ctx.deps),
});

/** Expires pending requests whose time is up and says so on their messages. Returns how many. */
export async function expirePendingRequests(deps: Deps): Promise<number> {
  const now = deps.clock();
  let expired = 0;
  for (;;) {
    const due = await deps.requests.duePending(now, 100);
    if (due.length === 0) return expired;
    for (const id of due) {
      if (await lifecycle.expire(deps, id)) expired++;
      // Decided meanwhile: it left the pending index with that decision.
    }
    if (due.length < 100) return expired;
  }
}
