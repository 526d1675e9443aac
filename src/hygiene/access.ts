/**
 * The sharing audit (`/ami access`, the digest) and the revoke of what it found, image by image.
 * Reads every own image of each account and region once, and each image's launch permissions (one
 * call per image, a few at a time, at most `sharing.maxChecks` per account and region; the rest are
 * reported as not checked, never as fine). Which permissions fall outside the allowlist is decided
 * by `domain/sharing.ts`.
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { ShareTarget } from '../domain/grammar/index.js';
import type { LaunchPermissions } from '../domain/image.js';
import { mapLimit } from '../domain/limit.js';
import type { BatchItemOutcome } from '../domain/request.js';
import {
  allowlistOf,
  countGrants,
  type Grants,
  grantsTo,
  noGrants,
  outsideAllowlist,
  type RevokeItem,
  stillGranted,
  unionGrants,
} from '../domain/sharing.js';
import { AppError, toAppError } from '../errors.js';
import { readOwnImages, type Target } from './estate.js';

export interface AccessEntry {
  account: string;
  region: string;
  imageId: string;
  name: string;
  /** Launch permissions outside the allowlist (public included). */
  outside: Grants;
  /** `--with`: the image is shared with that account. */
  sharedWithOffboarded: boolean;
  /** What the *File request* button would remove: `outside`, plus the offboarded account's share. */
  remove: Grants;
  /** Permissions the allowlist covers (left alone). */
  allowed: number;
}

export interface AccessReport {
  /** `--with`: the account being offboarded. */
  offboard?: string;
  /** Images with something to remove, by account alias then region and id. */
  entries: AccessEntry[];
  /** Own images read, and how many had their launch permissions read. */
  scanned: number;
  checked: number;
  /** Images whose permissions were not read (over `sharing.maxChecks`, or the read failed). */
  unchecked: number;
  targets: number;
  errors: string[];
}

const CONCURRENCY = 8;

/** The allowlist of the configuration (the configured accounts count as allowed unless turned off). */
export function allowlist(deps: Pick<Deps, 'config'>) {
  return allowlistOf(
    deps.config.sharing,
    deps.config.accounts.map((a) => a.accountId),
  );
}

export async function auditSharing(
  deps: Pick<Deps, 'images' | 'config' | 'logger'>,
  targets: readonly Target[],
  opts: { offboard?: string } = {},
): Promise<AccessReport> {
  const allow = allowlist(deps);
  const report: AccessReport = {
    ...(opts.offboard ? { offboard: opts.offboard } : {}),
    entries: [],
    scanned: 0,
    checked: 0,
    unchecked: 0,
    targets: targets.length,
    errors: [],
  };
  for (const target of targets) {
    try {
      const estate = await readOwnImages(deps, target);
      report.scanned += estate.images.length;
      const max = deps.config.sharing.maxChecks;
      const asked = estate.images.slice(0, max);
      report.unchecked += estate.images.length - asked.length;
      let failed = 0;
      let firstFailure = '';
      const perms = await mapLimit(asked, CONCURRENCY, async (image) => {
        try {
          return await deps.images.getLaunchPermissions(target.account, target.region, image.imageId);
        } catch (err) {
          const e = toAppError(err);
          if (e.code === 'not_found') return undefined; // deregistered meanwhile: nothing shared
          failed++;
          firstFailure ||= e.userMessage;
          return undefined;
        }
      });
      report.checked += asked.length - failed;
      report.unchecked += failed;
      if (failed > 0) {
        report.errors.push(
          `${target.account.alias}/${target.region}: the launch permissions of ${failed} image${failed === 1 ? '' : 's'} could not be read (${firstFailure.replace(/\.\s*$/, '')})`,
        );
      }
      asked.forEach((image, i) => {
        const p: LaunchPermissions | undefined = perms[i];
        if (!p) return;
        // DescribeImages' flag and the launch permissions agree; either one makes the image public.
        const withPublic = { ...p, public: p.public || image.public };
        const outside = outsideAllowlist(withPublic, allow);
        const offboarded = opts.offboard ? grantsTo(withPublic, opts.offboard) : noGrants();
        const remove = unionGrants(outside, offboarded);
        if (countGrants(remove) === 0) return;
        const total =
          (withPublic.public ? 1 : 0) +
          withPublic.accounts.length +
          withPublic.organizations.length +
          withPublic.organizationalUnits.length;
        report.entries.push({
          account: target.account.alias,
          region: target.region,
          imageId: image.imageId,
          name: image.name,
          outside,
          sharedWithOffboarded: offboarded.accounts.length > 0,
          remove,
          allowed: total - countGrants(outside),
        });
      });
    } catch (err) {
      const e = toAppError(err);
      report.errors.push(`${target.account.alias}/${target.region}: ${e.userMessage}`);
      deps.logger.warn('sharing audit: could not read an account/region', {
        account: target.account.alias,
        region: target.region,
        error: err,
      });
    }
  }
  return report;
}

