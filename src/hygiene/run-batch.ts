/**
 * Carries out an approved batch request — a prune (deregister many images), a snapshot deletion or a
 * revoke of launch permissions (`/ami access`) —
 * one item at a time, each checked again right before it is touched, with a checkpoint per item
 * in the request itself:
 *
 *   (no outcome) ─ mark `working` ─ check again ─ act ─ record `deleted` | `kept` | `failed`
 *
 * A job that is retried, handed back at shutdown or picked up after its worker died skips items
 * with an outcome, and looks again at an item left `working` before acting: an image already
 * deregistered is not deregistered twice (only its snapshots are cleaned up, never one another
 * image uses), and an image that came into use meanwhile is kept. Every deletion goes through the
 * per-account and region bucket of mutating EC2 calls.
 */

import { throwIfAborted } from '../aws/abort.js';
import { batchCounts, batchExceptions } from '../blocks/prune-items.js';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import type {
  AmiRequest,
  BatchItemOutcome,
  PruneImageItem,
  RequestResult,
  SnapshotItem,
} from '../domain/request.js';
import { GOLDEN_TAG, HOLD_TAG, sharingKeepReason, tagFlag } from '../domain/retention.js';
import { AppError, toAppError } from '../errors.js';
import * as lifecycle from '../requests/lifecycle.js';
import { PrunePlanStore } from '../store/prune-plans.js';
import { revokeImage } from './access.js';
import { readUsage } from './usage.js';

export interface BatchRun {
  /** This is the job's last attempt: a retryable failure of one item is now recorded as failed. */
  lastAttempt: boolean;
}

/** Thrown to hand the job back to the queue for a retry (it resumes from its checkpoints). */
class RetryLater extends AppError {
  constructor(message: string, cause?: unknown) {
    super('aws_unavailable', message, { retry: true, cause });
    this.name = 'RetryLater';
  }
}

/** Records one item's outcome; undefined when the request is no longer running or cancelled. */
async function record(
  deps: Deps,
  requestId: string,
  itemId: string,
  outcome: BatchItemOutcome,
): Promise<AmiRequest | undefined> {
  const res = await deps.requests.update<string>(requestId, (r) => {
    if (r.state !== 'running' && !(r.state === 'cancelled' && outcome.state !== 'working'))
      return { ok: false, error: `request is ${r.state}` };
    return {
      ok: true,
      request: { ...r, batch: { items: { ...(r.batch?.items ?? {}), [itemId]: outcome } } },
    };
  });
  return res.ok ? res.request : undefined;
}

async function showProgress(deps: Deps, request: AmiRequest): Promise<void> {
  if (!request.message) return;
  await deps.progress.update(request.message, deps.notifier.renderRequest(request));
}

/** Runs an approved prune or snapshot-deletion request to its end (or until it is cancelled). */
export async function runBatch(deps: Deps, requestId: string, run: BatchRun): Promise<void> {
  const current = await deps.requests.get(requestId);
  if (!current) throw new AppError('not_found', `request ${requestId} does not exist`);
  if (!['approved', 'queued', 'running'].includes(current.state)) {
    deps.logger.info('batch request needs no execution', { requestId, state: current.state });
    return;
  }
  const account = resolveAccount(deps.config, current.account);
  if (!account) {
    await lifecycle.failUnfinished(deps, requestId, `Account ${current.account} is no longer configured.`);
    return;
  }
  const request = await lifecycle.start(deps, requestId);
  if (!request) return;

  const items: Array<{ id: string; act: (resumed: boolean) => Promise<BatchItemOutcome> }> =
    request.params.kind === 'prune'
      ? request.params.images.map((item) => ({
          id: item.imageId,
          act: (resumed) => pruneImage(deps, account, request.region, item, resumed),
        }))
      : request.params.kind === 'delete-snapshots'
        ? request.params.snapshots.map((item) => ({
            id: item.snapshotId,
            act: (resumed) => deleteSnapshot(deps, account, request.region, item, resumed),
          }))
        : request.params.kind === 'revoke-sharing'
          ? request.params.images.map((item) => ({
              id: item.imageId,
              act: (resumed) => revokeImage(deps, account, item, resumed),
            }))
          : [];

  for (const item of items) {
    throwIfAborted();
    const latest = await deps.requests.get(requestId);
    if (latest?.state !== 'running') {
      deps.logger.info('batch request stopped', { requestId, state: latest?.state });
      await releaseFamilies(deps, latest ?? request);
      return;
    }
    const before = latest.batch?.items[item.id];
    if (before && before.state !== 'working') continue;
    if (!before && !(await record(deps, requestId, item.id, { state: 'working' }))) continue;
    let outcome: BatchItemOutcome;
    try {
      outcome = await item.act(before?.state === 'working');
    } catch (err) {
      throwIfAborted();
      const e = toAppError(err);
      if (e.retry && !run.lastAttempt) {
        deps.logger.warn('batch item failed; the job will retry from here', {
          requestId,
          item: item.id,
          code: e.code,
        });
        throw err;
      }
      outcome = { state: 'failed', note: e.userMessage };
    }
    const after = await record(deps, requestId, item.id, outcome);
    if (after) await showProgress(deps, after);
  }

  const done = await deps.requests.get(requestId);
  if (done?.state !== 'running') return;
  await lifecycle.finish(deps, requestId, result(deps, done));
  await releaseFamilies(deps, done);
}

