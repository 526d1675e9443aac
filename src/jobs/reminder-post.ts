import { z } from 'zod';
import { REMINDER_ID_RE } from '../domain/ids.js';
import { deliverReminderPost } from '../expiry/delivery.js';
import { defineJob } from './job.js';

/**
 * Delivers one expiry reminder or malformed-tag notice the sweep claimed and queued (its context
 * is in Redis under the id, which is also the value of the claim's mark): per-channel rate limit,
 * expired-image policy action, post (see expiry/delivery.ts). `slotAt` is the job's checkpoint
 * (its reserved post slot).
 */
export const reminderPostJob = defineJob({
  name: 'reminder-post',
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
  run: (ctx) =>
    deliverReminderPost(ctx.deps, ctx.payload, {
      attempt: ctx.attempt,
      saveSlot: (slotAt) => ctx.checkpoint({ slotAt }),
      defer: (ms) => ctx.defer(ms),
    }),
});
