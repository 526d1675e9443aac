import { describe, expect, it } from 'vitest';
import { ageDays, formatAge, formatDate, formatDateTime, formatDaySpan } from '../../src/domain/age.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const daysAgo = (d: number, extraMs = 0) => new Date(NOW.getTime() - d * 86_400_000 - extraMs).toISOString();

describe('ageDays', () => {
  it.each([
    [daysAgo(0), 0],
    [daysAgo(0, 3_600_000), 0],
    [daysAgo(1), 1],
    [daysAgo(3, 60_000), 3],
    [daysAgo(400), 400],
    [daysAgo(-2), -2],
  ])('%s → %s', (iso, d) => {
    expect(ageDays(iso, NOW)).toBe(d);
  });
  it('is undefined for non-dates', () => {
    expect(ageDays('not a date', NOW)).toBeUndefined();
  });
});

describe('formatAge', () => {
  it.each([
    ['now', daysAgo(0), 'today'],
    ['23 hours', daysAgo(0, 23 * 3_600_000), 'today'],
    ['slightly in the future (clock skew)', daysAgo(0, -3_600_000), 'today'],
    ['1 day', daysAgo(1), '1 day'],
    ['3 days', daysAgo(3), '3 days'],
    ['30 days', daysAgo(30), '30 days'],
    ['31 days', daysAgo(31), '1 month'],
    ['61 days', daysAgo(61), '2 months'],
    ['5 months', daysAgo(155), '5 months'],
    ['364 days', daysAgo(364), '11 months'],
    ['365 days', daysAgo(365), '1 year'],
    ['2 years', daysAgo(800), '2 years'],
    ['future', daysAgo(-3), 'in 3 days'],
    ['invalid', 'garbage', 'unknown'],
    ['undefined', undefined, 'unknown'],
  ])('%s', (_name, iso, expected) => {
    expect(formatAge(iso, NOW)).toBe(expected);
  });

  it('formatDaySpan is symmetric', () => {
    expect(formatDaySpan(-5)).toBe('5 days');
    expect(formatDaySpan(0)).toBe('today');
  });
});

describe('formatDate / formatDateTime', () => {
  it.each([
    ['2026-11-26T14:03:59.000Z', '2026-11-26', '2026-11-26 14:03 UTC'],
    ['2026-11-26T23:30:00-02:00', '2026-11-27', '2026-11-27 01:30 UTC'],
    ['2026-01-02', '2026-01-02', '2026-01-02 00:00 UTC'],
    ['nope', 'nope', 'nope'],
  ])('%s', (iso, date, dateTime) => {
    expect(formatDate(iso)).toBe(date);
    expect(formatDateTime(iso)).toBe(dateTime);
  });
});