function result(deps: Deps, r: AmiRequest): RequestResult {
  const c = batchCounts(r);
  if (r.params.kind === 'revoke-sharing') {
    const details = batchExceptions(r);
    const rest = [c.kept ? `${c.kept} needed nothing` : '', c.failed ? `${c.failed} failed` : '']
      .filter(Boolean)
      .join(', ');
    return {
      ok: c.failed === 0,
      summary: `Unshared ${c.deleted} of ${c.total} image${c.total === 1 ? '' : 's'}: ${c.permissionsRemoved} launch permission${c.permissionsRemoved === 1 ? '' : 's'} removed${rest ? `; ${rest}` : ''}.`,
      ...(details.length ? { details } : {}),
    };
  }
  const usd = c.freedGiB * deps.config.snapshotPricePerGbMonth;
  const saved = `${formatGiB(c.freedGiB)} freed (~${formatUsd(usd)}/month)`;
  const rest = [c.kept ? `${c.kept} kept` : '', c.failed ? `${c.failed} failed` : '']
    .filter(Boolean)
    .join(', ');
  const summary =
    r.params.kind === 'prune'
      ? `Pruned ${c.deleted} of ${c.total} image${c.total === 1 ? '' : 's'} of \`${r.params.family}\`: ${c.snapshotsDeleted} snapshot${c.snapshotsDeleted === 1 ? '' : 's'} deleted, ${saved}${rest ? `; ${rest}` : ''}.`
      : `Deleted ${c.deleted} of ${c.total} snapshot${c.total === 1 ? '' : 's'}: ${saved}${rest ? `; ${rest}` : ''}.`;
  const details = batchExceptions(r);
  return { ok: c.failed === 0, summary, ...(details.length ? { details } : {}) };
}

async function releaseFamilies(deps: Deps, r: AmiRequest): Promise<void> {
  if (r.params.kind !== 'prune') return;
  const families = [...new Set(r.params.images.map((i) => i.family))];
  await new PrunePlanStore(deps.redis, deps.config.redis.keyPrefix)
    .releaseFamilies(r.account, r.region, families, r.id)
    .catch((err: unknown) =>
      deps.logger.warn('could not release prune families', { requestId: r.id, error: err }),
    );
}

/** One image: gone already (finish its snapshots), or checked again and then deregistered. */
async function pruneImage(
  deps: Deps,
  account: AccountConfig,
  region: string,
  item: PruneImageItem,
  resumed: boolean,
): Promise<BatchItemOutcome> {
  let image: Awaited<ReturnType<Deps['images']['getImage']>> | undefined;
  try {
    image = await deps.images.getImage(account, region, item.imageId);
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'not_found')) throw err;
  }
  const knownSnapshotIds = item.snapshots.map((s) => s.snapshotId);
  if (!image || image.state === 'deregistered') {
    // Deregistered already: by an earlier run of this job (`resumed`) or by someone else. Its
    // snapshots are still deleted unless another image uses them; nothing is deregistered again.
    const out = await deps.changes.deregister(account, region, item.imageId, {
      deleteSnapshots: true,
      knownSnapshotIds,
    });
    return {
      state: 'deleted',
      note: resumed ? 'finished after a restart' : 'was already deregistered',
      deletedSnapshots: out.deletedSnapshots.length,
      freedGiB: sizeOf(item.snapshots, out.deletedSnapshots),
    };
  }
  // The checks of the dry run, again, right before: tags, sharing, use.
  if (tagFlag(image.tags, GOLDEN_TAG) !== undefined) return { state: 'kept', note: 'it is golden now' };
  if (tagFlag(image.tags, HOLD_TAG) !== undefined)
    return { state: 'kept', note: `it is on hold (${HOLD_TAG})` };
  if (image.public) return { state: 'kept', note: 'it is public now' };
  const shared = sharingKeepReason(await deps.images.getLaunchPermissions(account, region, item.imageId));
  if (shared) return { state: 'kept', note: 'it is shared with other accounts now' };
  const usage = (await readUsage(deps, account, region, [item.imageId])).answerFor(item.imageId);
  if (usage.state === 'in-use') {
    const users = usage.users;
    return {
      state: 'kept',
      note: `it came into use: ${users.slice(0, 3).join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''}`,
    };
  }
  if (usage.state === 'unknown') {
    if (usage.retry) throw new RetryLater(`Could not check what uses \`${item.imageId}\`: ${usage.reason}.`);
    return { state: 'kept', note: `its use could not be checked: ${usage.reason}` };
  }
  const out = await deps.changes.deregister(account, region, item.imageId, {
    deleteSnapshots: true,
    knownSnapshotIds,
  });
  const kept = out.keptSnapshots.map((k) => `${k.snapshotId} (${k.reason})`);
  return {
    state: 'deleted',
    deletedSnapshots: out.deletedSnapshots.length,
    freedGiB: sizeOf(item.snapshots, out.deletedSnapshots),
    ...(kept.length ? { note: `kept snapshot ${kept.join(', ')}` } : {}),
  };
}

function sizeOf(snapshots: PruneImageItem['snapshots'], ids: readonly string[]): number {
  return snapshots.filter((s) => ids.includes(s.snapshotId)).reduce((n, s) => n + s.sizeGiB, 0);
}

/** One snapshot: deleted unless an image uses it now (or it is gone already). */
async function deleteSnapshot(
  deps: Deps,
  account: AccountConfig,
  region: string,
  item: SnapshotItem,
  resumed: boolean,
): Promise<BatchItemOutcome> {
  const out = await deps.snapshots.deleteIfUnused(account, region, item.snapshotId);
  if (out.outcome === 'deleted') return { state: 'deleted', freedGiB: item.sizeGiB };
  if (out.outcome === 'gone') {
    return resumed
      ? { state: 'deleted', freedGiB: item.sizeGiB, note: 'finished after a restart' }
      : { state: 'kept', note: 'it was already gone' };
  }
  if (/could not check/.test(out.reason)) throw new RetryLater(out.reason);
  return { state: 'kept', note: out.reason };
}
