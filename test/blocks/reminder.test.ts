import { describe, expect, it } from 'vitest';
import {
  type ChannelInventory,
  type InventoryEntry,
  renderExpiryDigest,
} from '../../src/blocks/expiry-digest.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { renderMalformedExpiry, renderReminder, renderReminderOutcome } from '../../src/blocks/reminder.js';

const now = new Date('2026-11-26T12:00:00Z');
const LONG = 'x'.repeat(5000);

function reminder(over: Partial<Parameters<typeof renderReminder>[0]> = {}) {
  return renderReminder({
    reminderId: 'rem-abcdefghij012345',
    account: 'prod',
    region: 'us-east-1',
    imageId: 'ami-0123456789abcdef0',
    imageName: 'web-2026-11-01',
    creationDate: '2026-11-01T00:00:00.000Z',
    sizeGiB: 58,
    monthlyCostUsd: 2.9,
    expiry: { at: '2026-12-03T00:00:00.000Z', source: 'tag' },
    milestone: 7,
    owner: { userId: 'U0OWNER1', label: 'U0OWNER1', team: 'platform' },
    now,
    extendDays: 30,
    snoozeHours: 24,
    ...over,
  });
}

function buttons(msg: { blocks: unknown[] }) {
  return msg.blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions' ? (b as { elements: never[] }).elements : [],
  );
}

describe('renderReminder', () => {
  it('shows name, id, account/region, age, size, cost, expiry and owner, with three buttons carrying only the id', () => {
    const msg = reminder();
    const text = JSON.stringify(msg.blocks);
    for (const s of [
      'web-2026-11-01',
      'ami-0123456789abcdef0',
      'prod',
      'us-east-1',
      '58 GiB',
      '$2.90',
      // 6.5 days before expiry, at the 7-day milestone: the real time left and the date.
      'expires in 6 days 12 hours, on Thu 3 Dec 2026 00:00 UTC',
      '<@U0OWNER1>',
      'platform',
      '25 days',
    ])
      expect(text).toContain(s);
    const bs = buttons(msg) as Array<{
      action_id: string;
      value: string;
      style?: string;
      text: { text: string };
    }>;
    expect(bs.map((b) => b.action_id)).toEqual(['reminder_extend', 'reminder_snooze', 'reminder_deregister']);
    expect(bs.every((b) => b.value === 'rem-abcdefghij012345')).toBe(true);
    expect(bs[2]?.style).toBe('danger');
    expect(bs[0]?.text.text).toBe('Extend 30 days');
    expect(bs[1]?.text.text).toBe('Snooze 1 day');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });

  it('stays within Slack limits with hostile names and tags', () => {
    const msg = reminder({
      imageName: `${LONG}<!channel>*_`,
      account: 'a'.repeat(63),
      owner: { label: LONG, team: LONG },
      note: LONG,
      milestone: 0,
      expiry: { at: '2026-11-20T00:00:00.000Z', source: 'deprecation' },
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).not.toContain('<!channel>');
    expect(msg.text).toContain('expired 6 days 12 hours ago, on Fri 20 Nov 2026 00:00 UTC');
  });

  it('can leave out buttons; the outcome message has none and says who did what', () => {
    expect(buttons(reminder({ buttons: ['extend', 'snooze'] }))).toHaveLength(2);
    const out = renderReminderOutcome({
      account: 'prod',
      region: 'us-east-1',
      imageId: 'ami-0123456789abcdef0',
      imageName: 'web',
      sizeGiB: 8,
      monthlyCostUsd: 0.4,
      expiry: { at: '2026-12-03T00:00:00.000Z', source: 'tag' },
      milestone: 7,
      owner: {},
      now,
      extendDays: 30,
      snoozeHours: 24,
      outcome: '✅ *Extended* by <@U1>',
    });
    expect(buttons(out)).toHaveLength(0);
    expect(out.text).not.toContain('7 days');
    expect(JSON.stringify(out.blocks)).toContain('expires in 6 days 12 hours, on Thu 3 Dec 2026 00:00 UTC');
    expect(JSON.stringify(out.blocks)).toContain('Extended* by <@U1>');
    expect(assertWithinSlackLimits(out)).toEqual([]);
  });

  it('renders the malformed-tag notice within limits', () => {
    const msg = renderMalformedExpiry({
      account: 'prod',
      region: 'us-east-1',
      imageId: 'ami-0123456789abcdef0',
      imageName: LONG,
      tagKey: 'ExpirationDate',
      value: `next tuesday ${LONG}`,
      owner: {},
    });
    expect(JSON.stringify(msg.blocks)).toContain('next tuesday');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });
});

function entry(i: number, over: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    account: 'prod',
    region: 'us-east-1',
    imageId: `ami-${i.toString(16).padStart(17, '0')}`,
    name: `image-${i}-${'n'.repeat(100)}`,
    sizeGiB: 8,
    monthlyUsd: 0.4,
    missing: [],
    owner: { label: LONG },
    ...over,
  };
}

function group(n: number, make: (i: number) => InventoryEntry) {
  const items = Array.from({ length: Math.min(n, 25) }, (_, i) => make(i));
  return { count: n, gib: n * 8, monthlyUsd: n * 0.4, items };
}

describe('renderExpiryDigest', () => {
  const inventory: ChannelInventory = {
    expired: group(300, (i) => entry(i, { expiryAt: '2026-11-20T00:00:00.000Z', expirySource: 'tag' })),
    expiring: group(1000, (i) =>
      entry(1000 + i, { expiryAt: '2026-12-01T00:00:00.000Z', expirySource: 'deprecation' }),
    ),
    noExpiry: group(50, (i) => entry(3000 + i)),
    malformed: group(3, (i) => entry(4000 + i, { invalid: LONG })),
    missingTags: group(40, (i) => entry(5000 + i, { missing: ['CostCenter', 'Team'] })),
    total: { count: 2000, gib: 16000, monthlyUsd: 800 },
  };

  it('lists every group with totals and stays within limits however many images', () => {
    const msg = renderExpiryDigest({
      title: 'Expiry digest',
      scope: 'scope',
      inventory,
      withinDays: 14,
      now,
      expiryTagKey: 'ExpirationDate',
      requiredTags: ['CostCenter', 'Team'],
      errors: [LONG],
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    for (const s of [
      '1,000 images',
      '300 expired',
      'Expiring within 14 days',
      'No expiry',
      'Missing required tags',
      'Malformed',
      '16,000 GiB',
      '$800.00',
      'more',
    ])
      expect(text).toContain(s);
  });

  it('says when nothing needs attention', () => {
    const empty = { count: 0, gib: 0, monthlyUsd: 0, items: [] };
    const msg = renderExpiryDigest({
      title: 'Expiry digest',
      scope: 'scope',
      inventory: {
        expired: empty,
        expiring: empty,
        noExpiry: empty,
        malformed: empty,
        missingTags: empty,
        total: { count: 0, gib: 0, monthlyUsd: 0 },
      },
      withinDays: 14,
      now,
      expiryTagKey: 'ExpirationDate',
      requiredTags: [],
    });
    expect(JSON.stringify(msg.blocks)).toContain('Nothing needs attention');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });
});
