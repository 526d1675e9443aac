import { renderExpiryDigest } from '../blocks/expiry-digest.js';
import type { Deps } from '../deps.js';
import { forEachLimit } from '../domain/limit.js';
import { DAY_MS, routeReminder } from '../domain/reminders.js';
import { accountRegions } from '../domain/targets.js';
import { toAppError } from '../errors.js';
import { collectSharing, type SharingDigest } from '../hygiene/access.js';
import { collectHygiene, type HygieneDigest, mergeHygiene } from '../hygiene/digest.js';
import { collectWaivers, type WaiverDigest } from '../hygiene/waivers.js';
import { reminderStore } from '../store/reminders.js';
import { collectInventory } from './inventory.js';

export interface DigestStats {
  channels: number;
  posted: number;
  /** Channels that already had today's digest (another worker, or a re-run). */
  skipped: number;
  images: number;
  pages: number;
  unrouted: number;
  errors: string[];
}

/**
 * The daily digest: one message per reminder channel with the images routed there that expired or
 * expire within `expiry.digest.withinDays`, those without an expiry, with a malformed one, and
 * those missing required tags. Posted at most once per channel and UTC day.
 */
export async function runExpiryDigest(deps: Deps): Promise<DigestStats> {
  const settings = deps.config.expiry;
  const now = deps.clock();
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const inv = await collectInventory(deps, {
    targets: accountRegions(deps.config),
    withinMs: settings.digest.withinDays * DAY_MS,
    byChannel: true,
  });
  // Storage and savings per account, shown in the digest of the account's own channel.
  let hygiene = new Map<string, HygieneDigest>();
  try {
    hygiene = await collectHygiene(deps, accountRegions(deps.config));
  } catch (err) {
    inv.errors.push(`storage totals: ${toAppError(err).userMessage}`);
  }
  const hygieneFor = (channel: string) =>
    mergeHygiene(
      deps.config.accounts
        .filter((a) => routeReminder({}, a.policy, settings)?.channel === channel)
        .flatMap((a) => (hygiene.has(a.alias) ? [hygiene.get(a.alias) as HygieneDigest] : [])),
    );
  // Shares outside the allowlist and waivers per account, likewise in the account's own channel.
  let sharing = new Map<string, SharingDigest>();
  try {
    sharing = await collectSharing(deps, accountRegions(deps.config));
  } catch (err) {
    inv.errors.push(`sharing audit: ${toAppError(err).userMessage}`);
  }
  let waivers = new Map<string, WaiverDigest>();
  try {
    waivers = await collectWaivers(deps, DAY_MS);
  } catch (err) {
    inv.errors.push(`waivers: ${toAppError(err).userMessage}`);
  }
  const accountsOf = (channel: string) =>
    deps.config.accounts.filter((a) => routeReminder({}, a.policy, settings)?.channel === channel);
  const sharingFor = (channel: string) =>
    accountsOf(channel).flatMap((a) => {
      const d = sharing.get(a.alias);
      return d && (d.public + d.outside > 0 || d.unchecked > 0 || d.errors.length > 0)
        ? [{ account: a.alias, ...d }]
        : [];
    });
  const waiversFor = (channel: string) =>
    accountsOf(channel).flatMap((a) => {
      const d = waivers.get(a.alias);
      return d && d.activeCount + d.ended.length > 0 ? [{ account: a.alias, ...d }] : [];
    });
  const stats: DigestStats = {
    channels: inv.channels.size,
    posted: 0,
    skipped: 0,
    images: inv.images,
    pages: inv.pages,
    unrouted: inv.unrouted,
    errors: [...inv.errors],
  };
  await forEachLimit([...inv.channels], 4, async ([channel, inventory]) => {
    if (!(await store.claimDigest(channel, now))) {
      stats.skipped++;
      return;
    }
    try {
      await deps.notifier.post(
        channel,
        renderExpiryDigest({
          title: `Expiry digest — ${now.toISOString().slice(0, 10)}`,
          scope: 'Own images whose reminders come to this channel.',
          inventory,
          withinDays: settings.digest.withinDays,
          now,
          expiryTagKey: deps.config.expiryTagKey,
          requiredTags: settings.requiredTags,
          errors: inv.errors,
          ...(hygieneFor(channel) ? { hygiene: hygieneFor(channel) } : {}),
          sharing: sharingFor(channel),
          waivers: waiversFor(channel),
        }),
      );
      stats.posted++;
    } catch (err) {
      await store.releaseDigest(channel, now);
      stats.errors.push(`post to ${channel} failed`);
      deps.logger.error('could not post the expiry digest', { channel, error: err });
    }
  });
  deps.logger.info('expiry digest done', { ...stats, errors: stats.errors.length });
  return stats;
}
