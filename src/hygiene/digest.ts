/**
 * The hygiene lines of the daily digest, per account: what snapshot storage costs (images and
 * orphaned snapshots) and what could be saved (images nobody launched in `retention.unusedDays`,
 * orphaned snapshots). Each account's lines go to the digest of its own channel.
 */
import type { HygieneDigest } from '../blocks/expiry-digest.js';
import type { Deps } from '../deps.js';
import { costReport } from './cost.js';
import type { Target } from './estate.js';
import { findUnused } from './unused.js';

export type { HygieneDigest };

/** Account alias → its hygiene totals over the given targets. */
export async function collectHygiene(
  deps: Deps,
  targets: readonly Target[],
): Promise<Map<string, HygieneDigest>> {
  const days = deps.config.retention.unusedDays;
  const out = new Map<string, HygieneDigest>();
  for (const target of targets) {
    const [cost, unused] = await Promise.all([
      costReport(deps, [target], 'account'),
      findUnused(deps, [target], { days }),
    ]);
    const h = out.get(target.account.alias) ?? {
      days,
      storageGiB: 0,
      storageUsd: 0,
      imagesUsd: 0,
      orphanCount: 0,
      orphanGiB: 0,
      orphanUsd: 0,
      unusedCount: 0,
      unusedUsd: 0,
      errors: [],
    };
    h.storageGiB += cost.total.gib;
    h.storageUsd += cost.total.monthlyUsd;
    h.imagesUsd += cost.images.monthlyUsd;
    h.orphanCount += cost.orphaned.count;
    h.orphanGiB += cost.orphaned.gib;
    h.orphanUsd += cost.orphaned.monthlyUsd;
    h.unusedCount += unused.images.length;
    h.unusedUsd += unused.monthlyUsd;
    h.errors.push(...cost.errors, ...unused.errors);
    out.set(target.account.alias, h);
  }
  return out;
}

/** The totals of several accounts together. */
export function mergeHygiene(parts: readonly HygieneDigest[]): HygieneDigest | undefined {
  if (parts.length === 0) return undefined;
  const [first, ...rest] = parts as [HygieneDigest, ...HygieneDigest[]];
  return rest.reduce<HygieneDigest>(
    (a, b) => ({
      days: a.days,
      storageGiB: a.storageGiB + b.storageGiB,
      storageUsd: a.storageUsd + b.storageUsd,
      imagesUsd: a.imagesUsd + b.imagesUsd,
      orphanCount: a.orphanCount + b.orphanCount,
      orphanGiB: a.orphanGiB + b.orphanGiB,
      orphanUsd: a.orphanUsd + b.orphanUsd,
      unusedCount: a.unusedCount + b.unusedCount,
      unusedUsd: a.unusedUsd + b.unusedUsd,
      errors: [...a.errors, ...b.errors],
    }),
    { ...first, errors: [...first.errors] },
  );
}
