import { count } from './words.js';

/**
 * Ages and dates of AMIs. Pure: the current time is always passed in as `now`.
 * All calendar arithmetic is in UTC.
 */

const DAY_MS = 86_400_000;

function parse(iso: string): number | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Whole days elapsed from `iso` to `now` (floored; negative when `iso` is in the future), or undefined when `iso` is not a date. */
export function ageDays(iso: string, now: Date): number | undefined {
  const t = parse(iso);
  if (t === undefined) return undefined;
  return Math.floor((now.getTime() - t) / DAY_MS);
}

/** A span of whole days as `today`, `1 day`, `3 days`, `5 months`, `2 years`. */
export function formatDaySpan(days: number): string {
  const d = Math.abs(Math.trunc(days));
  if (d < 1) return 'today';
  if (d <= 30) return count(d, 'day');
  if (d < 365) return count(Math.min(11, Math.max(1, Math.floor(d / 30.4375))), 'month');
  return count(Math.floor(d / 365.25) || 1, 'year');
}

/**
 * Age of `iso` relative to `now`: `today` (less than a day, or a clock-skewed future up to a day),
 * `3 days`, `5 months`, `2 years`; `in 3 days` for timestamps further in the future; `unknown` when not a date.
 */
export function formatAge(iso: string | undefined, now: Date): string {
  if (iso === undefined) return 'unknown';
  const t = parse(iso);
  if (t === undefined) return 'unknown';
  const ms = now.getTime() - t;
  if (ms < -DAY_MS) return `in ${formatDaySpan(Math.floor(-ms / DAY_MS))}`;
  if (ms < DAY_MS) return 'today';
  return formatDaySpan(Math.floor(ms / DAY_MS));
}

/** `2026-11-26` (UTC). Returns the input unchanged when it is not a date. */
export function formatDate(iso: string): string {
  const t = parse(iso);
  if (t === undefined) return iso;
  return new Date(t).toISOString().slice(0, 10);
}

/** `2026-11-26 14:03 UTC`. Returns the input unchanged when it is not a date. */
export function formatDateTime(iso: string): string {
  const t = parse(iso);
  if (t === undefined) return iso;
  const s = new Date(t).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}
