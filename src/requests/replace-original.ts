/**
 * `encrypt --replace`, once the encrypted copy is available: the original is deregistered and its
 * snapshots deleted — only if nothing uses it. Otherwise the original is kept and the request says
 * why.
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { describeUser, replaceKeptNote, sortUsers } from '../domain/image-usage.js';
import type { AmiRequest } from '../domain/request.js';
import { toAppError } from '../errors.js';
import { imageUsageVerdict } from './in-use-guard.js';

export interface RetireOutcome {
  /** Sentences to add to the request's summary. */
  summary: string;
  /** Lines to add to its details (each user that kept the original, …). */
  details: string[];
  /** True when the original was deregistered (now or earlier). */
  retired: boolean;
}

/** Never throws: whatever goes wrong keeps the original and is said in the outcome. */
export async function retireReplacedOriginal(
  deps: Pick<Deps, 'aws' | 'logger' | 'changes'>,
  account: AccountConfig | undefined,
  request: AmiRequest,
): Promise<RetireOutcome> {
  const original = `\`${request.imageId}\``;
  const kept = (why: string, details: string[] = []): RetireOutcome => ({
    summary: why,
    details,
    retired: false,
  });
  if (!account) return kept(`The original ${original} was kept: its account is no longer configured.`);

  const verdict = await imageUsageVerdict(deps, account, request.region, request.imageId).catch(
    (err: unknown) => ({ state: 'unknown' as const, reason: toAppError(err).userMessage, retry: true }),
  );
  const refusal = replaceKeptNote(request.imageId, verdict);
  if (refusal) {
    deps.logger.info('encrypt --replace kept the original', { requestId: request.id, state: verdict.state });
    return kept(
      refusal,
      verdict.state === 'in-use' ? sortUsers(verdict.users).map((u) => `in use by ${describeUser(u)}`) : [],
    );
  }

  try {
    const out = await deps.changes.deregister(account, request.region, request.imageId, {
      deleteSnapshots: true,
      knownSnapshotIds: request.image.snapshotIds,
    });
    const n = out.deletedSnapshots.length;
    return {
      summary: `The unencrypted original ${original} ${out.alreadyGone ? 'was already gone' : 'is deregistered'} (${n} snapshot${n === 1 ? '' : 's'} deleted).`,
      details: out.keptSnapshots.map((k) => `kept snapshot \`${k.snapshotId}\`: ${k.reason}`),
      retired: true,
    };
  } catch (err) {
    return kept(`The original ${original} could not be deregistered: ${toAppError(err).userMessage}`);
  }
}
