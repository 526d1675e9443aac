/**
 * `/ami unused`: own images nobody launched in N days (EC2's `lastLaunchedTime` image attribute;
 * an image never launched counts from its creation), with what they cost. The attribute is one
 * call per image, so only images older than N days are asked about, a few at a time, and at most
 * `maxChecks` per account and region.
 */
import type { Deps } from '../deps.js';
import { DAY_MS } from '../domain/duration.js';
import { mapLimit } from '../domain/limit.js';
import { newestFirst } from '../domain/retention.js';
import { toAppError } from '../errors.js';
import { readOwnImages, type Target } from './estate.js';

export interface UnusedImage {
  account: string;
  region: string;
  imageId: string;
  name: string;
  creationDate?: string;
  /** ISO 8601; undefined: never launched (as far as EC2 recorded). */
  lastLaunched?: string;
  sizeGiB: number;
  monthlyUsd: number;
}

export interface UnusedReport {
  days: number;
  /** Every unused image found (the caller shows the top ones). */
  images: UnusedImage[];
  gib: number;
  monthlyUsd: number;
  /** Own images read, and how many were asked about (older than N days). */
  scanned: number;
  checked: number;
  /** Images older than N days left unchecked (over `maxChecks`). */
  unchecked: number;
  errors: string[];
}

export interface UnusedOptions {
  days: number;
  maxChecks?: number;
  concurrency?: number;
}

export async function findUnused(
  deps: Pick<Deps, 'images' | 'config' | 'clock' | 'logger'>,
  targets: readonly Target[],
  opts: UnusedOptions,
): Promise<UnusedReport> {
  const now = deps.clock();
  const cutoff = now.getTime() - opts.days * DAY_MS;
  const price = deps.config.snapshotPricePerGbMonth;
  const report: UnusedReport = {
    days: opts.days,
    images: [],
    gib: 0,
    monthlyUsd: 0,
    scanned: 0,
    checked: 0,
    unchecked: 0,
    errors: [],
  };
  for (const target of targets) {
    try {
      const estate = await readOwnImages(deps, target);
      report.scanned += estate.images.length;
      const old = estate.images
        .filter((i) => i.state === 'available' || i.state === 'disabled')
        .filter((i) => {
          const created = Date.parse(i.creationDate ?? '');
          return !Number.isNaN(created) && created < cutoff;
        })
        .sort((a, b) => newestFirst(b, a));
      const max = opts.maxChecks ?? 2000;
      const asked = old.slice(0, max);
      report.unchecked += old.length - asked.length;
      const launched = await mapLimit(asked, opts.concurrency ?? 8, (image) =>
        deps.images.getLastLaunchedTime(target.account, target.region, image.imageId),
      );
      report.checked += asked.length;
      asked.forEach((image, i) => {
        const last = launched[i];
        const t = last ? Date.parse(last) : Number.NaN;
        if (!Number.isNaN(t) && t >= cutoff) return;
        report.images.push({
          account: target.account.alias,
          region: target.region,
          imageId: image.imageId,
          name: image.name,
          ...(image.creationDate ? { creationDate: image.creationDate } : {}),
          ...(last ? { lastLaunched: last } : {}),
          sizeGiB: image.sizeGiB,
          monthlyUsd: image.sizeGiB * price,
        });
      });
    } catch (err) {
      const e = toAppError(err);
      report.errors.push(`${target.account.alias}/${target.region}: ${e.userMessage}`);
      deps.logger.warn('unused images: could not read an account/region', {
        account: target.account.alias,
        region: target.region,
        error: err,
      });
    }
  }
  report.images.sort((a, b) => b.sizeGiB - a.sizeGiB || a.imageId.localeCompare(b.imageId));
  report.gib = report.images.reduce((n, i) => n + i.sizeGiB, 0);
  report.monthlyUsd = report.gib * price;
  return report;
}
