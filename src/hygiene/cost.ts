/**
 * `/ami cost`: where the snapshot storage money goes. Each own snapshot is counted once: towards
 * the first image that uses it (grouped by team tag, account, region or family), or as orphaned
 * (see domain/orphans.ts), or as other (AWS Backup, Data Lifecycle Manager, on hold, recent).
 */
import type { Deps } from '../deps.js';
import { familyOfName } from '../domain/families.js';
import type { CostDimension } from '../domain/grammar/index.js';
import { imageOwner } from '../domain/reminders.js';
import { toAppError } from '../errors.js';
import { readOwnImages, readOwnSnapshots, type Target } from './estate.js';
import { classifyAll } from './orphans.js';

export interface CostLine {
  key: string;
  images: number;
  gib: number;
  monthlyUsd: number;
}

export interface CostReport {
  by: CostDimension;
  /** Biggest first. */
  groups: CostLine[];
  images: { count: number; gib: number; monthlyUsd: number };
  orphaned: { count: number; gib: number; monthlyUsd: number };
  other: { count: number; gib: number; monthlyUsd: number };
  total: { gib: number; monthlyUsd: number };
  targets: number;
  errors: string[];
}

const NO_TEAM = '(no team tag)';

export async function costReport(
  deps: Pick<Deps, 'images' | 'snapshots' | 'config' | 'clock' | 'logger'>,
  targets: readonly Target[],
  by: CostDimension,
): Promise<CostReport> {
  const price = deps.config.snapshotPricePerGbMonth;
  const now = deps.clock();
  const groups = new Map<string, CostLine>();
  const report: CostReport = {
    by,
    groups: [],
    images: { count: 0, gib: 0, monthlyUsd: 0 },
    orphaned: { count: 0, gib: 0, monthlyUsd: 0 },
    other: { count: 0, gib: 0, monthlyUsd: 0 },
    total: { gib: 0, monthlyUsd: 0 },
    targets: targets.length,
    errors: [],
  };
  for (const target of targets) {
    try {
      const [estate, own] = await Promise.all([readOwnImages(deps, target), readOwnSnapshots(deps, target)]);
      const size = new Map(own.snapshots.map((s) => [s.snapshotId, s.sizeGiB]));
      const counted = new Set<string>();
      for (const image of estate.images) {
        const key =
          by === 'team'
            ? (imageOwner(image.tags, deps.config.expiry).team ?? NO_TEAM)
            : by === 'account'
              ? target.account.alias
              : by === 'region'
                ? target.region
                : familyOfName(image.name) || image.imageId;
        let line = groups.get(key);
        if (!line) {
          line = { key, images: 0, gib: 0, monthlyUsd: 0 };
          groups.set(key, line);
        }
        line.images++;
        report.images.count++;
        for (const s of image.snapshots) {
          if (counted.has(s.snapshotId)) continue;
          counted.add(s.snapshotId);
          // The snapshot's own size when listed; the image's record of it otherwise.
          const gib = size.get(s.snapshotId) ?? s.sizeGiB;
          line.gib += gib;
          report.images.gib += gib;
        }
      }
      const imageIds = new Set(estate.images.map((i) => i.imageId));
      const orphans = classifyAll(own.snapshots, estate.snapshotUsers, imageIds, now, price, target);
      report.orphaned.count += orphans.orphans.length;
      report.orphaned.gib += orphans.gib;
      const other = own.snapshots.filter((s) => !estate.snapshotUsers.has(s.snapshotId));
      const otherCount = other.length - orphans.orphans.length;
      const otherGib = other.reduce((n, s) => n + s.sizeGiB, 0) - orphans.gib;
      report.other.count += otherCount;
      report.other.gib += otherGib;
    } catch (err) {
      report.errors.push(`${target.account.alias}/${target.region}: ${toAppError(err).userMessage}`);
      deps.logger.warn('cost: could not read an account/region', {
        account: target.account.alias,
        region: target.region,
        error: err,
      });
    }
  }
  for (const line of groups.values()) line.monthlyUsd = line.gib * price;
  report.groups = [...groups.values()].sort((a, b) => b.gib - a.gib || a.key.localeCompare(b.key));
  report.images.monthlyUsd = report.images.gib * price;
  report.orphaned.monthlyUsd = report.orphaned.gib * price;
  report.other.monthlyUsd = report.other.gib * price;
  report.total.gib = report.images.gib + report.orphaned.gib + report.other.gib;
  report.total.monthlyUsd = report.total.gib * price;
  return report;
}
