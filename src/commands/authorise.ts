import type { AccountConfig } from '../config.js';
import { checkRequest, referencedGroups } from '../domain/policy.js';
import type { OperationKind } from '../domain/request.js';
import { AppError } from '../errors.js';
import type { CommandContext } from './types.js';

/**
 * Permission first, before anything is read from AWS: may this user request `kind` in the account
 * (the account's `requesters`, or `promoters` for promotions; public sharing only where allowed)?
 * A refusal is audited and answered with the policy's reason.
 */
export async function authorise(
  ctx: CommandContext,
  p: {
    account: AccountConfig;
    region: string;
    kind: OperationKind;
    /** What the refusal is about in the audit trail: an image id, a family, `account/region`. */
    target: string;
    imageId?: string;
    publicShare?: boolean;
  },
): Promise<void> {
  const { deps } = ctx;
  const groups = await deps.userGroups.members(referencedGroups(p.account.policy));
  const allowed = checkRequest({
    policy: p.account.policy,
    accountAlias: p.account.alias,
    userId: ctx.userId,
    kind: p.kind,
    groups,
    publicShare: p.publicShare ?? false,
  });
  if (allowed.ok) return;
  await deps.audit.record({
    actor: ctx.userId,
    action: 'request.refused',
    target: p.target,
    ...(p.imageId ? { imageId: p.imageId } : {}),
    account: p.account.alias,
    region: p.region,
    result: 'refused',
    detail: `${p.kind}: ${allowed.code}`,
  });
  throw new AppError('forbidden', allowed.message);
}
