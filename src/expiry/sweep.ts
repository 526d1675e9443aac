/**
 * The expiry sweep: walks every configured account × region (own images, page by page), works out
 * each image's expiry and due milestone, and claims each due reminder once — whatever the number of
 * sweeps running at the same time, workers, or restarts (the marks in Redis decide, see
 * store/reminders.ts). It does not post: for each claim it saves the reminder's context in Redis and
 * queues one `reminder-post` job (expiry/delivery.ts), which paces itself per Slack channel, applies
 * the account's `expiredImageAction` on the at-expiry milestone and posts.
 */

import { toAmiImage } from '../aws/ec2.js';
import type { Deps } from '../deps.js';
import { monthlyStorageCost } from '../domain/cost.js';
import { isExpired, readExpiry } from '../domain/expiry.js';
import { type AmiImage, imageSizeGiB } from '../domain/image.js';
import { forEachLimit } from '../domain/limit.js';
import { dueMilestones, imageOwner, type Route, routeReminder } from '../domain/reminders.js';
import { type AccountRegion, accountRegions } from '../domain/targets.js';
import { toAppError } from '../errors.js';
import { type ImageKey, newReminderId, type ReminderContext, reminderStore } from '../store/reminders.js';
import { InFlight } from './targets.js';

export interface SweepStats {
  targets: number;
  /** DescribeImages pages read (= DescribeImages calls that succeeded). */
  pages: number;
  images: number;
  /** Images with a readable expiry (tag or deprecation time). */
  withExpiry: number;
  /** Images with a due milestone (before snooze and marks). */
  due: number;
  /** Reminders claimed by this sweep and queued for delivery (`reminder-post` jobs). */
  remindersQueued: number;
  /** Malformed-expiry-tag notices claimed by this sweep and queued for delivery. */
  malformedQueued: number;
  /** Images with something to say but no channel to say it in. */
  unrouted: number;
  snoozed: number;
  /** Queued at-expiry reminders whose delivery applies the `deprecate` policy. */
  deprecateQueued: number;
  /** Queued at-expiry reminders whose delivery files a deregister request. */
  deregisterQueued: number;
  /** Claims that could not be queued (released; retried on the next sweep). */
  enqueueFailures: number;
  /** Account/region walks that failed (`alias/region: message`). */
  errors: string[];
  durationMs: number;
}

export interface SweepOptions {
  /** Account × region walks at once (default 4). */
  targetConcurrency?: number;
  /** Context saves + enqueues in flight at once, across the whole sweep (default 16); page walks go on meanwhile. */
  postConcurrency?: number;
}

interface Candidate {
  target: AccountRegion;
  image: AmiImage;
  key: ImageKey;
  expiry: { at: string; source: 'tag' | 'deprecation' };
  due: number[];
  route: Route;
}

function emptyStats(): SweepStats {
  return {
    targets: 0,
    pages: 0,
    images: 0,
    withExpiry: 0,
    due: 0,
    remindersQueued: 0,
    malformedQueued: 0,
    unrouted: 0,
    snoozed: 0,
    deprecateQueued: 0,
    deregisterQueued: 0,
    enqueueFailures: 0,
    errors: [],
    durationMs: 0,
  };
}

/** Runs one sweep over every configured account and region. */
export async function runExpirySweep(deps: Deps, opts: SweepOptions = {}): Promise<SweepStats> {
  const started = performance.now();
  const stats = emptyStats();
  const targets = accountRegions(deps.config);
  stats.targets = targets.length;
  const unroutedSample: string[] = [];
  const posts = new InFlight(opts.postConcurrency ?? 16);
  await forEachLimit(targets, opts.targetConcurrency ?? 4, async (target) => {
    try {
      stats.pages += await deps.images.eachPage(
        target.account,
        target.region,
        { owners: ['self'], includeDeprecated: true },
        async (page) => {
          const images = page.map((img) => toAmiImage(img, target.region));
          await handlePage(deps, target, images, stats, unroutedSample, posts);
          return true;
        },
      );
    } catch (err) {
      const e = toAppError(err);
      stats.errors.push(`${target.account.alias}/${target.region}: ${e.userMessage}`);
      deps.logger.error('expiry sweep could not walk an account/region', {
        account: target.account.alias,
        region: target.region,
        error: err,
      });
    }
  });
  await posts.drain();
  if (stats.unrouted > 0) {
    deps.logger.warn('expiry sweep: images with due reminders but no channel to post them in', {
      count: stats.unrouted,
      sample: unroutedSample,
      hint: 'set the account policy reminderChannel/approvalChannel, expiry.teamChannels or the channel tag',
    });
  }
  stats.durationMs = Math.round(performance.now() - started);
  const { errors, ...counts } = stats;
  deps.logger.info('expiry sweep done', { ...counts, errors: errors.length });
  return stats;
}

