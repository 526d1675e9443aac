import { z } from 'zod';
import { resolveAccount } from '../config.js';
import { REQUEST_ID_RE } from '../domain/ids.js';
import { toAppError } from '../errors.js';
import { executeRollback } from '../golden/rollback.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob, rethrowInterruption } from './job.js';

/** An approved `/ami rollback`: every region of the family back on its previous image. */
export const rollbackJob = defineJob({
  name: 'rollback',
  queue: 'ops',
  schema: z.object({ requestId: z.string().regex(REQUEST_ID_RE) }).strict(),
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 5 * 60_000,
  jobId: (p) => `rollback-${p.requestId}`,
  run: async (ctx): Promise<void> => {
    const { deps } = ctx;
    const { requestId } = ctx.payload;
    const current = await deps.requests.get(requestId);
    if (!current) throw new bullmq.UnrecoverableError(`request ${requestId} does not exist`);
    if (!['approved', 'queued', 'running'].includes(current.state)) return;
    const request = await lifecycle.start(deps, requestId);
    if (!request) return;
    const account = resolveAccount(deps.config, request.account);
    try {
      if (!account) throw new bullmq.UnrecoverableError(`account ${request.account} is no longer configured`);
      await lifecycle.finish(deps, requestId, await executeRollback(deps, account, request));
    } catch (err) {
      rethrowInterruption(err);
      const appErr = toAppError(err);
      if (appErr.retry && !ctx.lastAttempt) throw err;
      await lifecycle.finish(deps, requestId, { ok: false, summary: appErr.userMessage });
      throw new bullmq.UnrecoverableError(appErr.userMessage);
    }
  },
  onGiveUp: (ctx, message) =>
    lifecycle.failUnfinished(ctx.deps, ctx.payload.requestId, message).then(() => {}),
});
