import { type AccountConfig, resolveAccount } from '../config.js';
import {
  awaitCopyTurn,
  copyStatus,
  holdCopyRate,
  isFailedState,
  releaseSlot,
  watchCopy,
} from '../copies/flight.js';
import type { Deps } from '../deps.js';
import {
  GOLDEN_SOURCE_TAG,
  keyPolicyStatement,
  PROMOTION_STEPS,
  type PromotionStep,
  previousParameterName,
  promotionClientToken,
  STEP_LABELS,
  stepsLeft,
} from '../domain/golden.js';
import type { AmiRequest, PromotionRegionPlan, RegionProgress } from '../domain/request.js';
import { AppError, JobInterrupted, toAppError } from '../errors.js';
import type { JobContext } from '../jobs/job.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';

/**
 * One region of an approved promotion, in ordered, checkpointed steps (`PROMOTION_STEPS`):
 *
 *   copy       a copy encrypted with the region's key, through the copy machinery (a slot among
 *              the copies in flight, a paced CopyImage, then the job waits delayed while EC2
 *              works and the region's poller watches it). The ClientToken comes from the image,
 *              the family and the region, so a promotion filed again finds the same copy.
 *   share      launch permissions for the family's accounts, organizations and OUs
 *   grants     create-volume permission on the snapshots for the accounts, and a KMS grant on the
 *              region's key for each of them
 *   parameter  the family's SSM parameter: its old value kept at `…/previous`, then the new id
 *   tag        `amibot:golden=<family>` and the family's tags on the image and its snapshots
 *   deprecate  the family's previous image there deprecated after `deprecatePreviousAfterDays`
 *
 * Every step is idempotent against AWS itself (not only the checkpoint), so a retried job, one
 * picked up after its worker died, or a new request for the same promotion resumes where the work
 * stands. A step that fails for good stops this region only: the region is recorded as failed
 * with the step and what is left, and the job ends (the flow's parent finishes the request).
 */
export interface PromoteRegionPayload {
  requestId: string;
  region: string;
  step?: PromotionStep | 'done';
  imageId?: string;
  ticket?: number;
  startAt?: number;
  copyStartedAt?: number;
  /** Moves on when the copy under the previous ClientToken failed or clashed. */
  generation?: number;
}

type Ctx = JobContext<PromoteRegionPayload>;
type PromoteParams = Extract<AmiRequest['params'], { kind: 'promote' }>;

const DAY_MS = 86_400_000;

/** The job id of a promotion region, also its name among the copies in flight. */
export function promoteRegionJobId(p: Pick<PromoteRegionPayload, 'requestId' | 'region'>): string {
  return `copy-${p.requestId}-${p.region}`;
}

/** The region ended inside a step (failed, cancelled): the job is done. */
class RegionEnded extends Error {
  constructor() {
    super('region ended');
    this.name = 'RegionEnded';
  }
}

export async function runPromotionRegion(ctx: Ctx): Promise<void> {
  const { deps } = ctx;
  const { requestId, region } = ctx.payload;
  const member = promoteRegionJobId(ctx.payload);
  const request = await deps.requests.get(requestId);
  if (!request) throw new bullmq.UnrecoverableError(`request ${requestId} does not exist`);
  if (request.params.kind !== 'promote')
    throw new bullmq.UnrecoverableError(`request ${requestId} is not a promotion`);
  const params = request.params;
  const plan = params.regions.find((r) => r.region === region);
  if (!plan) throw new bullmq.UnrecoverableError(`promotion ${requestId} has no region ${region}`);
  const account = resolveAccount(deps.config, request.account);
  if (!account) throw new bullmq.UnrecoverableError(`account ${request.account} is no longer configured`);

  if (request.state === 'cancelled') {
    await stopCancelled(ctx, account, request);
    return;
  }
  if (!['approved', 'queued', 'running'].includes(request.state)) {
    await releaseSlot(deps, account, region, request.region, member);
    return;
  }
  if (!(await lifecycle.start(deps, requestId))) return;

  let step: PromotionStep = ctx.payload.step === 'done' ? 'deprecate' : (ctx.payload.step ?? 'copy');
  if (ctx.payload.step === 'done') {
    await recordRegion(deps, requestId, region, { state: 'available' });
    return;
  }
  try {
    if (step === 'copy') {
      await mark(deps, requestId, region, 'copy', 'running');
      if (!ctx.payload.imageId) await startCopy(ctx, account, request, plan, params, member);
      await waitForCopy(ctx, account, request, member);
      await mark(deps, requestId, region, 'copy', 'done', { imageId: ctx.payload.imageId });
      step = 'share';
      await ctx.checkpoint({ step });
    }
    const imageId = ctx.payload.imageId as string;
    for (const s of PROMOTION_STEPS.slice(PROMOTION_STEPS.indexOf(step))) {
      step = s;
      await ensureStillWanted(ctx, account);
      await mark(deps, requestId, region, s, 'running');
      const outcome = await STEP_RUNNERS[s as Exclude<PromotionStep, 'copy'>](
        deps,
        account,
        request,
        plan,
        imageId,
      );
      await mark(deps, requestId, region, s, outcome.skipped ? 'skipped' : 'done', outcome.progress);
      const next = PROMOTION_STEPS[PROMOTION_STEPS.indexOf(s) + 1] ?? 'done';
      await ctx.checkpoint({ step: next });
    }
    await recordRegion(deps, requestId, region, { state: 'available', imageId, percent: 100 });
  } catch (err) {
    if (err instanceof RegionEnded) return;
    // A job stopped from outside (timeout, shutdown) is never recorded as a failed region.
    if (err instanceof JobInterrupted) throw err;
    if ((err as Error)?.name === 'DelayedError') throw err;
    const appErr = toAppError(err);
    if (appErr.retry && !ctx.lastAttempt) throw err;
    if (step === 'copy') await releaseSlot(deps, account, region, request.region, member).catch(() => {});
    await failRegion(deps, requestId, region, step, appErr.userMessage, ctx.payload.imageId);
  }
}

