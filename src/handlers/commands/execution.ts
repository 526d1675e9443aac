import type { Deps } from '../../deps.js';
import { type AmiRequest, LONG_OPERATIONS } from '../../domain/request.js';

/**
 * Hands an approved request to the workers: one job for a quick operation, one per destination
 * region for a copy. Job ids derive from the request id, so a repeat (two processes racing, a
 * retried click) never queues the work twice. If Redis refuses the job, the request is marked
 * failed and says so, instead of sitting "approved" forever.
 */
export async function enqueueApproved(deps: Deps, request: AmiRequest): Promise<AmiRequest> {
  try {
    if (LONG_OPERATIONS.includes(request.kind)) {
      const regions = request.params.kind === 'copy' ? request.params.toRegions : [request.region];
      for (const region of regions)
        await deps.queues.enqueue('copy-region', { requestId: request.id, region });
    } else {
      await deps.queues.enqueue('request-execute', { requestId: request.id });
    }
  } catch (err) {
    deps.logger.error('could not queue an approved request', { requestId: request.id, error: err });
    const failed = await deps.requests.transition(
      request.id,
      ['approved'],
      'failed',
      () => ({
        result: {
          ok: false,
          summary:
            'Could not queue the work (the job queue is unreachable). Nothing was changed; file the request again.',
        },
      }),
      deps.clock(),
    );
    if (failed.ok) {
      await deps.notifier.refreshRequest(failed.request);
      await deps.audit.recordForRequest(request, {
        actor: 'amibot',
        action: 'job.failed',
        result: 'failed',
        detail: 'enqueue failed',
      });
      return failed.request;
    }
    return request;
  }
  const queued = await deps.requests.transition(request.id, ['approved'], 'queued', () => ({}), deps.clock());
  const current = queued.ok ? queued.request : ((await deps.requests.get(request.id)) ?? request);
  if (queued.ok) {
    await deps.notifier.refreshRequest(current);
    await deps.audit.recordForRequest(request, {
      actor: 'amibot',
      action: 'job.queued',
      result: 'ok',
    });
  }
  return current;
}
