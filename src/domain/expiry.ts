/**
 * When an AMI expires. Pure: the current time is always passed in as `now`.
 *
 * Source, in order:
 * 1. the expiry tag (default key `ExpirationDate`; an exact key match wins, otherwise the key is
 *    matched case-insensitively so `expirationdate` is not silently ignored). Accepted values:
 *    - `YYYY-MM-DD`: the image expires at the START of that day, 00:00 UTC (so on that date it is
 *      already expired; a reminder "expires in 1 day" is sent the day before);
 *    - a full ISO 8601 timestamp `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`; without an offset it is read as UTC.
 *    Anything else yields `{ source: 'tag', invalid }` — an unreadable tag is reported, never ignored,
 *    and does not fall back to the deprecation time.
 * 2. the EC2 deprecation time.
 */
import type { AmiImage } from './image.js';

export const DEFAULT_EXPIRY_TAG_KEY = 'ExpirationDate';

export type Expiry =
  | { source: 'tag' | 'deprecation'; at: string; tagKey?: string }
  | { source: 'tag'; invalid: string; tagKey: string };

export interface ReadExpiryOptions {
  tagKey?: string;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/i;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** Parses an expiry tag value; returns the ISO instant or undefined when the value is not accepted. */
export function parseExpiryValue(value: string): string | undefined {
  const v = value.trim();
  const date = DATE_RE.exec(v);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDate(y, m, d)) return undefined;
    const t = new Date(Date.UTC(y, m - 1, d));
    t.setUTCFullYear(y);
    return t.toISOString();
  }
  const ts = TIMESTAMP_RE.exec(v);
  if (ts) {
    const [y, m, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(ts[i] ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (!validDate(y, m, d) || hh > 23 || mm > 59 || ss > 59) return undefined;
    const zone = ts[8];
    if (zone && zone.toUpperCase() !== 'Z') {
      const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
      if (zh > 23 || zm > 59) return undefined;
    }
    const t = Date.parse(zone ? v.toUpperCase() : `${v}Z`);
    if (Number.isNaN(t)) return undefined;
    return new Date(t).toISOString();
  }
  return undefined;
}

function findTag(tags: Record<string, string>, key: string): [string, string] | undefined {
  if (Object.hasOwn(tags, key)) return [key, tags[key] as string];
  const lower = key.toLowerCase();
  const match = Object.keys(tags)
    .sort()
    .find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : [match, tags[match] as string];
}

/** The image's expiry (see module doc), or undefined when it has neither an expiry tag nor a deprecation time. */
export function readExpiry(
  image: Pick<AmiImage, 'tags' | 'deprecationTime'>,
  { tagKey = DEFAULT_EXPIRY_TAG_KEY }: ReadExpiryOptions = {},
): Expiry | undefined {
  const tag = findTag(image.tags ?? {}, tagKey);
  if (tag) {
    const at = parseExpiryValue(tag[1]);
    return at === undefined
      ? { source: 'tag', invalid: tag[1], tagKey: tag[0] }
      : { source: 'tag', at, tagKey: tag[0] };
  }
  if (image.deprecationTime) {
    const t = Date.parse(image.deprecationTime);
    if (!Number.isNaN(t)) return { source: 'deprecation', at: new Date(t).toISOString() };
  }
  return undefined;
}

const DAY_MS = 86_400_000;

/**
 * Calendar days (UTC) from `now`'s date to `iso`'s date: 0 = same UTC day, 5 = five days ahead,
 * -3 = three days ago. Whether an instant has passed is `Date.parse(iso) <= now`, not this number
 * (an expiry later today is 0 but not yet reached). NaN when `iso` is not a date.
 */
export function daysUntil(iso: string, now: Date): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return Number.NaN;
  const day = (ms: number) => Math.floor(ms / DAY_MS);
  return day(t) - day(now.getTime());
}

/** True when the expiry instant is at or before `now`. */
export function isExpired(iso: string, now: Date): boolean {
  const t = Date.parse(iso);
  return !Number.isNaN(t) && t <= now.getTime();
}
