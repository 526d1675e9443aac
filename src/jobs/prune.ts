import { z } from 'zod';
import { REQUEST_ID_RE } from '../domain/ids.js';
import { AppError } from '../errors.js';
import { runBatch } from '../hygiene/run-batch.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob, type JobContext } from './job.js';

const schema = z.object({ requestId: z.string().regex(REQUEST_ID_RE) }).strict();

async function run(ctx: JobContext<z.infer<typeof schema>>): Promise<void> {
  try {
    await runBatch(ctx.deps, ctx.payload.requestId, { lastAttempt: ctx.lastAttempt });
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found')
      throw new bullmq.UnrecoverableError(err.userMessage);
    throw err;
  }
}

async function giveUp(ctx: JobContext<z.infer<typeof schema>>, message: string): Promise<void> {
  await lifecycle.failUnfinished(
    ctx.deps,
    ctx.payload.requestId,
    `${message} Part of it may be done: the message shows what was.`,
  );
}

/**
 * An approved prune request: deregisters its images one by one, each checked again right before
 * (see hygiene/run-batch.ts). Retries resume from the per-image checkpoints in the request.
 */
export const pruneJob = defineJob({
  name: 'prune',
  queue: 'ops',
  schema,
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 2 * 3600_000,
  jobId: (p) => `prune-${p.requestId}`,
  run,
  onGiveUp: giveUp,
});

/** An approved deletion of orphaned snapshots, one by one, each checked again right before. */
export const pruneSnapshotsJob = defineJob({
  name: 'prune-snapshots',
  queue: 'ops',
  schema,
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 2 * 3600_000,
  jobId: (p) => `prune-snapshots-${p.requestId}`,
  run,
  onGiveUp: giveUp,
});