/** Records a region's failure at `step`, saying what is left. */
export async function failRegion(
  deps: Deps,
  requestId: string,
  region: string,
  step: PromotionStep,
  message: string,
  imageId?: string,
): Promise<void> {
  const left = stepsLeft(step).map((s) => STEP_LABELS[s]);
  await mark(deps, requestId, region, step, 'failed');
  await recordRegion(deps, requestId, region, {
    state: 'failed',
    ...(imageId ? { imageId } : {}),
    reason: `${STEP_LABELS[step]} failed: ${message.replace(/\s+$/, '')} Left to do here: ${left.join(', ')}.`,
  });
}

/** The step a region stopped at, from its recorded steps. */
export function currentStep(progress: RegionProgress | undefined): PromotionStep {
  const steps = progress?.steps ?? {};
  return PROMOTION_STEPS.find((s) => steps[s] !== 'done' && steps[s] !== 'skipped') ?? 'deprecate';
}

async function ensureStillWanted(ctx: Ctx, account: AccountConfig): Promise<void> {
  const current = await ctx.deps.requests.get(ctx.payload.requestId);
  if (!current || current.state === 'cancelled') {
    if (current) await stopCancelled(ctx, account, current);
    throw new RegionEnded();
  }
}

/** A cancelled promotion: a copy still in flight is removed; finished work is left as it is. */
async function stopCancelled(ctx: Ctx, account: AccountConfig, request: AmiRequest): Promise<void> {
  const { deps } = ctx;
  const { region, imageId, step } = ctx.payload;
  if (imageId && (step === undefined || step === 'copy')) {
    await deps.changes
      .deregister(account, region, imageId, { deleteSnapshots: true })
      .catch((err: unknown) => {
        deps.logger.error('could not remove the partial copy of a cancelled promotion', {
          imageId,
          error: err,
        });
      });
  }
  await releaseSlot(deps, account, region, request.region, promoteRegionJobId(ctx.payload)).catch(() => {});
  await recordRegion(deps, request.id, region, {
    state: 'cancelled',
    reason:
      imageId && (step === undefined || step === 'copy') ? `partial copy ${imageId} deregistered` : 'stopped',
  });
}

// ---- progress --------------------------------------------------------------------------------

async function recordRegion(
  deps: Deps,
  requestId: string,
  region: string,
  progress: RegionProgress,
): Promise<void> {
  const res = await deps.requests.update<never>(requestId, (r) => ({
    ok: true,
    request: {
      ...r,
      progress: { ...(r.progress ?? {}), [region]: { ...(r.progress?.[region] ?? {}), ...progress } },
    },
  }));
  if (res.ok && res.request.message) {
    await deps.progress.update(res.request.message, deps.notifier.renderRequest(res.request));
  }
}

async function mark(
  deps: Deps,
  requestId: string,
  region: string,
  step: PromotionStep,
  state: 'running' | 'done' | 'skipped' | 'failed',
  extra: Partial<RegionProgress> = {},
): Promise<void> {
  const res = await deps.requests.update<never>(requestId, (r) => {
    const cur = r.progress?.[region] ?? { state: 'queued' as const };
    const next: RegionProgress = {
      ...cur,
      ...extra,
      state: step === 'copy' && state === 'running' ? 'copying' : cur.state,
      steps: { ...(cur.steps ?? {}), [step]: state },
    };
    return { ok: true, request: { ...r, progress: { ...(r.progress ?? {}), [region]: next } } };
  });
  if (res.ok && res.request.message) {
    await deps.progress.update(res.request.message, deps.notifier.renderRequest(res.request));
  }
}

