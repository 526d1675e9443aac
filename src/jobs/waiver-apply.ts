import { z } from 'zod';
import { REQUEST_ID_RE } from '../domain/ids.js';
import { AppError } from '../errors.js';
import { applyWaiver } from '../hygiene/waivers.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob } from './job.js';

/** An approved `waive` request: stores the waiver with the image (hygiene/waivers.ts). */
export const waiverApplyJob = defineJob({
  name: 'waiver-apply',
  queue: 'ops',
  schema: z.object({ requestId: z.string().regex(REQUEST_ID_RE) }).strict(),
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 60_000,
  jobId: (p) => `waive-${p.requestId}`,
  run: async (ctx) => {
    try {
      await applyWaiver(ctx.deps, ctx.payload.requestId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        throw new bullmq.UnrecoverableError(err.userMessage);
      throw err;
    }
  },
  onGiveUp: async (ctx, message) => {
    await lifecycle.failUnfinished(ctx.deps, ctx.payload.requestId, message);
  },
});
