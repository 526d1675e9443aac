import { count } from './words.js';
/**
 * Durations (`30d`, `2w`, `12h`, `1w2d`) and dates (`2025-06-30`, `2025-06-30T12:00:00Z`) as
 * users type them in `/ami` commands. Pure: nothing here reads the clock; callers pass `now`.
 */

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
/** Longest duration accepted anywhere (10 years): keeps arithmetic far from overflow. */
export const MAX_DURATION_MS = 3650 * DAY_MS;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };
export type DateResult = { ok: true; iso: string } | { ok: false; error: string };

/** When something should happen: at a fixed instant, or a duration after "now". */
export type When = { kind: 'at'; iso: string } | { kind: 'in'; ms: number };

/**
 * Units. `mo` (30 days) and `y` (365 days) are calendar approximations, which is what people mean
 * by "expire in 6 months". A bare `m` is refused: minutes and months are both plausible readings.
 */
const UNITS: ReadonlyArray<{ re: RegExp; ms: number }> = [
  { re: /^(h|hr|hrs|hour|hours)$/, ms: HOUR_MS },
  { re: /^(d|day|days)$/, ms: DAY_MS },
  { re: /^(w|wk|wks|week|weeks)$/, ms: WEEK_MS },
  { re: /^(mo|mos|month|months)$/, ms: 30 * DAY_MS },
  { re: /^(y|yr|yrs|year|years)$/, ms: 365 * DAY_MS },
];

const EXAMPLES = '`30d`, `2w` or `12h`';

function show(text: string): string {
  const t = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `\`${t.replace(/`/g, "'")}\``;
}

/**
 * Parses `30d`, `2w`, `12h`, `6mo`, `1y`, compounds such as `1w2d`, and spelled-out units
 * (`30 days`). Returns milliseconds, or an error sentence that starts with `label`.
 */
export function parseDuration(text: string, label = 'The duration'): DurationResult {
  const input = text.trim().toLowerCase();
  if (input === '') {
    return { ok: false, error: `${label} needs a duration like ${EXAMPLES}.` };
  }
  if (/^\d+$/.test(input)) {
    return {
      ok: false,
      error: `${label} needs a unit after the number: \`${input}d\` (days), \`${input}w\` (weeks) or \`${input}h\` (hours).`,
    };
  }
  let rest = input;
  let total = 0;
  let parts = 0;
  while (rest.length > 0) {
    const m = /^(\d{1,6})\s*([a-z]+)\s*/.exec(rest);
    if (!m) {
      return { ok: false, error: `${label} must be a duration like ${EXAMPLES}, got ${show(text.trim())}.` };
    }
    const unitWord = m[2]!;
    if (unitWord === 'm' || unitWord === 'min' || unitWord === 'mins') {
      return {
        ok: false,
        error: `${label}: \`${m[1]}${unitWord}\` is ambiguous. Use \`h\`, \`d\`, \`w\`, \`mo\` (30 days) or \`y\` (365 days).`,
      };
    }
    const unit = UNITS.find((u) => u.re.test(unitWord));
    if (!unit) {
      return {
        ok: false,
        error: `${label} has an unknown unit \`${unitWord}\` in ${show(text.trim())}. Use \`h\`, \`d\`, \`w\`, \`mo\` or \`y\`, like ${EXAMPLES}.`,
      };
    }
    total += Number(m[1]) * unit.ms;
    parts += 1;
    rest = rest.slice(m[0].length);
  }
  if (parts === 0 || total <= 0) {
    return { ok: false, error: `${label} must be longer than zero, got ${show(text.trim())}.` };
  }
  if (total > MAX_DURATION_MS) {
    return { ok: false, error: `${label} can be at most 10 years (\`3650d\`), got ${show(text.trim())}.` };
  }
  return { ok: true, ms: total };
}

/**
 * Human form of a duration: `2 weeks`, `30 days`, `1 day 6 hours`, `12 hours`, `45 minutes`.
 * Whole weeks are shown as weeks only when that is no longer than 4 weeks or an exact number of
 * weeks was probably meant (multiple of 7 days); otherwise days read better (`30 days`, `90 days`).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms) / 60_000) * 60_000;
  if (rest === 0) return negative ? 'less than a minute ago' : 'less than a minute';
  const parts: string[] = [];
  const days = Math.floor(rest / DAY_MS);
  rest -= days * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.round(rest / 60_000);
  if (days > 0) {
    if (days % 7 === 0 && days <= 28) parts.push(count(days / 7, 'week'));
    else parts.push(count(days, 'day'));
  }
  if (hours > 0) parts.push(count(hours, 'hour'));
  if (minutes > 0 && days === 0) parts.push(count(minutes, 'minute'));
  const text = parts.join(' ');
  return negative ? `${text} ago` : text;
}

/** Short, re-parsable form: `30d`, `2w`, `12h`, `1d6h`. Minutes are rounded to the hour. */
export function formatDurationShort(ms: number): string {
  const hoursTotal = Math.max(0, Math.round(ms / HOUR_MS));
  const days = Math.floor(hoursTotal / 24);
  const hours = hoursTotal % 24;
  if (days === 0) return `${hours}h`;
  const d = days % 7 === 0 && days <= 28 && hours === 0 ? `${days / 7}w` : `${days}d`;
  return hours > 0 ? `${d}${hours}h` : d;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses `YYYY-MM-DD` (midnight UTC) or an ISO 8601 timestamp (`2025-06-30T12:00`,
 * `2025-06-30T12:00:00Z`, `2025-06-30T12:00:00.5+02:00`) and checks it is a real calendar date.
 * A timestamp without an offset is read as UTC, so the result never depends on the machine's
 * time zone. Returns the instant as `Date#toISOString()`. Does not check past/future.
 */
export function parseDate(text: string, label = 'The date'): DateResult {
  const input = text.trim();
  const bad = (why: string): DateResult => ({
    ok: false,
    error: `${label} must be a date like \`2025-06-30\` or \`2025-06-30T12:00:00Z\`, got ${show(input)}${why}.`,
  });
  const m = DATE_RE.exec(input);
  if (!m) return bad('');
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (year < 1970) return bad(' (years before 1970 are not supported)');
  if (month < 1 || month > 12) return bad(` (there is no month ${m[2]})`);
  if (day < 1 || day > daysInMonth(year, month)) return bad(` (there is no day ${m[3]} in that month)`);
  if (hour > 23 || minute > 59 || second > 59) return bad(' (the time of day is out of range)');
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return bad(' (the time zone offset is malformed)');
    const oh = Number(z[2]);
    const om = z[3] === undefined ? 0 : Number(z[3]);
    if (oh > 14 || om > 59) return bad(' (the time zone offset is out of range)');
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { ok: true, iso: new Date(utc).toISOString() };
}

/** The instant a `When` refers to, given the current time. */
export function resolveWhen(when: When, now: Date): Date {
  return when.kind === 'at' ? new Date(when.iso) : new Date(now.getTime() + when.ms);
}
