import { z } from 'zod';
import type { Deps } from '../deps.js';
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
      const res = await deps.requests.transition(id, ['pending'], 'expired', () => ({}), now);
      if (!res.ok) {
        // Decided meanwhile, or gone: make sure it leaves the pending index either way.
        if (res.reason === 'not_found') await deps.requests.discard(id);
        continue;
      }
      expired++;
      await deps.notifier.refreshRequest(res.request);
      await deps.notifier.replyToRequest(
        res.request,
        `your request \`${id}\` expired without enough approvals.`,
      );
      await deps.audit.record({
        actor: 'amibot',
        action: 'request.expired',
        target: id,
        requestId: id,
        imageId: res.request.imageId,
        account: res.request.account,
        region: res.request.region,
        result: 'ok',
      });
    }
    if (due.length < 100) return expired;
  }
}
