/**
 * Storage cost estimates for AMIs. Pure: no I/O, no clock.
 *
 * The estimate is the full size of the image's EBS snapshots × a price per GB-month
 * (default {@link DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH}, the us-east-1 standard-tier EBS snapshot
 * price). It is an UPPER BOUND: EBS snapshots are billed on the blocks actually stored (changed
 * blocks, incremental against earlier snapshots of the same volume, and empty blocks are not
 * stored), so the real bill is usually lower. Archive-tier pricing is not modelled.
 */
import { type AmiImage, imageSizeGiB } from './image.js';

/** USD per GB-month for standard EBS snapshot storage. */
export const DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH = 0.05;

/** Estimated monthly storage cost (USD) of an image's snapshots: snapshot GiB × price. Upper bound, see module doc. */
export function monthlyStorageCost(
  image: Pick<AmiImage, 'blockDevices'>,
  pricePerGbMonth: number = DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH,
): number {
  return imageSizeGiB(image) * pricePerGbMonth;
}

export interface StorageTotals {
  count: number;
  gib: number;
  monthlyUsd: number;
}

/** Count, total snapshot GiB and estimated monthly cost over a set of images. */
export function storageTotals(
  images: ReadonlyArray<Pick<AmiImage, 'blockDevices'>>,
  pricePerGbMonth: number = DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH,
): StorageTotals {
  let gib = 0;
  for (const image of images) gib += imageSizeGiB(image);
  return { count: images.length, gib, monthlyUsd: gib * pricePerGbMonth };
}

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** `$0.40`, `$1,234.50`, `-$3.00`; amounts above 0 that would round to `$0.00` show as `<$0.01`. */
export function formatUsd(n: number): string {
  if (!Number.isFinite(n)) return '$?';
  if (n > 0 && n < 0.005) return '<$0.01';
  const s = usd.format(Math.abs(n));
  return n < 0 && s !== '$0.00' ? `-${s}` : s;
}

const gibFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** `8 GiB`, `1,234 GiB`, `0.5 GiB`. */
export function formatGiB(n: number): string {
  if (!Number.isFinite(n)) return '? GiB';
  return `${gibFormat.format(n)} GiB`;
}
