import type { Intent } from '../domain/intents.js';
import { type AmiRequest, LONG_OPERATIONS } from '../domain/request.js';

/** The jobs that carry out an approved request: one per destination region for copies, else one. */
export function jobsFor(request: AmiRequest): Array<Extract<Intent, { kind: 'enqueue' }>> {
  // A promotion is one flow: the parent job brings its per-region children with it.
  if (request.params.kind === 'promote') {
    const regions = request.params.regions.map((r) => r.region);
    return [{ kind: 'enqueue', job: 'promote', payload: { requestId: request.id, regions } }];
  }
  if (request.params.kind === 'rollback') {
    return [{ kind: 'enqueue', job: 'rollback', payload: { requestId: request.id } }];
  }
  if (LONG_OPERATIONS.includes(request.kind)) {
    const regions = request.params.kind === 'copy' ? request.params.toRegions : [request.region];
    return regions.map((region) => ({
      kind: 'enqueue',
      job: 'copy-region',
      payload: { requestId: request.id, region },
    }));
  }
  if (request.kind === 'prune')
    return [{ kind: 'enqueue', job: 'prune', payload: { requestId: request.id } }];
  if (request.kind === 'delete-snapshots')
    return [{ kind: 'enqueue', job: 'prune-snapshots', payload: { requestId: request.id } }];
  if (request.kind === 'revoke-sharing')
    return [{ kind: 'enqueue', job: 'revoke-sharing', payload: { requestId: request.id } }];
  if (request.kind === 'waive')
    return [{ kind: 'enqueue', job: 'waiver-apply', payload: { requestId: request.id } }];
  return [{ kind: 'enqueue', job: 'request-execute', payload: { requestId: request.id } }];
}
