import { z } from 'zod';
import { REQUEST_ID_RE } from '../domain/ids.js';
import { AppError } from '../errors.js';
import { runBatch } from '../hygiene/run-batch.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob } from './job.js';

const schema = z.object({ requestId: z.string().regex(REQUEST_ID_RE) }).strict();

/**
 * An approved `revoke-sharing` request (`/ami access`): removes the listed launch permissions image
 * by image, each image's permissions read again right before (hygiene/access.ts `revokeImage`), with
 * a checkpoint per image in the request (hygiene/run-batch.ts), so a retried or resumed job skips
 * what is done and never leaves an image half-unshared.
 */
export const revokeSharingJob = defineJob({
  name: 'revoke-sharing',
  queue: 'ops',
  schema,
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 2 * 3600_000,
  jobId: (p) => `revoke-${p.requestId}`,
  run: async (ctx) => {
    try {
      await runBatch(ctx.deps, ctx.payload.requestId, { lastAttempt: ctx.lastAttempt });
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        throw new bullmq.UnrecoverableError(err.userMessage);
      throw err;
    }
  },
  onGiveUp: async (ctx, message) => {
    await lifecycle.failUnfinished(
      ctx.deps,
      ctx.payload.requestId,
      `${message} Part of it may be done: the message shows which images were unshared.`,
    );
  },
});
