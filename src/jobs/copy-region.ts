import { z } from 'zod';
import { renderApprovalMessage } from '../blocks/approval.js';
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
import type { AuditEntry } from '../domain/audit.js';
import { IMAGE_ID_RE, REGION_RE, REQUEST_ID_RE } from '../domain/ids.js';
import type { AmiRequest, RegionProgress, RequestResult } from '../domain/request.js';
import { AppError, toAppError } from '../errors.js';
import { deliverSoon } from '../requests/follow-ups.js';
import { carryLaunchPermissions, publicKeptBackNote } from '../requests/launch-grants.js';
import * as lifecycle from '../requests/lifecycle.js';
import { retireReplacedOriginal } from '../requests/replace-original.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob, type JobContext, rethrowInterruption } from './job.js';

/**
 * One destination region of an approved copy or encrypt request, in steps that hold a worker slot
 * only while they act (see `copies/flight.ts`):
 *
 *   (start) ─ a slot among the copies in flight into the region (queued in order when full;
 *             the job waits delayed, woken when a slot frees)
 *           ─ its turn for CopyImage (paced per account and region; the job waits delayed)
 *           ─ CopyImage with a token derived from the request → `copying` + the image id
 *   copying ─ the job waits delayed; the region's poller wakes it when the copy changes state
 *   permissions ─ (`--with-permissions`) the source's launch permissions applied to the copy
 *   done    ─ the region recorded; the last region finishes the request
 *
 * Every step is checkpointed in the job's data, so a job that is retried, handed back at shutdown
 * or picked up after its worker died resumes at its step: a copy is never started twice (the
 * image id is saved as soon as EC2 returns it, and the token makes a repeated call return the same
 * image).
 */
const copyRegionSchema = z
  .object({
    requestId: z.string().regex(REQUEST_ID_RE),
    region: z.string().regex(REGION_RE),
    step: z.enum(['copying', 'permissions', 'done']).optional(),
    imageId: z.string().regex(IMAGE_ID_RE).optional(),
    /** When the copy first asked for a slot (its place in the queue). */
    ticket: z.number().int().nonnegative().optional(),
    /** Its reserved turn for CopyImage (epoch ms). */
    startAt: z.number().int().nonnegative().optional(),
    /** When CopyImage answered (epoch ms): the time limit counts from here. */
    copyStartedAt: z.number().int().nonnegative().optional(),
  })
  .strict();

type CopyPayload = z.infer<typeof copyRegionSchema>;
type CopyContext = JobContext<CopyPayload>;

/** The copy job's id, which is also its name among the copies in flight. */
export function copyJobId(p: Pick<CopyPayload, 'requestId' | 'region'>): string {
  return `copy-${p.requestId}-${p.region}`;
}

export const copyRegionJob = defineJob({
  name: 'copy-region',
  queue: 'copies',
  schema: copyRegionSchema,
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  // Per run, and for the whole copy from CopyImage on (runs are short: the wait holds no slot).
  timeoutMs: 6 * 3600_000,
  jobId: copyJobId,
  run: (ctx): Promise<void> => copyRegion(ctx),
  onGiveUp: (ctx, message) =>
    giveUp(ctx.deps, ctx.payload.requestId, ctx.payload.region, ctx.payload.imageId, message),
});

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

async function copyRegion(ctx: CopyContext): Promise<void> {
  const { deps } = ctx;
  const { requestId, region } = ctx.payload;
  const member = copyJobId(ctx.payload);
  const request = await deps.requests.get(requestId);
  if (!request) throw new bullmq.UnrecoverableError(`request ${requestId} does not exist`);
  if (request.params.kind !== 'copy' && request.params.kind !== 'encrypt') {
    throw new bullmq.UnrecoverableError(`request ${requestId} is not a copy`);
  }
  const account = resolveAccount(deps.config, request.account);
  if (!account) throw new bullmq.UnrecoverableError(`account ${request.account} is no longer configured`);
  const imageId = ctx.payload.imageId ?? request.progress?.[region]?.imageId;
  if (request.state === 'cancelled') {
    await cleanUpCancelled(deps, account, request, region, imageId);
    await releaseSlot(deps, account, region, request.region, member);
    return;
  }
  if (!['approved', 'queued', 'running'].includes(request.state)) {
    await releaseSlot(deps, account, region, request.region, member);
    return;
  }
  if (!(await lifecycle.start(deps, requestId))) return;

  try {
    if (ctx.payload.step === 'done') {
      await finishRegion(deps, requestId, region, { state: 'available', imageId, percent: 100 });
      return;
    }
    if (ctx.payload.step !== 'permissions') {
      if (!imageId) await startCopy(ctx, account, request, member);
      await waitForCopy(ctx, account, request, member);
    }
    const copied = ctx.payload.imageId as string;
    if (request.params.kind === 'copy' && request.params.withPermissions) {
      await ctx.checkpoint({ step: 'permissions' });
      await copyPermissions(deps, account, request, region, copied);
    }
    await ctx.checkpoint({ step: 'done' });
    await finishRegion(deps, requestId, region, { state: 'available', imageId: copied, percent: 100 });
  } catch (err) {
    if (err instanceof CopyEnded) return;
    rethrowInterruption(err);
    if ((err as Error)?.name === 'DelayedError') throw err; // waiting, not failing
    const appErr = toAppError(err);
    if (appErr.retry && !ctx.lastAttempt) throw err;
    await releaseSlot(deps, account, region, request.region, member);
    await finishRegion(deps, requestId, region, {
      state: 'failed',
      imageId: ctx.payload.imageId,
      reason: appErr.userMessage,
    });
    throw new bullmq.UnrecoverableError(appErr.userMessage);
  }
}

