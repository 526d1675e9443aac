/**
 * Launch permissions carried from one image to another (`copy --with-permissions`,
 * `encrypt --replace`), always within the account's policy: a public source never makes a public
 * copy unless the account allows public sharing. Read when the request is filed (for the approval
 * message) and read again when the job applies them, since they may have changed in between.
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { describeTargets } from '../domain/describe-request.js';
import type { ShareTarget } from '../domain/grammar/index.js';
import type { LaunchPermissions } from '../domain/image.js';
import { countPermissions, grantsWithinPolicy } from '../domain/policy.js';
import type { LaunchGrants } from '../domain/request.js';

/** The permissions as share targets (what `addLaunchPermissions` takes). */
export function permissionTargets(p: LaunchPermissions): ShareTarget[] {
  return [
    ...p.accounts.map((accountId) => ({ kind: 'account' as const, accountId })),
    ...p.organizations.map((arn) => ({ kind: 'organization' as const, arn })),
    ...p.organizationalUnits.map((arn) => ({ kind: 'ou' as const, arn })),
    ...(p.public ? [{ kind: 'public' as const }] : []),
  ];
}

/** What an image's permissions would give another image of this account, read now. */
export async function plannedGrants(
  deps: Pick<Deps, 'images'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<LaunchGrants> {
  const source = await deps.images.getLaunchPermissions(account, region, imageId);
  return grantsWithinPolicy(account.policy, source);
}

/**
 * Gives `to` the launch permissions `from` has now, within the account's current policy. Adding a
 * permission twice is harmless, so a retried job may call it again. Returns what was granted.
 */
export async function carryLaunchPermissions(
  deps: Pick<Deps, 'images' | 'changes'>,
  account: AccountConfig,
  from: { region: string; imageId: string },
  to: { region: string; imageId: string },
): Promise<LaunchGrants> {
  const grants = await plannedGrants(deps, account, from.region, from.imageId);
  const targets = permissionTargets(grants.permissions);
  if (targets.length > 0) await deps.changes.addLaunchPermissions(account, to.region, to.imageId, targets);
  return grants;
}

/** "Public launch permission not applied: …", for a copy's progress line or a result. */
export function publicKeptBackNote(accountAlias: string): string {
  return `the source is public, but the copy is not: public sharing is off for account ${accountAlias}`;
}

/** One sentence on what was granted, e.g. "Launch permissions carried over to `ami-…`: account `1`.". */
export function grantsSentence(imageId: string, grants: LaunchGrants, accountAlias: string): string {
  const n = countPermissions(grants.permissions);
  const what =
    n === 0
      ? `The original was shared with nobody, so \`${imageId}\` has no launch permissions either`
      : `Launch permissions carried over to \`${imageId}\`: ${describeTargets(permissionTargets(grants.permissions))}`;
  return `${what}${grants.publicDropped ? ` (not public: ${publicKeptBackNote(accountAlias)})` : ''}.`;
}
