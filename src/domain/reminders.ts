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

/** `expires in 7 days`, `expires tomorrow`, `has expired`. */
export function milestonePhrase(milestone: number): string {
  if (milestone <= 0) return 'has expired';
  if (milestone === 1) return 'expires tomorrow';
  return `expires in ${milestone} days`;
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
