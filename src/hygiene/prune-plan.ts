/**
 * The dry run of `/ami prune` (and of a retention rule): which images of each family go, which
 * stay and why, and what deleting them frees. Reads own images once, asks the in-use guard once
 * for every candidate, and reads launch permissions only for the images it would delete (up to
 * the per-request limit), so it answers within Slack's response window for tens of thousands of
 * images.
 */
import type { Deps } from '../deps.js';
import { type FamilySelector, familyOf } from '../domain/families.js';
import { mapLimit } from '../domain/limit.js';
import type { PruneImageItem } from '../domain/request.js';
import {
  type KeepReason,
  newestFirst,
  sharingKeepReason,
  staticKeepReasons,
  usageKeepReason,
} from '../domain/retention.js';
import { toAppError } from '../errors.js';
import { type OwnImage, readOwnImages, type Target } from './estate.js';
import { readUsage } from './usage.js';

export interface PruneRule {
  selector: FamilySelector;
  keep: number;
  olderThanMs?: number;
}

export interface StayingImage {
  image: OwnImage;
  reasons: KeepReason[];
}

export interface FamilyPlan {
  family: string;
  /** Images of the family (newest first in `stays`, oldest first in `goes`). */
  total: number;
  goes: PruneImageItem[];
  stays: StayingImage[];
  freedGiB: number;
  monthlyUsd: number;
}

export interface PrunePlan {
  account: string;
  region: string;
  rule: PruneRule;
  families: FamilyPlan[];
  /** Everything that goes, oldest first, at most the per-request limit. */
  goes: PruneImageItem[];
  /** Images that could go but wait for a later request (over the limit). */
  overLimit: number;
  freedGiB: number;
  monthlyUsd: number;
  /** Own images read in the account and region. */
  scanned: number;
  /** Images the selector picked. */
  selected: number;
}

export interface PlanOptions {
  maxPerRequest: number;
  pricePerGbMonth: number;
  now: Date;
}

/** Launch permission reads at once. */
const PERMISSION_CONCURRENCY = 8;

export async function planPrune(
  deps: Pick<Deps, 'images' | 'changes' | 'logger' | 'aws'>,
  target: Target,
  rule: PruneRule,
  opts: PlanOptions,
): Promise<PrunePlan> {
  const estate = await readOwnImages(deps, target);
  const byFamily = new Map<string, OwnImage[]>();
  let selected = 0;
  for (const image of estate.images) {
    const family = familyOf(image, rule.selector);
    if (family === undefined) continue;
    selected++;
    const list = byFamily.get(family);
    if (list) list.push(image);
    else byFamily.set(family, [image]);
  }

  // Reasons that need no AWS call.
  const reasons = new Map<string, KeepReason[]>();
  const familyOfImage = new Map<string, string>();
  const candidates: OwnImage[] = [];
  for (const [family, images] of byFamily) {
    images.sort(newestFirst);
    images.forEach((image, rank) => {
      familyOfImage.set(image.imageId, family);
      const r = staticKeepReasons(image, rank, rule, opts.now);
      reasons.set(image.imageId, r);
      if (r.length === 0) candidates.push(image);
    });
  }
  // Oldest first across families: the oldest go first when the limit cuts the list.
  candidates.sort((a, b) => newestFirst(b, a));

  // One reading of what uses the candidates.
  const usage = await readUsage(
    deps,
    target.account,
    target.region,
    candidates.map((c) => c.imageId),
  );
  const unused: OwnImage[] = [];
  for (const image of candidates) {
    const r = usageKeepReason(usage.answerFor(image.imageId));
    if (r) (reasons.get(image.imageId) as KeepReason[]).push(r);
    else unused.push(image);
  }

  // Sharing, read only for the images that would go, in order, until the limit is reached.
  const going: OwnImage[] = [];
  let overLimit = 0;
  let next = 0;
  while (next < unused.length && going.length < opts.maxPerRequest) {
    const batch = unused.slice(
      next,
      next + Math.min(PERMISSION_CONCURRENCY * 4, opts.maxPerRequest - going.length),
    );
    next += batch.length;
    const checked = await mapLimit(batch, PERMISSION_CONCURRENCY, async (image) => {
      try {
        const perms = await deps.images.getLaunchPermissions(target.account, target.region, image.imageId);
        return sharingKeepReason(perms);
      } catch (err) {
        const e = toAppError(err);
        return { kind: 'sharing-unknown', reason: e.userMessage.replace(/\.\s*$/, '') } as KeepReason;
      }
    });
    batch.forEach((image, i) => {
      const r = checked[i];
      if (r) (reasons.get(image.imageId) as KeepReason[]).push(r);
      else if (going.length < opts.maxPerRequest) going.push(image);
      else {
        overLimit++;
        (reasons.get(image.imageId) as KeepReason[]).push({ kind: 'over-limit', limit: opts.maxPerRequest });
      }
    });
  }
  for (const image of unused.slice(next)) {
    overLimit++;
    (reasons.get(image.imageId) as KeepReason[]).push({ kind: 'over-limit', limit: opts.maxPerRequest });
  }

  // What deleting them frees: snapshots that no staying image uses, each counted once.
  const goingIds = new Set(going.map((g) => g.imageId));
  const counted = new Set<string>();
  const items: PruneImageItem[] = going.map((image) => {
    let freed = 0;
    for (const s of image.snapshots) {
      if (counted.has(s.snapshotId)) continue;
      const users = estate.snapshotUsers.get(s.snapshotId) ?? [];
      if (users.every((u) => goingIds.has(u))) {
        counted.add(s.snapshotId);
        freed += s.sizeGiB;
      }
    }
    return {
      imageId: image.imageId,
      name: image.name,
      family: familyOfImage.get(image.imageId) ?? '',
      ...(image.creationDate ? { creationDate: image.creationDate } : {}),
      snapshots: image.snapshots,
      sizeGiB: image.sizeGiB,
      freedGiB: freed,
    };
  });

  const families: FamilyPlan[] = [...byFamily.entries()]
    .map(([family, images]) => {
      const goes = items.filter((i) => i.family === family);
      const freedGiB = goes.reduce((n, i) => n + i.freedGiB, 0);
      return {
        family,
        total: images.length,
        goes,
        stays: images
          .filter((i) => !goingIds.has(i.imageId))
          .map((image) => ({ image, reasons: reasons.get(image.imageId) ?? [] })),
        freedGiB,
        monthlyUsd: freedGiB * opts.pricePerGbMonth,
      };
    })
    .sort((a, b) => b.goes.length - a.goes.length || (a.family < b.family ? -1 : 1));

  const freedGiB = items.reduce((n, i) => n + i.freedGiB, 0);
  return {
    account: target.account.alias,
    region: target.region,
    rule,
    families,
    goes: items,
    overLimit,
    freedGiB,
    monthlyUsd: freedGiB * opts.pricePerGbMonth,
    scanned: estate.images.length,
    selected,
  };
}
