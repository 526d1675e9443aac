import { z } from 'zod';
import { REMINDER_ID_RE } from '../domain/ids.js';
import { deliverReminderPost } from '../expiry/delivery.js';
import { deliverFindingPost } from '../expiry/finding-delivery.js';
import { defineJob } from './job.js';

/**
 * Delivers one expiry reminder or malformed-tag notice the sweep claimed and queued, or one scan
 * finding notice or fix-by reminder (`kind: 'finding'`, expiry/finding-delivery.ts) (its context
 * is in Redis under the id, which is also the value of the claim's mark): per-channel rate limit,
 * expired-image policy action, post (see expiry/delivery.ts). `slotAt` is the job's checkpoint
 * (its reserved post slot).
 */
export const reminderPostJob = defineJob({
  name: 'reminder-post',
  queue: 'maintenance',
  schema: z
    .object({
      kind: z.enum(['reminder', 'notice', 'finding']),
      id: z.string().regex(REMINDER_ID_RE),
      slotAt: z.number().int().nonnegative().optional(),
    })
    .strict(),
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 5 * 60_000,
  jobId: (p) => `${p.kind}-post-${p.id}`,
  run: (ctx) => {
    const delivery = {
      attempt: ctx.attempt,
      saveSlot: (slotAt: number) => ctx.checkpoint({ slotAt }),
      defer: (ms: number) => ctx.defer(ms),
    };
    const { kind, ...rest } = ctx.payload;
    // A scan finding notice or fix-by reminder (hygiene/findings.ts) takes the same paced path.
    return kind === 'finding'
      ? deliverFindingPost(ctx.deps, rest, delivery)
      : deliverReminderPost(ctx.deps, { kind, ...rest }, delivery);
  },
});
