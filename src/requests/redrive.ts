import { withRequestCid } from '../correlation.js';
import type { Deps } from '../deps.js';
import type { AmiRequest } from '../domain/request.js';
import { jobsFor } from './jobs-for.js';
import { failUnfinished } from './lifecycle.js';

export interface RedriveStats {
  checked: number;
  requeued: number;
  failed: number;
}

/**
 * Requests that stopped moving: approved, queued or running, unchanged for `stuckAfterMs`, with
 * none of their jobs waiting, delayed or running. A job that is missing altogether (lost before it
 * was queued, removed by hand) is queued again — job ids are deterministic and jobs resume from
 * their checkpoints, so nothing runs twice; a request whose jobs all ended without finishing it is
 * failed with a message saying so, so it never sits "running" forever.
 */
export async function redrive(deps: Deps, stuckAfterMs: number): Promise<RedriveStats> {
  const stats: RedriveStats = { checked: 0, requeued: 0, failed: 0 };
  const quiet = await deps.requests.quietActive(new Date(deps.clock().getTime() - stuckAfterMs), 200);
  for (const id of quiet) {
    const request = await deps.requests.get(id);
    if (!request) {
      await deps.requests.forget(id);
      continue;
    }
    if (!['approved', 'queued', 'running'].includes(request.state)) continue;
    stats.checked++;
    // The request's own correlation id: on its re-queued jobs, and beside this run's on the lines.
    const outcome = await withRequestCid(request.cid, () => redriveOne(deps, request));
    if (outcome === 'requeued') stats.requeued++;
    if (outcome === 'failed') stats.failed++;
  }
  return stats;
}

async function redriveOne(deps: Deps, request: AmiRequest): Promise<'busy' | 'requeued' | 'failed'> {
  const id = request.id;
  const jobs = jobsFor(request);
  const states = await Promise.all(
    jobs.map((j) => deps.queues.jobState(deps.queues.named(j.job), j.payload as never)),
  );
  if (
    states.some(
      (s) =>
        s === 'waiting' ||
        s === 'active' ||
        s === 'delayed' ||
        s === 'prioritized' ||
        s === 'waiting-children',
    )
  )
    return 'busy';
  const missing = jobs.filter((_, i) => states[i] === 'unknown');
  const unfinishedRegions = missing.filter((j) => {
    const region = j.payload.region;
    const progress = typeof region === 'string' ? request.progress?.[region] : undefined;
    return !progress || !['available', 'failed', 'cancelled'].includes(progress.state);
  });
  if (unfinishedRegions.length > 0) {
    for (const j of unfinishedRegions)
      await deps.queues.enqueue(deps.queues.named(j.job), j.payload as never, { cid: request.cid });
    deps.logger.warn('re-drove a request whose jobs were missing', {
      requestId: id,
      state: request.state,
      jobs: unfinishedRegions.length,
    });
    return 'requeued';
  }
  await failUnfinished(
    deps,
    id,
    'Its job ended without finishing it (see the audit trail and the worker logs); nothing more will happen. Check the image, then file the request again if needed.',
  );
  deps.logger.error('failed a request whose jobs ended without finishing it', {
    requestId: id,
    state: request.state,
  });
  return 'failed';
}
