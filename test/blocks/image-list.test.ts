import { describe, expect, it } from 'vitest';
import { ACTION_IDS, actionIdPattern } from '../../src/blocks/actions.js';
import { MAX_LIST_ITEMS, renderImageList } from '../../src/blocks/image-list.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { storageTotals } from '../../src/domain/cost.js';
import { allText, buttonsOf, NOW, nasty, ownImage } from './fixtures.js';

const base = {
  account: 'prod',
  region: 'eu-west-1',
  pricePerGbMonth: 0.05,
  expiryTagKey: 'ExpirationDate',
  now: NOW,
};

describe('renderImageList', () => {
  it('renders a realistic list', () => {
    const images = [
      ownImage(3, { tags: { ExpirationDate: '2026-11-26' }, public: true }),
      ownImage(40, { tags: { ExpirationDate: '2026-11-18' } }),
      ownImage(200, { tags: {} }),
      ownImage(400, { tags: { ExpirationDate: 'tomorrow' } }),
      ownImage(500, { tags: { ExpirationDate: '2027-06-01' }, state: 'disabled' }),
    ];
    const msg = renderImageList({
      ...base,
      images,
      totals: storageTotals(images, 0.05),
      limit: 20,
      filtersDescription: 'tag Team=web',
      sharedWith: new Map([[images[1]!.imageId, 2]]),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    for (const s of [
      '*5 images* in *prod* / eu-west-1 (tag Team=web) · 150 GiB · ~$7.50/month',
      '*web-server-003* `ami-00000000001000003`',
      '3 days old · 30 GiB · $1.50/mo · 🟠 expires 2026-11-26 (in 5 days) · 🌐 public',
      '1 month old',
      '🔴 expired 3 days ago (2026-11-18)',
      '🔗 shared (2 entries)',
      'no `ExpirationDate` tag',
      '⚠️ invalid `ExpirationDate` tag: `tomorrow`',
      '🗓️ expires 2027-06-01',
      '1 year old',
      'state disabled',
      'upper bound',
    ]) {
      expect(t).toContain(s);
    }
    expect(t).not.toContain('Showing');
    const buttons = buttonsOf(msg);
    expect(buttons).toHaveLength(5);
    expect(buttons[0]!.value).toBe(`prod/eu-west-1/${images[0]!.imageId}`);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(5);
    for (const b of buttons) expect(b.action_id).toMatch(actionIdPattern(ACTION_IDS.amiShow));
    expect(msg.text).toBe('5 images in prod / eu-west-1: 150 GiB, about $7.50/month');
  });

  it('summarises over all matched images, not only the shown ones', () => {
    const images = Array.from({ length: 10 }, (_, i) => ownImage(i));
    const msg = renderImageList({
      ...base,
      images,
      totals: { count: 250, gib: 7500, monthlyUsd: 375 },
      limit: 10,
    });
    const t = allText(msg);
    expect(t).toContain('*250 images*');
    expect(t).toContain('7,500 GiB · ~$375.00/month');
    expect(t).toContain('Showing 10 of 250 — narrow with `--tag` or `--older-than`');
  });

  it('says so when nothing matched', () => {
    const msg = renderImageList({ ...base, images: [], totals: storageTotals([]), limit: 20 });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toContain('No images found in *prod* / eu-west-1');
  });

  it('fits 100 images with nasty names and tags', () => {
    const images = Array.from({ length: 100 }, (_, i) =>
      ownImage(i, {
        name: nasty(2000),
        state: nasty(200),
        tags: { ExpirationDate: nasty(1000) },
        public: i % 3 === 0,
      }),
    );
    const msg = renderImageList({
      ...base,
      account: nasty(400),
      region: nasty(400),
      filtersDescription: nasty(5000),
      images,
      totals: storageTotals(images),
      limit: 100,
      sharedWith: new Map(images.map((im) => [im.imageId, 1000])),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(buttonsOf(msg)).toHaveLength(MAX_LIST_ITEMS);
    expect(allText(msg)).toContain(`Showing ${MAX_LIST_ITEMS} of 100`);
  });
});