// ---- copy --------------------------------------------------------------------------------------

async function startCopy(
  ctx: Ctx,
  account: AccountConfig,
  request: AmiRequest,
  plan: PromotionRegionPlan,
  params: PromoteParams,
  member: string,
): Promise<void> {
  const { deps } = ctx;
  const { region } = ctx.payload;
  await awaitCopyTurn(ctx, { account, destRegion: region, sourceRegion: request.region, member });

  let generation = ctx.payload.generation ?? 0;
  for (let tries = 0; tries < 5; tries++, generation++) {
    if (tries > 0) await holdCopyRate(deps, account, region);
    let imageId: string;
    try {
      imageId = (
        await deps.copies.copyImage(account, region, {
          sourceRegion: request.region,
          sourceImageId: request.imageId,
          name: copyName(request, params.family, generation),
          description:
            `Golden image of family ${params.family}: copy of ${request.imageId} (${request.region}) by amibot`.slice(
              0,
              255,
            ),
          encrypted: true,
          kmsKeyId: plan.keyArn,
          copyImageTags: true,
          tags: { [GOLDEN_SOURCE_TAG]: request.imageId, 'amibot:source-region': request.region },
          clientToken: promotionClientToken(request.imageId, params.family, region, generation),
        })
      ).imageId;
    } catch (err) {
      // A name taken, or the token used with other settings (the family's key changed): next generation.
      if (err instanceof AppError && err.code === 'conflict') continue;
      throw err;
    }
    // The token may return a copy made by an earlier filing that failed since: start afresh.
    const seen = (await deps.copies.describeCopies(account, region, [imageId])).get(imageId);
    if (seen && isFailedState(seen.state)) continue;
    await ctx.checkpoint({ imageId, copyStartedAt: Date.now(), generation });
    await watchCopy(deps, account, region, member, imageId);
    await recordRegion(deps, request.id, region, {
      state: 'copying',
      imageId,
      percent: seen?.state === 'available' ? 100 : 0,
    });
    if (seen?.state === 'available') return;
    await ctx.defer(3 * deps.config.jobs.maxPollMs);
  }
  throw new AppError(
    'conflict',
    `Could not start a copy in ${region}: every name and token tried was taken or failed.`,
  );
}

/** The copy's name: deterministic (the same for every filing of the promotion), as the token needs. */
function copyName(request: AmiRequest, family: string, generation: number): string {
  const base = `${request.image.name || 'image'}-golden-${family}-${request.imageId}`.replace(
    /[^A-Za-z0-9()[\] ./'@_-]/g,
    '-',
  );
  const suffix = generation ? `-g${generation}` : '';
  return `${base.slice(0, 128 - suffix.length)}${suffix}`;
}

async function waitForCopy(
  ctx: Ctx,
  account: AccountConfig,
  request: AmiRequest,
  member: string,
): Promise<void> {
  const { deps } = ctx;
  const { region } = ctx.payload;
  const imageId = ctx.payload.imageId as string;
  await ensureStillWanted(ctx, account);
  const startedAt = ctx.payload.copyStartedAt ?? Date.now();
  const status = await copyStatus(deps, account, region, imageId, startedAt);
  const vanished = status?.state === 'missing' && Date.now() - startedAt > 5 * 60_000;
  if (status && (isFailedState(status.state) || vanished)) {
    await releaseSlot(deps, account, region, request.region, member);
    // The next filing starts a new generation instead of finding this failed copy.
    await failRegion(
      deps,
      request.id,
      region,
      'copy',
      vanished
        ? 'EC2 no longer lists the copy.'
        : `EC2 reported the copy as failed (${status.reason ?? status.state}).`,
      imageId,
    );
    throw new RegionEnded();
  }
  if (status?.state === 'available') {
    await releaseSlot(deps, account, region, request.region, member);
    return;
  }
  if (Date.now() - startedAt > ctx.timeoutMs) {
    await releaseSlot(deps, account, region, request.region, member);
    await failRegion(
      deps,
      request.id,
      region,
      'copy',
      `The copy did not finish within ${Math.round(ctx.timeoutMs / 60_000)} minutes.`,
      imageId,
    );
    throw new RegionEnded();
  }
  await ctx.defer(3 * deps.config.jobs.maxPollMs);
}

// ---- the other steps ---------------------------------------------------------------------------

interface StepOutcome {
  skipped?: boolean;
  progress?: Partial<RegionProgress>;
}

type StepRunner = (
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
  plan: PromotionRegionPlan,
  imageId: string,
) => Promise<StepOutcome>;

function paramsOf(request: AmiRequest): PromoteParams {
  return request.params as PromoteParams;
}

const share: StepRunner = async (deps, account, request, plan, imageId) => {
  const { targets } = paramsOf(request);
  if (targets.length === 0) return { skipped: true };
  await deps.changes.addLaunchPermissions(account, plan.region, imageId, targets);
  return {};
};

const grants: StepRunner = async (deps, account, request, plan, imageId) => {
  const p = paramsOf(request);
  const accounts = p.targets.flatMap((t) => (t.kind === 'account' ? [t.accountId] : []));
  if (accounts.length === 0) return { skipped: true };
  const image = await deps.images.getImage(account, plan.region, imageId);
  const snapshots = image.blockDevices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : []));
  await deps.imageAccess.addCreateVolumePermission(account, plan.region, snapshots, accounts);
  for (const g of p.kmsGrants.filter((x) => x.region === plan.region)) {
    await createGrantOrExplain(deps, account, plan.region, g.keyArn, g.accountId);
  }
  return {};
};

