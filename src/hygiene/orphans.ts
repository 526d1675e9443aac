/**
 * `/ami orphans`: the account's snapshots that no image uses, in one account and region (see
 * domain/orphans.ts for what counts). Reads own images and own snapshots once each.
 */
import type { Deps } from '../deps.js';
import type { OwnSnapshot } from '../domain/image.js';
import { classifySnapshot } from '../domain/orphans.js';
import type { SnapshotItem } from '../domain/request.js';
import { readOwnImages, readOwnSnapshots, type Target } from './estate.js';

export interface OrphanReport {
  account: string;
  region: string;
  /** Image-gone first (oldest first), then unused (biggest first). */
  orphans: Array<SnapshotItem & { startTime?: string }>;
  gib: number;
  monthlyUsd: number;
  imageGone: number;
  unused: number;
  /** Snapshots without an image that were left alone, by why. */
  skipped: { pending: number; recent: number; hold: number; managed: number };
  /** Own snapshots read, and how many an image uses. */
  snapshots: number;
  used: number;
  usedGiB: number;
}

export async function findOrphans(
  deps: Pick<Deps, 'images' | 'snapshots' | 'config' | 'clock'>,
  target: Target,
): Promise<OrphanReport> {
  const now = deps.clock();
  const [estate, own] = await Promise.all([readOwnImages(deps, target), readOwnSnapshots(deps, target)]);
  const imageIds = new Set(estate.images.map((i) => i.imageId));
  return classifyAll(
    own.snapshots,
    estate.snapshotUsers,
    imageIds,
    now,
    deps.config.snapshotPricePerGbMonth,
    target,
  );
}

/** The report over snapshots already read (also used by `/ami cost` and the digest). */
export function classifyAll(
  snapshots: readonly OwnSnapshot[],
  snapshotUsers: ReadonlyMap<string, string[]>,
  imageIds: ReadonlySet<string>,
  now: Date,
  price: number,
  target: Target,
): OrphanReport {
  const report: OrphanReport = {
    account: target.account.alias,
    region: target.region,
    orphans: [],
    gib: 0,
    monthlyUsd: 0,
    imageGone: 0,
    unused: 0,
    skipped: { pending: 0, recent: 0, hold: 0, managed: 0 },
    snapshots: snapshots.length,
    used: 0,
    usedGiB: 0,
  };
  const gone: OrphanReport['orphans'] = [];
  const unused: OrphanReport['orphans'] = [];
  for (const s of snapshots) {
    const c = classifySnapshot(
      s,
      { usedByImage: (id) => snapshotUsers.has(id), imageExists: (id) => imageIds.has(id) },
      now,
    );
    const base = {
      snapshotId: s.snapshotId,
      sizeGiB: s.sizeGiB,
      ...(s.startTime ? { startTime: s.startTime } : {}),
    };
    if (c.kind === 'used') {
      report.used++;
      report.usedGiB += s.sizeGiB;
    } else if (c.kind === 'skipped') report.skipped[c.why]++;
    else if (c.kind === 'image-gone') gone.push({ ...base, reason: 'image-gone', imageId: c.imageId });
    else unused.push({ ...base, reason: 'unused' });
  }
  gone.sort(
    (a, b) =>
      (a.startTime ?? '').localeCompare(b.startTime ?? '') || a.snapshotId.localeCompare(b.snapshotId),
  );
  unused.sort((a, b) => b.sizeGiB - a.sizeGiB || a.snapshotId.localeCompare(b.snapshotId));
  report.orphans = [...gone, ...unused];
  report.imageGone = gone.length;
  report.unused = unused.length;
  report.gib = report.orphans.reduce((n, o) => n + o.sizeGiB, 0);
  report.monthlyUsd = report.gib * price;
  return report;
}