/**
 * A slot, then the turn for CopyImage, then CopyImage: each wait gives the worker slot back (the
 * job is delayed with its place saved). Ends with the image id checkpointed and the copy watched.
 */
async function startCopy(ctx: CopyContext, account: AccountConfig, request: AmiRequest, member: string) {
  const { deps } = ctx;
  const { region } = ctx.payload;
  await awaitCopyTurn(ctx, {
    account,
    destRegion: region,
    sourceRegion: request.region,
    member,
    onQueued: () =>
      showRegion(deps, request.id, region, {
        state: 'queued',
        reason: 'waiting for a copy slot in the region',
      }),
  });

  const imageId = await callCopyImage(deps, account, request, region);
  await ctx.checkpoint({ step: 'copying', imageId, copyStartedAt: Date.now() });
  await watchCopy(deps, account, region, member, imageId);
  await showRegion(deps, request.id, region, { state: 'copying', imageId, percent: 0 });
  // The poller wakes the job when the copy changes state; the delay is a safety net.
  await ctx.defer(3 * deps.config.jobs.maxPollMs);
}

/**
 * The copy is with EC2: look at the poller's record of it; while pending, wait delayed (the poller
 * wakes the job when it changes; the delay is a safety net). Returns once it is available; a
 * failed, vanished, cancelled or timed-out copy ends the region here.
 */
async function waitForCopy(ctx: CopyContext, account: AccountConfig, request: AmiRequest, member: string) {
  const { deps } = ctx;
  const { region, requestId } = ctx.payload;
  const imageId = ctx.payload.imageId as string;
  const current = await deps.requests.get(requestId);
  if (!current || current.state === 'cancelled') {
    if (current) await cleanUpCancelled(deps, account, current, region, imageId);
    await releaseSlot(deps, account, region, request.region, member);
    throw new CopyEnded();
  }
  const startedAt = ctx.payload.copyStartedAt ?? Date.now();
  const status = await copyStatus(deps, account, region, imageId, startedAt);
  const vanished = status?.state === 'missing' && Date.now() - startedAt > 5 * 60_000;
  if (status && (isFailedState(status.state) || vanished)) {
    await releaseSlot(deps, account, region, request.region, member);
    await finishRegion(deps, requestId, region, {
      state: 'failed',
      imageId,
      reason: vanished
        ? 'EC2 no longer lists the copy'
        : (status.reason ?? 'EC2 reported the copy as failed'),
    });
    throw new CopyEnded();
  }
  if (status?.state === 'available') {
    await releaseSlot(deps, account, region, request.region, member);
    return;
  }
  if (Date.now() - startedAt > ctx.timeoutMs) {
    await giveUp(
      deps,
      requestId,
      region,
      imageId,
      `The copy did not finish within ${Math.round(ctx.timeoutMs / 60_000)} minutes.`,
    );
    throw new CopyEnded();
  }
  await ctx.defer(3 * deps.config.jobs.maxPollMs);
}

/** The region ended inside a step (failed, cancelled, timed out): the job is done, not failed. */
class CopyEnded extends Error {
  constructor() {
    super('copy ended');
    this.name = 'CopyEnded';
  }
}

/** A copy that ran out of time: its partial image is deregistered and the region fails with `message`. */
async function giveUp(
  deps: Deps,
  requestId: string,
  region: string,
  imageId: string | undefined,
  message: string,
) {
  const request = await deps.requests.get(requestId);
  const account = request ? resolveAccount(deps.config, request.account) : undefined;
  if (request && account) {
    if (imageId) {
      await deps.changes
        .deregister(account, region, imageId, { deleteSnapshots: true })
        .catch((err: unknown) => {
          deps.logger.error('could not remove the partial copy of a timed-out request', {
            requestId,
            imageId,
            error: err,
          });
        });
    }
    await releaseSlot(deps, account, region, request.region, copyJobId({ requestId, region })).catch(
      () => {},
    );
  }
  await finishRegion(deps, requestId, region, {
    state: 'failed',
    imageId,
    reason: `${message}${imageId ? ` The partial image ${imageId} was deregistered.` : ''}`,
  });
}

async function callCopyImage(
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
  region: string,
): Promise<string> {
  const p = request.params;
  const encrypt = p.kind === 'encrypt' || (p.kind === 'copy' && p.encrypt);
  const kmsKeyId = p.kind === 'encrypt' || p.kind === 'copy' ? p.kmsKeyId : undefined;
  const now = deps.clock();
  // A name taken by another image of the account: try the next suffix (with its own token).
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await holdCopyRate(deps, account, region);
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

/** Records a region's progress and shows it (throttled). */
async function showRegion(
  deps: Deps,
  requestId: string,
  region: string,
  progress: RegionProgress,
): Promise<void> {
  const latest = await setProgress(deps, requestId, region, progress);
  if (latest) await showProgress(deps, latest);
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
  deliverSoon(deps, res.intentIds);
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
    deliverSoon(deps, res.intentIds);
  }
}
