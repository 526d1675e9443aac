/**
 * `encrypt --replace`, once the encrypted copy is available: the copy gets the original's launch
 * permissions (within policy), then the original is deregistered and its snapshots deleted — only
 * if nothing uses it and the permissions were carried over. Otherwise the original is kept and the
 * request says why.
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { describeUser, replaceKeptNote, sortUsers } from '../domain/image-usage.js';
import type { AmiRequest } from '../domain/request.js';
import { toAppError } from '../errors.js';
import { imageUsageVerdict } from './in-use-guard.js';
import { carryLaunchPermissions, grantsSentence } from './launch-grants.js';

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
  deps: Pick<Deps, 'aws' | 'logger' | 'images' | 'changes'>,
  account: AccountConfig | undefined,
  request: AmiRequest,
  replacementId: string | undefined,
): Promise<RetireOutcome> {
  const original = `\`${request.imageId}\``;
  const kept = (why: string, details: string[] = []): RetireOutcome => ({
    summary: why,
    details,
    retired: false,
  });
  if (!account) return kept(`The original ${original} was kept: its account is no longer configured.`);
  if (!replacementId)
    return kept(`The original ${original} was kept: the encrypted copy's id is not recorded.`);

  let permissions: string;
  try {
    const grants = await carryLaunchPermissions(
      deps,
      account,
      { region: request.region, imageId: request.imageId },
      { region: request.region, imageId: replacementId },
    );
    permissions = grantsSentence(replacementId, grants, account.alias);
  } catch (err) {
    return kept(
      `The original's launch permissions could not be carried over to \`${replacementId}\` (${toAppError(err).userMessage.replace(/\.\s*$/, '')}), so the original ${original} was kept.`,
    );
  }

  const verdict = await imageUsageVerdict(deps, account, request.region, request.imageId).catch(
    (err: unknown) => ({ state: 'unknown' as const, reason: toAppError(err).userMessage, retry: true }),
  );
  const refusal = replaceKeptNote(request.imageId, verdict);
  if (refusal) {
    deps.logger.info('encrypt --replace kept the original', { requestId: request.id, state: verdict.state });
    return kept(
      `${permissions} ${refusal}`,
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
      summary: `${permissions} The unencrypted original ${original} ${out.alreadyGone ? 'was already gone' : 'is deregistered'} (${n} snapshot${n === 1 ? '' : 's'} deleted).`,
      details: out.keptSnapshots.map((k) => `kept snapshot \`${k.snapshotId}\`: ${k.reason}`),
      retired: true,
    };
  } catch (err) {
    return kept(
      `${permissions} The original ${original} could not be deregistered: ${toAppError(err).userMessage}`,
    );
  }
}
