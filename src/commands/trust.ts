import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { ownerToEc2 } from '../domain/find-query.js';
import type { AmiImage } from '../domain/image.js';

/**
 * Whether an image comes from a trusted owner: its owner id or alias is in `trustedOwners`, or
 * `self` is trusted and the image belongs to the account itself (asked of STS at most once).
 */
export async function trustChecker(
  deps: Pick<Deps, 'config' | 'aws'>,
  account: AccountConfig,
  region: string,
): Promise<(image: AmiImage) => boolean> {
  // Publisher keywords (`canonical`, `debian`, …) count as their account ids or aliases.
  const trusted = new Set(deps.config.trustedOwners.flatMap((o) => [o, ownerToEc2(o)]));
  let selfId: string | undefined;
  if (trusted.has('self')) {
    selfId = account.accountId ?? (await deps.aws.accountId(account, region).catch(() => undefined));
  }
  return (image) =>
    trusted.has(image.ownerId) ||
    (image.ownerAlias !== undefined && trusted.has(image.ownerAlias)) ||
    (selfId !== undefined && image.ownerId === selfId);
}
