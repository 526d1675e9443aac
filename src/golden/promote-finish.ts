import type { Deps } from '../deps.js';
import type { AmiRequest, RequestResult } from '../domain/request.js';
import * as lifecycle from '../requests/lifecycle.js';

/**
 * The flow's parent: runs once every region's job has ended (BullMQ moves it out of
 * `waiting-children`), and finishes the request from what the regions recorded. A region that
 * recorded nothing final (its job gave up) counts as failed.
 */
export async function finishPromotion(deps: Deps, requestId: string): Promise<void> {
  const request = await deps.requests.get(requestId);
  if (request?.params.kind !== 'promote') return;
  if (request.state !== 'running') {
    deps.logger.info('promotion needs no finishing', { requestId, state: request.state });
    return;
  }
  await lifecycle.finish(deps, requestId, promotionResult(request));
}

/** The result of a promotion from its regions' progress. */
export function promotionResult(request: AmiRequest): RequestResult {
  if (request.params.kind !== 'promote') return { ok: false, summary: 'Not a promotion.' };
  const p = request.params;
  const regions = p.regions.map((r) => r.region);
  const progress = request.progress ?? {};
  const done = regions.filter((r) => progress[r]?.state === 'available');
  const stopped = regions.filter((r) => progress[r]?.state !== 'available');
  const details = regions.map((r) => {
    const g = progress[r];
    const state =
      g?.state === 'available'
        ? 'done'
        : g?.state === 'failed' || g?.state === 'cancelled'
          ? g.state
          : 'did not finish';
    return `${r}: ${state}${g?.imageId ? ` \`${g.imageId}\`` : ''}${g?.reason ? ` — ${g.reason}` : ''}`;
  });
  if (stopped.length === 0) {
    return {
      ok: true,
      summary: `Family \`${p.family}\` now points at ${done.map((r) => `\`${progress[r]?.imageId}\` in ${r}`).join(', ')}.`,
    };
  }
  return {
    ok: false,
    summary: `Promotion to family \`${p.family}\` stopped in ${stopped.join(', ')}${done.length ? ` (done in ${done.join(', ')})` : ''}. File the same promotion again to resume where it stopped.`,
    details,
  };
}
