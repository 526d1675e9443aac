import { z } from 'zod';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { describeTargets } from '../domain/describe-request.js';
import { REQUEST_ID_RE } from '../domain/ids.js';
import type { AmiRequest, PlannedGrant, RequestResult } from '../domain/request.js';
import { AppError, toAppError } from '../errors.js';
import { makeShareGrants } from '../golden/share-keys.js';
import { checkDeregisterExecution } from '../requests/in-use-guard.js';
import * as lifecycle from '../requests/lifecycle.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob, type JobAttempt, rethrowInterruption } from './job.js';

/** A quick operation (share, deprecate, deregister, …) of an approved request. */
export const requestExecuteJob = defineJob({
  name: 'request-execute',
  queue: 'ops',
  schema: z.object({ requestId: z.string().regex(REQUEST_ID_RE) }).strict(),
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 5 * 60_000,
  jobId: (p) => `exec-${p.requestId}`,
  run: (ctx) => executeRequest(ctx.deps, ctx.payload.requestId, ctx.attempt),
  onGiveUp: (ctx, message) => failRunningRequest(ctx.deps, ctx.payload.requestId, message),
});

/**
 * Carries out an approved quick operation. Safe to run more than once: a finished request is left
 * alone, a request found `running` (the previous worker died) is resumed, and every EC2 change
 * it makes is idempotent (adding a permission twice, re-tagging, deregistering a gone image).
 */
export async function executeRequest(deps: Deps, requestId: string, attempt: JobAttempt): Promise<void> {
  const current = await deps.requests.get(requestId);
  if (!current) throw new bullmq.UnrecoverableError(`request ${requestId} does not exist`);
  if (!['approved', 'queued', 'running'].includes(current.state)) {
    deps.logger.info('request needs no execution', { requestId, state: current.state });
    return;
  }
  const request = await lifecycle.start(deps, requestId);
  if (!request) {
    deps.logger.info('request changed before it could start', { requestId });
    return;
  }

  let result: RequestResult;
  try {
    result = await perform(deps, request);
  } catch (err) {
    rethrowInterruption(err);
    const appErr = toAppError(err);
    const last = attempt.attemptsMade + 1 >= attempt.attempts;
    if (appErr.retry && !last) {
      deps.logger.warn('request execution failed; will retry', {
        requestId,
        code: appErr.code,
        attempt: attempt.attemptsMade + 1,
      });
      throw err;
    }
    await lifecycle.finish(deps, requestId, { ok: false, summary: appErr.userMessage });
    throw new bullmq.UnrecoverableError(appErr.userMessage);
  }
  await lifecycle.finish(deps, requestId, result);
}

/** The KMS grants a share of an encrypted image planned (golden/share-keys.ts); none for older requests. */
function shareGrants(
  deps: Deps,
  account: AccountConfig,
  grants: PlannedGrant[] | undefined,
): Promise<string[]> {
  return makeShareGrants(deps, account, grants ?? []);
}

/** A request whose job was given up (timed out): failed, with the reason on its message. */
export async function failRunningRequest(deps: Deps, requestId: string, message: string): Promise<void> {
  await lifecycle.failUnfinished(deps, requestId, `${message} It may be partly done; check the image.`);
}

