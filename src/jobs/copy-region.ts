import { DelayedError, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { renderApprovalMessage } from '../blocks/approval.js';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import type { AuditEntry } from '../domain/audit.js';
import { IMAGE_ID_RE, REGION_RE, REQUEST_ID_RE } from '../domain/ids.js';
import type { AmiRequest, RegionProgress, RequestResult } from '../domain/request.js';
import { AppError, toAppError } from '../errors.js';
import { deliver } from '../requests/follow-ups.js';
import { carryLaunchPermissions, publicKeptBackNote } from '../requests/launch-grants.js';
import * as lifecycle from '../requests/lifecycle.js';
import { retireReplacedOriginal } from '../requests/replace-original.js';
import { copyBucket } from '../store/rate-limit.js';
import { defineJob, type JobAttempt, rethrowInterruption } from './job.js';

/** One destination region of an approved copy or encrypt request. */
export const copyRegionJob = defineJob({
  name: 'copy-region',
  queue: 'copies',
  // `step` and `imageId` are the job's checkpoint (job.updateData), so a retried job resumes.
  schema: z
    .object({
      requestId: z.string().regex(REQUEST_ID_RE),
      region: z.string().regex(REGION_RE),
      step: z.enum(['copying', 'permissions', 'done']).optional(),
      imageId: z.string().regex(IMAGE_ID_RE).optional(),
    })
    .strict(),
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  timeoutMs: 6 * 3600_000,
  jobId: (p) => `copy-${p.requestId}-${p.region}`,
  run: (ctx) =>
    copyRegion(ctx.deps, ctx.payload.requestId, ctx.payload.region, {
      attempt: ctx.attempt,
      checkpoint: { step: ctx.payload.step, imageId: ctx.payload.imageId },
      saveCheckpoint: (c) => ctx.checkpoint(c),
      defer: (ms) => ctx.defer(ms),
    }),
  onGiveUp: (ctx, message) =>
    finishRegion(ctx.deps, ctx.payload.requestId, ctx.payload.region, {
      state: 'failed',
      imageId: ctx.payload.imageId,
      reason: message,
    }),
});

/** What a copy job remembers between attempts (BullMQ `job.updateData`), so a retry resumes. */
export interface CopyCheckpoint {
  step?: 'copying' | 'permissions' | 'done';
  imageId?: string;
}

export interface CopyJobContext {
  attempt: JobAttempt;
  checkpoint: CopyCheckpoint;
  saveCheckpoint: (c: CopyCheckpoint) => Promise<void>;
  /**
   * Puts the job back in the queue for `ms` and ends this run (never returns). Used while the
   * region's CopyImage bucket is empty, so a waiting copy does not hold a worker slot that a copy
   * to another region could use. Without it the job waits in place.
   */
  defer?: (ms: number) => Promise<never>;
}

/** Waits shorter than this are slept through; longer ones give the worker slot back. */
const DEFER_AFTER_MS = 1_000;

/** The idempotency token for one region of one request: a retried job never makes a second image. */
export function copyClientToken(requestId: string, region: string, nameAttempt = 0): string {
  return `${requestId}-${region}${nameAttempt ? `-n${nameAttempt}` : ''}`.slice(0, 64);
}

function dateStamp(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The copy's name: the requested one, else the source name with the region (or "encrypted") and date. */
export function copyName(request: AmiRequest, region: string, now: Date, attempt = 0): string {
  const p = request.params;
  const base =
    p.kind === 'copy' && p.newName
      ? p.newName
      : `${request.image.name || request.imageId}-${p.kind === 'encrypt' ? 'encrypted' : region}-${dateStamp(now)}`;
  const suffix = attempt ? `-${attempt + 1}` : '';
  return `${base.slice(0, 128 - suffix.length)}${suffix}`;
}

function regionsOf(request: AmiRequest): string[] {
  return request.params.kind === 'copy' ? request.params.toRegions : [request.region];
}

async function setProgress(
  deps: Deps,
  requestId: string,
  region: string,
  progress: RegionProgress,
): Promise<AmiRequest | undefined> {
  const res = await deps.requests.update<never>(requestId, (r) => ({
    ok: true,
    request: {
      ...r,
      progress: { ...(r.progress ?? {}), [region]: { ...(r.progress?.[region] ?? {}), ...progress } },
    },
  }));
  return res.ok ? res.request : undefined;
}

/**
 * One destination region of an approved copy (or the single region of an encrypt): CopyImage in
 * the destination region with a token derived from the request, then poll until the image is
 * available or failed, updating the request's message. Crash-safe: the new image id is saved
 * (job data and the request) as soon as EC2 returns it, and the token makes a repeated call
 * return the same image, so a restarted job resumes polling instead of copying again.
 */
export async function copyRegion(
  deps: Deps,
  requestId: string,
  region: string,
  ctx: CopyJobContext,
): Promise<void> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new UnrecoverableError(`request ${requestId} does not exist`);
  if (request.params.kind !== 'copy' && request.params.kind !== 'encrypt') {
    throw new UnrecoverableError(`request ${requestId} is not a copy`);
  }
  const account = resolveAccount(deps.config, request.account);
  if (!account) throw new UnrecoverableError(`account ${request.account} is no longer configured`);
  if (request.state === 'cancelled') {
    await cleanUpCancelled(
      deps,
      account,
      request,
      region,
      ctx.checkpoint.imageId ?? request.progress?.[region]?.imageId,
    );
    return;
  }
  if (!['approved', 'queued', 'running'].includes(request.state)) return;
  if (!(await lifecycle.start(deps, requestId))) return;

  try {
    let imageId = ctx.checkpoint.imageId ?? request.progress?.[region]?.imageId;
    if (!imageId) {
      imageId = await startCopy(deps, account, request, region, ctx.defer);
      await ctx.saveCheckpoint({ step: 'copying', imageId });
    }
    const latest = await setProgress(deps, requestId, region, { state: 'copying', imageId, percent: 0 });
    if (latest) await showProgress(deps, latest);

    const outcome = await pollCopy(deps, account, requestId, region, imageId);
    if (outcome === 'cancelled') return;
    if (outcome.state === 'failed') {
      await finishRegion(deps, requestId, region, {
        state: 'failed',
        imageId,
        reason: outcome.reason ?? 'EC2 reported the copy as failed',
      });
      return;
    }
    if (request.params.kind === 'copy' && request.params.withPermissions) {
      await ctx.saveCheckpoint({ step: 'permissions', imageId });
      await copyPermissions(deps, account, request, region, imageId);
    }
    await ctx.saveCheckpoint({ step: 'done', imageId });
    await finishRegion(deps, requestId, region, { state: 'available', imageId, percent: 100 });
  } catch (err) {
    if (err instanceof DelayedError) throw err; // deferred for the rate limit, not a failure
    rethrowInterruption(err);
    const appErr = toAppError(err);
    const last = ctx.attempt.attemptsMade + 1 >= ctx.attempt.attempts;
    if (appErr.retry && !last) throw err;
    await finishRegion(deps, requestId, region, {
      state: 'failed',
      imageId: ctx.checkpoint.imageId,
      reason: appErr.userMessage,
    });
    throw new UnrecoverableError(appErr.userMessage);
  }
}

async function startCopy(
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
  region: string,
  defer?: CopyJobContext['defer'],
): Promise<string> {
  const p = request.params;
  const encrypt = p.kind === 'encrypt' || (p.kind === 'copy' && p.encrypt);
  const kmsKeyId = p.kind === 'encrypt' || p.kind === 'copy' ? p.kmsKeyId : undefined;
  const now = deps.clock();
  // A name taken by another image of the account: try the next suffix (with its own token).
  for (let attempt = 0; attempt < 5; attempt++) {
    const bucket = copyBucket(account.alias, region);
    const spec = { rate: deps.config.aws.copyImageRate, burst: 1 };
    for (
      let wait = await deps.rateLimiter.tryTake(bucket, spec);
      wait > 0;
      wait = await deps.rateLimiter.tryTake(bucket, spec)
    ) {
      if (defer && wait > DEFER_AFTER_MS) await defer(wait);
      await deps.sleep(wait + Math.floor(Math.random() * 50));
    }
    try {
      const out = await deps.copies.copyImage(account, region, {
        sourceRegion: request.region,
        sourceImageId: request.imageId,
        name: copyName(request, region, now, attempt),
        description: `Copy of ${request.imageId} (${request.region}) by amibot for ${request.id}`.slice(
          0,
          255,
        ),
        encrypted: encrypt || undefined,
        kmsKeyId,
        copyImageTags: true,
        tags: {
          'amibot:source-image': request.imageId,
          'amibot:source-region': request.region,
          'amibot:request-id': request.id,
        },
        clientToken: copyClientToken(request.id, region, attempt),
      });
      return out.imageId;
    } catch (err) {
      if (
        err instanceof AppError &&
        err.code === 'conflict' &&
        /Duplicate/i.test(String(err.context.awsCode))
      )
        continue;
      throw err;
    }
  }
  throw new AppError('conflict', `Could not find a free name for the copy in ${region}; pass \`--name\`.`);
}

type PollOutcome = { state: 'available' } | { state: 'failed'; reason?: string } | 'cancelled';

async function pollCopy(
  deps: Deps,
  account: AccountConfig,
  requestId: string,
  region: string,
  imageId: string,
): Promise<PollOutcome> {
  let wait = deps.config.jobs.pollMs;
  let justCreated = true;
  for (;;) {
    const current = await deps.requests.get(requestId);
    if (!current || current.state === 'cancelled') {
      if (current) await cleanUpCancelled(deps, account, current, region, imageId);
      return 'cancelled';
    }
    const status = await deps.copies.describeCopy(account, region, imageId, { justCreated });
    justCreated = false;
    if (status.state === 'available') return { state: 'available' };
    if (
      status.state === 'failed' ||
      status.state === 'invalid' ||
      status.state === 'error' ||
      status.state === 'deregistered'
    ) {
      return { state: 'failed', reason: status.reason };
    }
    const latest = await setProgress(deps, requestId, region, {
      state: 'copying',
      imageId,
      percent: status.percent,
    });
    if (latest) await showProgress(deps, latest);
    await deps.sleep(wait);
    wait = Math.min(deps.config.jobs.maxPollMs, Math.ceil(wait * 1.5));
  }
}

async function copyPermissions(
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
  region: string,
  imageId: string,
): Promise<void> {
  // Read again now and kept within the account's current policy (never public unless allowed).
  const grants = await carryLaunchPermissions(
    deps,
    account,
    { region: request.region, imageId: request.imageId },
    { region, imageId },
  );
  if (grants.publicDropped)
    await setProgress(deps, request.id, region, {
      state: 'copying',
      imageId,
      reason: publicKeptBackNote(account.alias),
    });
}

/** A cancelled copy: deregister the partial image (and its snapshots) so nothing half-made is left. */
async function cleanUpCancelled(
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
  region: string,
  imageId?: string,
): Promise<void> {
  if (imageId) {
    try {
      await deps.changes.deregister(account, region, imageId, { deleteSnapshots: true });
    } catch (err) {
      deps.logger.error('could not remove the partial copy of a cancelled request', {
        requestId: request.id,
        imageId,
        error: err,
      });
    }
  }
  const latest = await setProgress(deps, request.id, region, {
    state: 'cancelled',
    reason: imageId ? `partial image ${imageId} deregistered` : 'not started',
  });
  if (latest?.message)
    await deps.progress.final(latest.message, renderApprovalMessage({ request: latest, now: deps.clock() }));
}

async function showProgress(deps: Deps, request: AmiRequest): Promise<void> {
  if (!request.message) return;
  await deps.progress.update(request.message, renderApprovalMessage({ request, now: deps.clock() }));
}

/**
 * Records a region's end. The job that records the last region also finishes the request (the
 * compare-and-set in the store makes sure exactly one does), writes the final message, replies in
 * the thread and, for `encrypt --replace`, retires the unencrypted original.
 */
export async function finishRegion(
  deps: Deps,
  requestId: string,
  region: string,
  progress: RegionProgress,
): Promise<void> {
  const now = deps.clock();
  let finishedNow = false;
  let audit: AuditEntry[] = [];
  const res = await deps.requests.update<never>(requestId, (r) => {
    const all = { ...(r.progress ?? {}), [region]: { ...(r.progress?.[region] ?? {}), ...progress } };
    const regions = regionsOf(r);
    const done = regions.every((reg) => ['available', 'failed', 'cancelled'].includes(all[reg]?.state ?? ''));
    if (!done || r.state !== 'running') {
      finishedNow = false;
      return { ok: true, request: { ...r, progress: all } };
    }
    finishedNow = true;
    const failed = regions.filter((reg) => all[reg]?.state === 'failed');
    const replacing = !failed.length && r.params.kind === 'encrypt' && r.params.replace;
    const result: RequestResult = failed.length
      ? {
          ok: false,
          summary: `Copy failed in ${failed.join(', ')}${failed.length < regions.length ? ` (succeeded in ${regions.filter((x) => !failed.includes(x)).join(', ')})` : ''}.`,
          details: regions.map(
            (reg) =>
              `${reg}: ${all[reg]?.state}${all[reg]?.imageId ? ` \`${all[reg]?.imageId}\`` : ''}${all[reg]?.reason ? ` — ${all[reg]?.reason}` : ''}`,
          ),
        }
      : {
          ok: true,
          summary: `${r.kind === 'encrypt' ? 'Encrypted copy' : 'Copies'} ready: ${regions.map((reg) => `\`${all[reg]?.imageId}\` in ${reg}`).join(', ')}.`,
        };
    const next: AmiRequest = {
      ...r,
      progress: all,
      // `encrypt --replace` stays running until the original is retired: "succeeded" means all done.
      state: failed.length ? 'failed' : replacing ? 'running' : 'succeeded',
      result,
      updatedAt: now.toISOString(),
    };
    if (replacing) return { ok: true, request: next };
    const effects = lifecycle.endEffects(deps, next, result);
    audit = effects.audit ?? [];
    return { ok: true, request: next, effects };
  });
  if (!res.ok) return;
  const request = res.request;
  if (!finishedNow) {
    await showProgress(deps, request);
    return;
  }
  if (request.state === 'running' && request.params.kind === 'encrypt' && request.params.replace) {
    await replaceOriginal(deps, request);
    return;
  }
  deps.audit.logCommitted(audit);
  await deliver(deps, res.intentIds);
}

/** `encrypt --replace`: the encrypted copy exists, so the unencrypted original is deregistered. */
async function replaceOriginal(deps: Deps, request: AmiRequest): Promise<void> {
  let audit: AuditEntry[] = [];
  const account = resolveAccount(deps.config, request.account);
  // Permissions carried over, then the in-use guard; the original is kept when either says so.
  const out = await retireReplacedOriginal(
    deps,
    account,
    request,
    request.progress?.[request.region]?.imageId,
  );
  const res = await deps.requests.transition(
    request.id,
    ['running'],
    'succeeded',
    (r) => ({
      result: {
        ok: true,
        summary: `${r.result?.summary ?? ''} ${out.summary}`.trim(),
        details: [...(r.result?.details ?? []), ...out.details],
      },
    }),
    deps.clock(),
    (next) => {
      const effects = lifecycle.endEffects(deps, next, next.result!);
      audit = effects.audit ?? [];
      return effects;
    },
  );
  if (res.ok) {
    deps.audit.logCommitted(audit);
    await deliver(deps, res.intentIds);
  }
}
