import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH,
  formatGiB,
  formatUsd,
  monthlyStorageCost,
  storageTotals,
} from '../../src/domain/cost.js';
import type { BlockDevice } from '../../src/domain/image.js';

const img = (...devices: BlockDevice[]) => ({ blockDevices: devices });

describe('monthlyStorageCost', () => {
  it.each([
    ['no devices', img(), 0.05, 0],
    ['one 8 GiB snapshot', img({ deviceName: 'a', snapshotId: 's', volumeSizeGiB: 8 }), 0.05, 0.4],
    [
      'two snapshots',
      img(
        { deviceName: 'a', snapshotId: 's1', volumeSizeGiB: 30 },
        { deviceName: 'b', snapshotId: 's2', volumeSizeGiB: 100 },
      ),
      0.05,
      6.5,
    ],
    ['instance store ignored', img({ deviceName: 'b', virtualName: 'ephemeral0' }), 0.05, 0],
    ['custom price', img({ deviceName: 'a', snapshotId: 's', volumeSizeGiB: 10 }), 0.0125, 0.125],
  ])('%s', (_name, image, price, expected) => {
    expect(monthlyStorageCost(image, price)).toBeCloseTo(expected, 10);
  });

  it('defaults to 0.05 USD/GB-month', () => {
    expect(DEFAULT_SNAPSHOT_PRICE_PER_GB_MONTH).toBe(0.05);
    expect(monthlyStorageCost(img({ deviceName: 'a', snapshotId: 's', volumeSizeGiB: 20 }))).toBeCloseTo(
      1,
      10,
    );
  });
});

describe('storageTotals', () => {
  it('sums count, GiB and cost', () => {
    const images = [
      img({ deviceName: 'a', snapshotId: 's', volumeSizeGiB: 8 }),
      img({ deviceName: 'a', snapshotId: 's', volumeSizeGiB: 32 }),
    ];
    const t = storageTotals(images, 0.05);
    expect(t.count).toBe(2);
    expect(t.gib).toBe(40);
    expect(t.monthlyUsd).toBeCloseTo(2, 10);
  });
  it('is zero for no images', () => {
    expect(storageTotals([])).toEqual({ count: 0, gib: 0, monthlyUsd: 0 });
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '$0.00'],
    [0.4, '$0.40'],
    [1234.5, '$1,234.50'],
    [1_000_000, '$1,000,000.00'],
    [0.001, '<$0.01'],
    [0.005, '$0.01'],
    [2.345, '$2.35'],
    [-3, '-$3.00'],
    [Number.NaN, '$?'],
    [Number.POSITIVE_INFINITY, '$?'],
  ])('%s → %s', (n, s) => {
    expect(formatUsd(n)).toBe(s);
  });
});

describe('formatGiB', () => {
  it.each([
    [8, '8 GiB'],
    [0, '0 GiB'],
    [0.5, '0.5 GiB'],
    [1234, '1,234 GiB'],
    [12.345, '12.3 GiB'],
    [Number.NaN, '? GiB'],
  ])('%s → %s', (n, s) => {
    expect(formatGiB(n)).toBe(s);
  });
});