/** The revoke items of a report, per account alias. */
export function revokeItemsByAccount(report: AccessReport): Record<string, RevokeItem[]> {
  const out: Record<string, RevokeItem[]> = {};
  for (const e of report.entries) {
    const list = out[e.account] ?? [];
    list.push({ imageId: e.imageId, name: e.name, region: e.region, remove: e.remove });
    out[e.account] = list;
  }
  return out;
}

/** Launch permissions as the share targets `removeLaunchPermissions` takes. */
export function grantTargets(g: Grants): ShareTarget[] {
  return [
    ...g.accounts.map((accountId) => ({ kind: 'account' as const, accountId })),
    ...g.organizations.map((arn) => ({ kind: 'organization' as const, arn })),
    ...g.organizationalUnits.map((arn) => ({ kind: 'ou' as const, arn })),
    ...(g.public ? [{ kind: 'public' as const }] : []),
  ];
}

function describeGrants(g: Grants): string {
  const parts = [
    g.public ? 'public' : '',
    g.accounts.length ? `account${g.accounts.length === 1 ? '' : 's'} ${g.accounts.join(', ')}` : '',
    g.organizations.length ? `${g.organizations.length} organization(s)` : '',
    g.organizationalUnits.length ? `${g.organizationalUnits.length} OU(s)` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

/**
 * One image of an approved revoke: its permissions are read again, and only what the request named
 * and the image still has is removed — in one ModifyImageAttribute call, so an image is never left
 * half-unshared — then read back to confirm. A resumed item (its worker died) is looked at the same
 * way: what is gone is not removed again.
 */
export async function revokeImage(
  deps: Pick<Deps, 'images' | 'changes'>,
  account: AccountConfig,
  item: RevokeItem,
  resumed: boolean,
): Promise<BatchItemOutcome> {
  let now: LaunchPermissions;
  try {
    now = await deps.images.getLaunchPermissions(account, item.region, item.imageId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found')
      return { state: 'kept', note: 'the image no longer exists' };
    throw err;
  }
  const left = stillGranted(item.remove, now);
  if (countGrants(left) === 0) {
    return resumed
      ? { state: 'unshared', removed: 0, note: 'already removed (finished after a restart)' }
      : { state: 'kept', note: 'nothing to remove: those permissions were already gone' };
  }
  const after = await deps.changes.removeLaunchPermissions(
    account,
    item.region,
    item.imageId,
    grantTargets(left),
  );
  const remaining = stillGranted(left, after);
  if (countGrants(remaining) > 0) {
    return {
      state: 'failed',
      removed: countGrants(left) - countGrants(remaining),
      note: `still shared with ${describeGrants(remaining)} after the change`,
    };
  }
  return { state: 'unshared', removed: countGrants(left), note: `removed ${describeGrants(left)}` };
}

// ---- the daily digest ---------------------------------------------------------------------------------

export interface SharingDigest {
  public: number;
  /** Images shared with accounts, organizations or OUs outside the allowlist (public ones aside). */
  outside: number;
  /** The first few, for the message. */
  examples: Array<{ imageId: string; name: string; region: string; outside: Grants }>;
  unchecked: number;
  errors: string[];
}

/** Account alias → its sharing outside the allowlist. */
export async function collectSharing(
  deps: Pick<Deps, 'images' | 'config' | 'logger'>,
  targets: readonly Target[],
): Promise<Map<string, SharingDigest>> {
  const out = new Map<string, SharingDigest>();
  for (const target of targets) {
    const report = await auditSharing(deps, [target]);
    const d = out.get(target.account.alias) ?? {
      public: 0,
      outside: 0,
      examples: [],
      unchecked: 0,
      errors: [],
    };
    for (const e of report.entries) {
      if (e.outside.public) d.public++;
      if (
        e.outside.accounts.length + e.outside.organizations.length + e.outside.organizationalUnits.length >
        0
      )
        d.outside++;
      if (d.examples.length < 10)
        d.examples.push({ imageId: e.imageId, name: e.name, region: e.region, outside: e.outside });
    }
    d.unchecked += report.unchecked;
    d.errors.push(...report.errors);
    out.set(target.account.alias, d);
  }
  return out;
}