async function perform(deps: Deps, request: AmiRequest): Promise<RequestResult> {
  const account = resolveAccount(deps.config, request.account);
  if (!account) throw new AppError('bad_input', `Account ${request.account} is no longer configured.`);
  const { region, imageId } = request;
  const p = request.params;
  const img = `\`${imageId}\``;
  switch (p.kind) {
    case 'share': {
      // The policy may have changed since the request was filed: never public unless allowed now.
      if (p.targets.some((t) => t.kind === 'public') && !account.policy.allowPublicSharing) {
        return {
          ok: false,
          summary: `Not shared: public sharing is now turned off for account ${account.alias}, so ${img} was not made public (nothing was changed).`,
        };
      }
      const after = await deps.changes.addLaunchPermissions(account, region, imageId, p.targets);
      const n = after.accounts.length + after.organizations.length + after.organizationalUnits.length;
      const grants = await shareGrants(deps, account, p.kmsGrants);
      return {
        ok: true,
        summary: `${img} is now shared with ${describeTargets(p.targets)}${after.public ? ' (public)' : ''}; ${n} launch permission${n === 1 ? '' : 's'} in all.${grants.length ? ` ${grants.length} KMS grant${grants.length === 1 ? '' : 's'} made.` : ''}`,
        ...(grants.length ? { details: grants } : {}),
      };
    }
    case 'unshare': {
      const after = await deps.changes.removeLaunchPermissions(account, region, imageId, p.targets);
      const n =
        after.accounts.length +
        after.organizations.length +
        after.organizationalUnits.length +
        (after.public ? 1 : 0);
      return {
        ok: true,
        summary: `${img} ${p.targets === 'all' ? 'is no longer shared with anyone' : `is no longer shared with ${describeTargets(p.targets)}`}; ${n} launch permission${n === 1 ? '' : 's'} left.`,
      };
    }
    case 'deprecate': {
      // Approved after the time it named (a request to deprecate "now", approved later): EC2 wants a
      // future time, so the image is deprecated at the next minute but one.
      const soonest = Math.ceil((deps.clock().getTime() + 60_000) / 60_000) * 60_000;
      const at = new Date(Math.max(Date.parse(p.deprecateAt), soonest));
      await deps.changes.enableDeprecation(account, region, imageId, at);
      return {
        ok: true,
        summary: `${img} is deprecated from ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      };
    }
    case 'undeprecate':
      await deps.changes.disableDeprecation(account, region, imageId);
      return { ok: true, summary: `${img} is no longer deprecated.` };
    case 'disable': {
      const image = await deps.images.getImage(account, region, imageId);
      if (image.state !== 'disabled') await deps.changes.disableImage(account, region, imageId);
      return {
        ok: true,
        summary: `${img} is disabled: it can no longer be launched, and its sharing was removed.`,
      };
    }
    case 'enable': {
      const image = await deps.images.getImage(account, region, imageId);
      if (image.state === 'disabled') await deps.changes.enableImage(account, region, imageId);
      return { ok: true, summary: `${img} is enabled again.` };
    }
    case 'expire': {
      // A whole day is written as a plain date, the form people type in the console.
      const value = p.expiresAt.endsWith('T00:00:00.000Z') ? p.expiresAt.slice(0, 10) : p.expiresAt;
      await deps.changes.setTags(account, region, [imageId], { [p.tagKey]: value });
      return { ok: true, summary: `${img} expires on ${value} (tag \`${p.tagKey}\`).` };
    }
    case 'deregister': {
      if (!p.force) {
        // Checked again now: the image may have come into use since the request was filed.
        const refusal = await checkDeregisterExecution(deps, account, region, imageId);
        if (refusal) return { ok: false, summary: refusal };
      }
      const out = await deps.changes.deregister(account, region, imageId, {
        deleteSnapshots: !p.keepSnapshots,
        knownSnapshotIds: request.image.snapshotIds,
      });
      const details = [
        ...out.deletedSnapshots.map((s) => `deleted snapshot \`${s}\``),
        ...out.keptSnapshots.map((k) => `kept snapshot \`${k.snapshotId}\`: ${k.reason}`),
      ];
      const snaps = p.keepSnapshots
        ? 'its snapshots were kept'
        : `${out.deletedSnapshots.length} snapshot${out.deletedSnapshots.length === 1 ? '' : 's'} deleted${out.keptSnapshots.length ? `, ${out.keptSnapshots.length} kept` : ''}`;
      return {
        ok: true,
        summary: `${img} ${out.alreadyGone ? 'was already deregistered' : 'is deregistered'}; ${snaps}.`,
        details,
      };
    }
    default:
      throw new bullmq.UnrecoverableError(`request-execute cannot run a ${p.kind} request`);
  }
}
