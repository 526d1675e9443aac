import { z } from 'zod';
import { PROMOTION_STEPS } from '../domain/golden.js';
import { IMAGE_ID_RE, REGION_RE, REQUEST_ID_RE } from '../domain/ids.js';
import { finishPromotion } from '../golden/promote-finish.js';
import { currentStep, failRegion, promoteRegionJobId, runPromotionRegion } from '../golden/promote-region.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob } from './job.js';

/**
 * A promotion is one BullMQ flow (`FlowProducer`): the parent `promote` with one `promote-region`
 * child per region. The children do the work (`golden/promote-region.ts`: ordered, checkpointed
 * steps, the copy waiting delayed without a worker slot); the parent stays in `waiting-children`
 * until every child has ended — failed ones included (`ignoreDependencyOnFailure`), so one region
 * failing stops that region only — and then finishes the request.
 */
const promoteRegionSchema = z
  .object({
    requestId: z.string().regex(REQUEST_ID_RE),
    region: z.string().regex(REGION_RE),
    step: z.enum([...PROMOTION_STEPS, 'done']).optional(),
    imageId: z.string().regex(IMAGE_ID_RE).optional(),
    ticket: z.number().int().nonnegative().optional(),
    startAt: z.number().int().nonnegative().optional(),
    copyStartedAt: z.number().int().nonnegative().optional(),
    generation: z.number().int().min(0).max(100).optional(),
  })
  .strict();

export const promoteRegionJob = defineJob({
  name: 'promote-region',
  queue: 'copies',
  schema: promoteRegionSchema,
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 6 * 3600_000,
  jobId: promoteRegionJobId,
  run: (ctx): Promise<void> => runPromotionRegion(ctx),
  onGiveUp: async (ctx, message) => {
    const request = await ctx.deps.requests.get(ctx.payload.requestId);
    const step = currentStep(request?.progress?.[ctx.payload.region]);
    await failRegion(ctx.deps, ctx.payload.requestId, ctx.payload.region, step, message, ctx.payload.imageId);
  },
});

const promoteSchema = z
  .object({
    requestId: z.string().regex(REQUEST_ID_RE),
    regions: z.array(z.string().regex(REGION_RE)).min(1).max(20),
  })
  .strict();

export const promoteJob = defineJob({
  name: 'promote',
  queue: 'ops',
  schema: promoteSchema,
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 2 * 60_000,
  jobId: (p) => `promote-${p.requestId}`,
  children: (p) =>
    p.regions.map((region) => ({ name: 'promote-region', payload: { requestId: p.requestId, region } })),
  run: async (ctx): Promise<void> => {
    if (!ctx.payload.requestId) throw new bullmq.UnrecoverableError('no request');
    await finishPromotion(ctx.deps, ctx.payload.requestId);
  },
});
