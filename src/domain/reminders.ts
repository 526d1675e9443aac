/**
 * Expiry reminders: which milestone is due, where a reminder goes, who owns an image. Pure: the
 * current time is always passed in as `now`.
 *
 * A milestone `m` (whole days) is due once `now >= expiry − m days`; `0` is the expiry itself.
 * The sweep posts only the MOST URGENT due milestone (the smallest `m`) and marks the earlier ones
 * as done, so an image first seen half a day before expiry gets the "1 day" reminder, not also
 * the "7 days" one.
 */
import type { AccountPolicy } from './policy.js';
import { SLACK_CHANNEL_ID_RE, SLACK_USER_ID_RE } from './policy.js';

export const DAY_MS = 86_400_000;

/** Due milestones, most urgent (smallest) first; empty when none is due or `expiryAt` is not a date. */
export function dueMilestones(expiryAt: string, now: Date, milestonesDays: readonly number[]): number[] {
  const t = Date.parse(expiryAt);
  if (Number.isNaN(t)) return [];
  const n = now.getTime();
  return [...new Set(milestonesDays)].filter((m) => n >= t - m * DAY_MS).sort((a, b) => a - b);
}

/** The next milestone that is not due yet (the largest `m` still ahead), or undefined. */
export function nextMilestone(
  expiryAt: string,
  now: Date,
  milestonesDays: readonly number[],
): number | undefined {
  const t = Date.parse(expiryAt);
  if (Number.isNaN(t)) return undefined;
  const ahead = milestonesDays.filter((m) => now.getTime() < t - m * DAY_MS);
  return ahead.length === 0 ? undefined : Math.max(...ahead);
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function unit(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * A span of time in the two largest units, rounded down so it never claims more time than there
 * is: `4 days 22 hours`, `7 days`, `22 hours 5 minutes`, `35 minutes`, `less than a minute`.
 */
export function spanPhrase(ms: number): string {
  const span = Math.max(0, ms);
  const days = Math.floor(span / DAY_MS);
  const hours = Math.floor((span % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((span % HOUR_MS) / MINUTE_MS);
  if (days > 0) return hours > 0 ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  if (hours > 0)
    return minutes > 0 ? `${unit(hours, 'hour')} ${unit(minutes, 'minute')}` : unit(hours, 'hour');
  if (minutes > 0) return unit(minutes, 'minute');
  return 'less than a minute';
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Thu 3 Dec 2026 14:00 UTC`; the input unchanged when it is not a date. */
export function expiryDateText(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${hh}:${mm} UTC`;
}

/**
 * What a reminder says about the expiry: the real time left (or since) and the date, whatever
 * milestone made it due — `expires in 4 days 22 hours, on Thu 3 Dec 2026 14:00 UTC`,
 * `expired 3 hours ago, on …`. A milestone says when a reminder is sent, not how long is left: an
 * image first seen 4.9 days before expiry gets the 7-day reminder, which must not say "7 days".
 */
export function expiryPhrase(expiryAt: string, now: Date): string {
  const t = Date.parse(expiryAt);
  if (Number.isNaN(t)) return `expires on ${expiryAt}`;
  const on = `on ${expiryDateText(expiryAt)}`;
  const left = t - now.getTime();
  if (left > 0) return `expires in ${spanPhrase(left)}, ${on}`;
  if (-left < MINUTE_MS) return `expired just now, ${on}`;
  return `expired ${spanPhrase(-left)} ago, ${on}`;
}

export interface RoutingSettings {
  channelTagKey: string;
  teamTagKey: string;
  teamChannels: Readonly<Record<string, string>>;
}

export type RouteSource = 'tag' | 'team' | 'reminderChannel' | 'approvalChannel';

export interface Route {
  channel: string;
  source: RouteSource;
}

function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  if (Object.hasOwn(tags, key)) return tags[key];
  const lower = key.toLowerCase();
  const match = Object.keys(tags)
    .sort()
    .find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : tags[match];
}

/** Looks `team` up in the mapping: exact key first, then case-insensitively. */
export function teamChannel(
  teamChannels: Readonly<Record<string, string>>,
  team: string,
): string | undefined {
  const t = team.trim();
  if (t === '') return undefined;
  if (Object.hasOwn(teamChannels, t)) return teamChannels[t];
  const lower = t.toLowerCase();
  const key = Object.keys(teamChannels)
    .sort()
    .find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : teamChannels[key];
}

/**
 * Where an image's reminders go: the channel named by its channel tag (when that is a channel id),
 * else the channel mapped from its team tag, else the account's reminder channel, else its
 * approval channel. Undefined when none applies.
 */
export function routeReminder(
  tags: Readonly<Record<string, string>>,
  policy: Pick<AccountPolicy, 'reminderChannel' | 'approvalChannel'>,
  settings: RoutingSettings,
): Route | undefined {
  const tagged = tagValue(tags, settings.channelTagKey)?.trim();
  if (tagged && SLACK_CHANNEL_ID_RE.test(tagged)) return { channel: tagged, source: 'tag' };
  const team = tagValue(tags, settings.teamTagKey);
  const mapped = team === undefined ? undefined : teamChannel(settings.teamChannels, team);
  if (mapped) return { channel: mapped, source: 'team' };
  if (policy.reminderChannel) return { channel: policy.reminderChannel, source: 'reminderChannel' };
  if (policy.approvalChannel) return { channel: policy.approvalChannel, source: 'approvalChannel' };
  return undefined;
}

export interface ImageOwner {
  /** The owner tag when it is a Slack user id: that person may act on the reminder. */
  userId?: string;
  /** The owner tag as written (any text). */
  label?: string;
  team?: string;
}

/** Owner and team of an image, from its tags. */
export function imageOwner(
  tags: Readonly<Record<string, string>>,
  settings: { ownerTagKey: string; teamTagKey: string },
): ImageOwner {
  const owner: ImageOwner = {};
  const label = tagValue(tags, settings.ownerTagKey)?.trim();
  if (label) {
    owner.label = label;
    if (SLACK_USER_ID_RE.test(label)) owner.userId = label;
  }
  const team = tagValue(tags, settings.teamTagKey)?.trim();
  if (team) owner.team = team;
  return owner;
}

/** Required tags the image lacks (a key present with an empty value counts as missing). */
export function missingTags(tags: Readonly<Record<string, string>>, required: readonly string[]): string[] {
  return required.filter((k) => {
    const v = tagValue(tags, k);
    return v === undefined || v.trim() === '';
  });
}

/**
 * The new expiry after "Extend": `days` after the current expiry, or after `now` when that is
 * later (an image that expired weeks ago gets `days` from now, not a date still in the past).
 * Returned as the tag value: `YYYY-MM-DD` when it falls on midnight UTC, else an ISO timestamp.
 */
export function extendedExpiry(
  current: string | undefined,
  now: Date,
  days: number,
): { at: string; tagValue: string } {
  const c = current === undefined ? Number.NaN : Date.parse(current);
  const base = Number.isNaN(c) ? now.getTime() : Math.max(c, now.getTime());
  const at = new Date(base + days * DAY_MS);
  at.setUTCMilliseconds(0);
  const iso = at.toISOString();
  const tagValue = iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`;
  return { at: iso, tagValue };
}
