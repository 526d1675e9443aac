import { describe, expect, it } from 'vitest';
import { daysUntil, isExpired, parseExpiryValue, readExpiry } from '../../src/domain/expiry.js';

const NOW = new Date('2026-11-21T12:00:00Z');

describe('parseExpiryValue', () => {
  it.each([
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
    [' 2026-11-26 ', '2026-11-26T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00:00.123Z', '2026-11-26T10:00:00.123Z'],
    ['2026-11-26T10:00:00+02:00', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26t10:00:00z', '2026-11-26T10:00:00.000Z'],
  ])('accepts %j', (value, iso) => {
    expect(parseExpiryValue(value)).toBe(iso);
  });

  it.each([
    '',
    'never',
    '26/11/2026',
    '2026-11-31',
    '2027-02-29',
    '2026-13-01',
    '2026-1-5',
    '20261126',
    '2026-11-26 10:00',
    '2026-11-26T25:00:00Z',
    '2026-11-26T10:00:00+25:00',
    'Nov 26 2026',
    '1764115200',
  ])('rejects %j', (value) => {
    expect(parseExpiryValue(value)).toBeUndefined();
  });
});

describe('readExpiry', () => {
  it.each([
    ['no tag, no deprecation', {}, undefined, undefined],
    [
      'date tag',
      { ExpirationDate: '2026-11-26' },
      undefined,
      { source: 'tag', at: '2026-11-26T00:00:00.000Z', tagKey: 'ExpirationDate' },
    ],
    [
      'tag wins over deprecation',
      { ExpirationDate: '2026-11-26T10:00:00Z' },
      '2027-01-01T00:00:00.000Z',
      { source: 'tag', at: '2026-11-26T10:00:00.000Z', tagKey: 'ExpirationDate' },
    ],
    [
      'invalid tag is reported, not ignored, and does not fall back',
      { ExpirationDate: 'soon' },
      '2027-01-01T00:00:00.000Z',
      { source: 'tag', invalid: 'soon', tagKey: 'ExpirationDate' },
    ],
    [
      'empty tag is invalid',
      { ExpirationDate: '' },
      undefined,
      { source: 'tag', invalid: '', tagKey: 'ExpirationDate' },
    ],
    [
      'case-insensitive key match',
      { expirationdate: '2026-12-01' },
      undefined,
      { source: 'tag', at: '2026-12-01T00:00:00.000Z', tagKey: 'expirationdate' },
    ],
    [
      'deprecation time',
      { Other: 'x' },
      '2027-01-01T00:00:00Z',
      { source: 'deprecation', at: '2027-01-01T00:00:00.000Z' },
    ],
    ['unparseable deprecation time ignored', {}, 'garbage', undefined],
  ])('%s', (_name, tags, deprecationTime, expected) => {
    expect(readExpiry({ tags: tags as Record<string, string>, deprecationTime })).toEqual(expected);
  });

  it('honours a custom tag key', () => {
    const image = { tags: { ExpirationDate: '2026-11-26', 'expires-on': '2030-01-01' } };
    expect(readExpiry(image, { tagKey: 'expires-on' })).toEqual({
      source: 'tag',
      at: '2030-01-01T00:00:00.000Z',
      tagKey: 'expires-on',
    });
  });
});

describe('daysUntil / isExpired', () => {
  it.each([
    ['2026-11-26T00:00:00Z', 5, false],
    ['2026-11-22T00:00:00Z', 1, false],
    ['2026-11-21T18:00:00Z', 0, false],
    ['2026-11-21T06:00:00Z', 0, true],
    ['2026-11-21T00:00:00Z', 0, true],
    ['2026-11-18T00:00:00Z', -3, true],
    ['2025-11-21T00:00:00Z', -365, true],
  ])('%s → %s days, expired %s', (iso, days, expired) => {
    expect(daysUntil(iso, NOW)).toBe(days);
    expect(isExpired(iso, NOW)).toBe(expired);
  });
  it('NaN / not expired for non-dates', () => {
    expect(daysUntil('x', NOW)).toBeNaN();
    expect(isExpired('x', NOW)).toBe(false);
  });
});