async function handlePage(
  deps: Deps,
  target: AccountRegion,
  images: AmiImage[],
  stats: SweepStats,
  unroutedSample: string[],
  posts: InFlight,
): Promise<void> {
  const settings = deps.config.expiry;
  const now = deps.clock();
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const candidates: Candidate[] = [];
  const malformed: Array<{ image: AmiImage; key: ImageKey; tagKey: string; value: string; route: Route }> =
    [];
  const unrouted = (imageId: string) => {
    stats.unrouted++;
    if (unroutedSample.length < 10)
      unroutedSample.push(`${target.account.alias}/${target.region}/${imageId}`);
  };

  for (const image of images) {
    stats.images++;
    const expiry = readExpiry(image, { tagKey: deps.config.expiryTagKey });
    if (!expiry) continue;
    const key = { account: target.account.alias, region: target.region, imageId: image.imageId };
    if ('invalid' in expiry) {
      const route = routeReminder(image.tags, target.account.policy, settings);
      if (!route) unrouted(image.imageId);
      else malformed.push({ image, key, tagKey: expiry.tagKey, value: expiry.invalid, route });
      continue;
    }
    stats.withExpiry++;
    const due = dueMilestones(expiry.at, now, settings.milestonesDays);
    if (due.length === 0) continue;
    stats.due++;
    const route = routeReminder(image.tags, target.account.policy, settings);
    if (!route) {
      unrouted(image.imageId);
      continue;
    }
    candidates.push({ target, image, key, expiry: { at: expiry.at, source: expiry.source }, due, route });
  }

  // Snoozed images are left alone (their marks untouched) until the snooze ends.
  const snoozed = await store.snoozed(
    candidates.map((c) => c.key),
    now,
  );
  const live = candidates.filter((_, i) => !snoozed[i]);
  stats.snoozed += candidates.length - live.length;

  // The claim's token is the reminder id: the delivery job's id derives from it, and a failed
  // delivery releases only its own claim.
  const ids = live.map(() => newReminderId(deps.randomBytes));
  const won = await store.claimMilestones(
    live.map((c, i) => ({ image: c.key, expiry: c.expiry.at, milestones: c.due, token: ids[i] })),
    now,
  );
  for (let i = 0; i < live.length; i++) {
    if (!won[i]) continue;
    const c = live[i] as Candidate;
    const id = ids[i] as string;
    await posts.add(() => queueReminder(deps, c, id, stats));
  }
  for (const m of malformed) await posts.add(() => queueNotice(m));

  async function queueNotice(m: (typeof malformed)[number]): Promise<void> {
    const id = newReminderId(deps.randomBytes);
    if (!(await store.claimMalformedNotice(m.key, m.value, now, id))) return;
    try {
      await store.saveNotice({
        ...m.key,
        id,
        imageName: m.image.name,
        tagKey: m.tagKey,
        value: m.value,
        channel: m.route.channel,
        owner: imageOwner(m.image.tags, settings),
        createdAt: now.toISOString(),
      });
      await deps.queues.enqueue('reminder-post', { kind: 'notice', id });
      stats.malformedQueued++;
    } catch (err) {
      stats.enqueueFailures++;
      await store.releaseMalformedNotice(m.key, m.value, id).catch(() => {});
      deps.logger.error('could not queue a malformed-expiry notice', {
        imageId: m.image.imageId,
        channel: m.route.channel,
        error: err,
      });
    }
  }
}

/** Saves the context of the most urgent due milestone (this caller won its mark) and queues its delivery. */
async function queueReminder(deps: Deps, c: Candidate, id: string, stats: SweepStats): Promise<void> {
  const settings = deps.config.expiry;
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const now = deps.clock();
  const milestone = c.due[0] as number;
  const { account, region } = c.target;
  const action = account.policy.expiredImageAction;
  const policyAction =
    milestone === 0 &&
    isExpired(c.expiry.at, now) &&
    (action === 'deprecate' || action === 'request-deregister')
      ? action
      : undefined;
  const ctx: ReminderContext = {
    id,
    account: account.alias,
    region,
    imageId: c.image.imageId,
    imageName: c.image.name,
    expiry: c.expiry.at,
    expirySource: c.expiry.source,
    milestone,
    channel: c.route.channel,
    sizeGiB: imageSizeGiB(c.image),
    monthlyCostUsd: monthlyStorageCost(c.image, deps.config.snapshotPricePerGbMonth),
    createdAt: now.toISOString(),
    creationDate: c.image.creationDate,
    deprecationTime: c.image.deprecationTime,
    routeSource: c.route.source,
    owner: imageOwner(c.image.tags, settings),
    policyAction,
  };
  try {
    await store.saveContext(ctx);
    await deps.queues.enqueue('reminder-post', { kind: 'reminder', id });
    stats.remindersQueued++;
    if (policyAction === 'deprecate') stats.deprecateQueued++;
    if (policyAction === 'request-deregister') stats.deregisterQueued++;
  } catch (err) {
    stats.enqueueFailures++;
    await store.releaseMilestoneClaim(c.key, c.expiry.at, milestone, id).catch(() => {});
    deps.logger.error('could not queue an expiry reminder', {
      imageId: c.image.imageId,
      channel: c.route.channel,
      error: err,
    });
  }
}
