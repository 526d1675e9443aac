/**
 * Small mrkdwn fragments shared by the image renderers. Every function returns text that is
 * already escaped and bounded in length.
 */
import { formatAge, formatDate } from '../domain/age.js';
import { daysUntil, type Expiry, isExpired } from '../domain/expiry.js';
import type { AmiImage } from '../domain/image.js';
import { code, esc } from './message.js';

/** `✅ trusted` / `⚠️ untrusted owner`. */
export function trustBadge(trusted: boolean): string {
  return trusted ? '✅ trusted' : '⚠️ untrusted owner';
}

/** The owner's alias when AWS reports one, else the account id. */
export function ownerLabel(image: Pick<AmiImage, 'ownerId' | 'ownerAlias'>): string {
  return image.ownerAlias ? esc(image.ownerAlias, 64) : code(image.ownerId, 64);
}

/** `2025-01-15 (3 days ago)`, `2025-01-15 (today)`, `unknown`. */
export function dateWithAge(iso: string | undefined, now: Date): string {
  if (!iso) return 'unknown';
  const age = formatAge(iso, now);
  const when = age === 'today' || age === 'unknown' || age.startsWith('in ') ? age : `${age} ago`;
  return `${esc(formatDate(iso), 40)} (${when})`;
}

/** `🚫 deprecated since 2025-01-01` / `⏳ deprecates 2027-01-01` / undefined. */
export function deprecationMarker(image: Pick<AmiImage, 'deprecationTime'>, now: Date): string | undefined {
  if (!image.deprecationTime) return undefined;
  const date = esc(formatDate(image.deprecationTime), 40);
  return isExpired(image.deprecationTime, now) ? `🚫 deprecated since ${date}` : `⏳ deprecates ${date}`;
}

function inDays(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}

function daysAgo(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  return `${days} days ago`;
}

/**
 * The expiry as a short phrase: `expires 2026-11-26 (in 5 days)`, `expired 3 days ago (2026-11-20)`,
 * `no expiry tag`, `⚠️ invalid ExpirationDate tag: …`. Deprecation-based expiries say so.
 */
export function expiryLabel(expiry: Expiry | undefined, now: Date, tagKey: string): string {
  if (!expiry) return `no ${code(tagKey, 64)} tag`;
  if ('invalid' in expiry) {
    return `⚠️ invalid ${code(expiry.tagKey, 64)} tag: ${code(expiry.invalid, 100)} (use YYYY-MM-DD)`;
  }
  const date = esc(formatDate(expiry.at), 40);
  const suffix = expiry.source === 'deprecation' ? ' (deprecation time)' : '';
  const days = daysUntil(expiry.at, now);
  if (isExpired(expiry.at, now)) return `🔴 expired ${daysAgo(-days)} (${date})${suffix}`;
  const icon = days <= 7 ? '🟠' : '🗓️';
  return `${icon} expires ${date} (${inDays(days)})${suffix}`;
}

/** `🌐 public`, `🔗 shared with 3 accounts`, or undefined. */
export function visibilityMarker(isPublic: boolean, sharedCount: number | undefined): string | undefined {
  if (isPublic) return '🌐 public';
  if (sharedCount !== undefined && sharedCount > 0) {
    return `🔗 shared (${sharedCount} ${sharedCount === 1 ? 'entry' : 'entries'})`;
  }
  return undefined;
}

/** `ami-0abc` as code. */
export function imageIdCode(imageId: string): string {
  return code(imageId, 64);
}