/** `kms:CreateGrant` for the account, or — when the key policy does not allow it — the statement to add. */
export async function createGrantOrExplain(
  deps: Deps,
  account: AccountConfig,
  region: string,
  keyArn: string,
  accountId: string,
): Promise<void> {
  try {
    await deps.kmsAccess.createGrant(account, region, keyArn, accountId);
  } catch (err) {
    const appErr = toAppError(err);
    if (appErr.code !== 'aws_access_denied') throw err;
    throw new AppError(
      'aws_access_denied',
      `KMS refused \`kms:CreateGrant\` on key \`${keyArn}\` for account \`${accountId}\`: the key policy does not let amibot grant its use. Add this statement to the key policy (it lets the account use the key directly, no grant needed), then file the request again:\n\`\`\`${keyPolicyStatement({ kind: 'account', accountId })}\`\`\``,
      { cause: err, context: { action: 'kms:CreateGrant', region, awsCode: appErr.context.awsCode } },
    );
  }
}

const parameter: StepRunner = async (deps, account, request, plan, imageId) => {
  const previousName = previousParameterName(plan.parameter);
  const current = await deps.ssm.get(account, plan.region, plan.parameter);
  if (current === imageId) {
    // Written by an earlier run: the previous image is what was kept then.
    const previous = await deps.ssm.get(account, plan.region, previousName);
    return { progress: previous && previous !== imageId ? { previousImageId: previous } : {} };
  }
  const family = paramsOf(request).family;
  if (current) {
    await deps.ssm.putImageId(
      account,
      plan.region,
      previousName,
      current,
      `Previous golden image of family ${family}`,
    );
  }
  await deps.ssm.putImageId(
    account,
    plan.region,
    plan.parameter,
    imageId,
    `Golden image of family ${family} (${request.id})`,
  );
  const after = await deps.ssm.get(account, plan.region, plan.parameter);
  if (after !== imageId) {
    throw new AppError(
      'conflict',
      `SSM did not keep \`${imageId}\` in \`${plan.parameter}\` (it holds ${after ? `\`${after}\`` : 'nothing'}): AWS checks \`aws:ec2:image\` values after accepting them and refused this one.`,
      { retry: true },
    );
  }
  return { progress: current ? { previousImageId: current } : {} };
};

const tag: StepRunner = async (deps, account, request, plan, imageId) => {
  const p = paramsOf(request);
  const image = await deps.images.getImage(account, plan.region, imageId);
  const snapshots = image.blockDevices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : []));
  await deps.changes.setTags(account, plan.region, [imageId, ...snapshots], {
    ...p.tags,
    'amibot:request-id': request.id,
  });
  return {};
};

const deprecate: StepRunner = async (deps, account, request, plan, imageId) => {
  const current = await deps.requests.get(request.id);
  const previous =
    current?.progress?.[plan.region]?.previousImageId ??
    (await deps.ssm.get(account, plan.region, previousParameterName(plan.parameter)));
  if (!previous || previous === imageId) return { skipped: true };
  const days = paramsOf(request).deprecatePreviousAfterDays;
  const at = new Date(Math.max(deps.clock().getTime() + days * DAY_MS, deps.clock().getTime() + 10 * 60_000));
  try {
    await deps.changes.enableDeprecation(account, plan.region, previous, at);
  } catch (err) {
    if (toAppError(err).code === 'not_found') return { skipped: true };
    throw err;
  }
  return {};
};

const STEP_RUNNERS: Record<Exclude<PromotionStep, 'copy'>, StepRunner> = {
  share,
  grants,
  parameter,
  tag,
  deprecate,
};
