import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  formatDuration,
  formatDurationShort,
  HOUR_MS,
  parseDate,
  parseDuration,
  resolveWhen,
  WEEK_MS,
} from '../../src/domain/duration.js';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['30d', 30 * DAY_MS],
    ['2w', 2 * WEEK_MS],
    ['12h', 12 * HOUR_MS],
    ['90d', 90 * DAY_MS],
    ['1w2d', 9 * DAY_MS],
    ['1d12h', 36 * HOUR_MS],
    ['30 days', 30 * DAY_MS],
    ['1 week', WEEK_MS],
    ['3 hours', 3 * HOUR_MS],
    ['30D', 30 * DAY_MS],
    [' 7d ', 7 * DAY_MS],
    ['6mo', 180 * DAY_MS],
    ['1y', 365 * DAY_MS],
    ['10y', 3650 * DAY_MS],
    ['3650d', 3650 * DAY_MS],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each<[string, RegExp]>([
    ['', /needs a duration/],
    ['   ', /needs a duration/],
    ['30', /needs a unit.*`30d`/],
    ['0d', /longer than zero/],
    ['0h0d', /longer than zero/],
    ['5m', /ambiguous/],
    ['10min', /ambiguous/],
    ['3x', /unknown unit `x`/],
    ['d30', /must be a duration/],
    ['-5d', /must be a duration/],
    ['1.5d', /must be a duration/],
    ['abc', /unknown unit|must be a duration/],
    ['3651d', /at most 10 years/],
    ['11y', /at most 10 years/],
    ['9999999d', /must be a duration/],
  ])('%j is refused (%s)', (text, message) => {
    const r = parseDuration(text, '`--in`');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error.startsWith('`--in`')).toBe(true);
    }
  });

  it('never throws and round-trips through formatDurationShort for whole hours', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseDuration(s);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3650 * 24 }), (hours) => {
        const ms = hours * HOUR_MS;
        expect(parseDuration(formatDurationShort(ms))).toEqual({ ok: true, ms });
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [30 * DAY_MS, '30 days'],
    [90 * DAY_MS, '90 days'],
    [2 * WEEK_MS, '2 weeks'],
    [WEEK_MS, '1 week'],
    [DAY_MS, '1 day'],
    [12 * HOUR_MS, '12 hours'],
    [HOUR_MS, '1 hour'],
    [36 * HOUR_MS, '1 day 12 hours'],
    [45 * 60_000, '45 minutes'],
    [90 * 60_000, '1 hour 30 minutes'],
    [0, 'less than a minute'],
    [-3 * DAY_MS, '3 days ago'],
    [Number.POSITIVE_INFINITY, 'forever'],
  ])('%d → %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each<[number, string]>([
    [30 * DAY_MS, '30d'],
    [2 * WEEK_MS, '2w'],
    [12 * HOUR_MS, '12h'],
    [36 * HOUR_MS, '1d12h'],
  ])('short %d → %j', (ms, text) => {
    expect(formatDurationShort(ms)).toBe(text);
  });
});

describe('parseDate', () => {
  it.each<[string, string]>([
    ['2025-06-30', '2025-06-30T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['2025-06-30T12:00', '2025-06-30T12:00:00.000Z'],
    ['2025-06-30T12:00:05Z', '2025-06-30T12:00:05.000Z'],
    ['2025-06-30t12:00:05z', '2025-06-30T12:00:05.000Z'],
    ['2025-06-30 12:00:05', '2025-06-30T12:00:05.000Z'],
    ['2025-06-30T12:00:00.5Z', '2025-06-30T12:00:00.500Z'],
    ['2025-06-30T12:00:00.123456789Z', '2025-06-30T12:00:00.123Z'],
    ['2025-06-30T12:00:00+02:00', '2025-06-30T10:00:00.000Z'],
    ['2025-06-30T12:00:00-0530', '2025-06-30T17:30:00.000Z'],
    ['2025-06-30T23:30:00-01', '2025-07-01T00:30:00.000Z'],
    ['2025-12-31T23:59:59Z', '2025-12-31T23:59:59.000Z'],
  ])('%j → %j', (text, iso) => {
    expect(parseDate(text)).toEqual({ ok: true, iso });
  });

  it.each<[string, RegExp]>([
    ['2025-02-29', /no day 29/],
    ['1900-02-29', /before 1970/],
    ['2100-02-29', /no day 29/],
    ['2025-04-31', /no day 31/],
    ['2025-13-01', /no month 13/],
    ['2025-00-10', /no month 00/],
    ['2025-01-00', /no day 00/],
    ['2025-06-30T24:00', /time of day/],
    ['2025-06-30T12:60', /time of day/],
    ['2025-06-30T12:00:00+15:00', /offset is out of range/],
    ['30/06/2025', /must be a date/],
    ['2025-6-30', /must be a date/],
    ['tomorrow', /must be a date/],
    ['', /must be a date/],
    ['2025-06-30T', /must be a date/],
  ])('%j is refused', (text, message) => {
    const r = parseDate(text, '`--at`');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error.startsWith('`--at`')).toBe(true);
    }
  });

  it('agrees with Date for every valid calendar day', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const day = d.toISOString().slice(0, 10);
          expect(parseDate(day)).toEqual({ ok: true, iso: `${day}T00:00:00.000Z` });
          expect(parseDate(d.toISOString())).toEqual({ ok: true, iso: d.toISOString() });
        },
      ),
    );
  });
});

describe('resolveWhen', () => {
  const now = new Date('2025-01-15T10:00:00Z');
  it('adds a duration to now', () => {
    expect(resolveWhen({ kind: 'in', ms: 30 * DAY_MS }, now).toISOString()).toBe('2025-02-14T10:00:00.000Z');
  });
  it('returns a fixed instant as is', () => {
    expect(resolveWhen({ kind: 'at', iso: '2025-06-30T00:00:00.000Z' }, now).toISOString()).toBe(
      '2025-06-30T00:00:00.000Z',
    );
  });
});
