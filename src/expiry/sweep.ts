/**
 * The expiry sweep: walks every configured account × region (own images, page by page), works out
 * each image's expiry, and posts the due reminder of each image once — whatever the number of
 * sweeps running at the same time, workers, or restarts (the marks in Redis decide, see
 * store/reminders.ts). On the at-expiry milestone it applies the account's `expiredImageAction`.
 */

import { toAmiImage } from '../aws/ec2.js';
import { type ReminderButton, renderMalformedExpiry, renderReminder } from '../blocks/reminder.js';
import type { Deps } from '../deps.js';
import { BOT_ACTOR } from '../domain/audit.js';
import { monthlyStorageCost } from '../domain/cost.js';
import { isExpired, readExpiry } from '../domain/expiry.js';
import { type AmiImage, imageSizeGiB } from '../domain/image.js';
import { dueMilestones, imageOwner, type Route, routeReminder } from '../domain/reminders.js';
import { toAppError } from '../errors.js';
import { type ImageKey, newReminderId, type ReminderContext, reminderStore } from '../store/reminders.js';
import { requestDeregistration } from './deregister.js';
import { forEachLimit, InFlight, type SweepTarget, sweepTargets } from './targets.js';

export interface SweepStats {
  targets: number;
  /** DescribeImages pages read (= DescribeImages calls that succeeded). */
  pages: number;
  images: number;
  /** Images with a readable expiry (tag or deprecation time). */
  withExpiry: number;
  /** Images with a due milestone (before snooze and marks). */
  due: number;
  remindersPosted: number;
  malformedReported: number;
  /** Images with something to say but no channel to say it in. */
  unrouted: number;
  snoozed: number;
  deprecated: number;
  deregisterRequested: number;
  /** Reminders or notices that could not be posted (retried on the next sweep). */
  postFailures: number;
  /** Account/region walks that failed (`alias/region: message`). */
  errors: string[];
  durationMs: number;
}

export interface SweepOptions {
  /** Account × region walks at once (default 4). */
  targetConcurrency?: number;
  /** Slack posts in flight at once, across the whole sweep (default 16); page walks go on meanwhile. */
  postConcurrency?: number;
}

interface Candidate {
  target: SweepTarget;
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
    remindersPosted: 0,
    malformedReported: 0,
    unrouted: 0,
    snoozed: 0,
    deprecated: 0,
    deregisterRequested: 0,
    postFailures: 0,
    errors: [],
    durationMs: 0,
  };
}

/** Runs one sweep over every configured account and region. */
export async function runExpirySweep(deps: Deps, opts: SweepOptions = {}): Promise<SweepStats> {
  const started = performance.now();
  const stats = emptyStats();
  const targets = sweepTargets(deps.config);
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
  target: SweepTarget,
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

  const won = await store.claimMilestones(
    live.map((c) => ({ image: c.key, expiry: c.expiry.at, milestones: c.due })),
    now,
  );
  const winners = live.filter((_, i) => won[i]);

  for (const c of winners) {
    await posts.add(() =>
      remind(deps, c, stats).catch((err: unknown) =>
        deps.logger.error('expiry reminder failed', { imageId: c.image.imageId, error: err }),
      ),
    );
  }
  for (const m of malformed) await posts.add(() => notifyMalformed(m));

  async function notifyMalformed(m: (typeof malformed)[number]): Promise<void> {
    if (!(await store.claimMalformedNotice(m.key, m.value, now))) return;
    try {
      await deps.notifier.post(
        m.route.channel,
        renderMalformedExpiry({
          account: m.key.account,
          region: m.key.region,
          imageId: m.image.imageId,
          imageName: m.image.name,
          tagKey: m.tagKey,
          value: m.value,
          owner: imageOwner(m.image.tags, settings),
        }),
      );
      stats.malformedReported++;
    } catch (err) {
      stats.postFailures++;
      await store.releaseMalformedNotice(m.key, m.value);
      deps.logger.error('could not post a malformed-expiry notice', {
        imageId: m.image.imageId,
        channel: m.route.channel,
        error: err,
      });
    }
  }
}

/** Posts the reminder for the most urgent due milestone (this caller won its mark). */
async function remind(deps: Deps, c: Candidate, stats: SweepStats): Promise<void> {
  const settings = deps.config.expiry;
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const now = deps.clock();
  const milestone = c.due[0] as number;
  const { account, region } = c.target;
  let note: string | undefined;
  let buttons: ReminderButton[] | undefined;
  let acted = false;

  if (milestone === 0 && isExpired(c.expiry.at, now)) {
    const action = account.policy.expiredImageAction;
    if (action === 'deprecate') {
      const already =
        c.image.deprecationTime && Date.parse(c.image.deprecationTime) <= now.getTime() + 120_000;
      if (already) {
        note = '🚫 The image is already deprecated in EC2.';
      } else {
        // EC2 wants a future time in whole minutes: the next minute but one.
        const at = new Date(Math.ceil((now.getTime() + 60_000) / 60_000) * 60_000);
        try {
          await deps.changes.enableDeprecation(account, region, c.image.imageId, at);
          acted = true;
          stats.deprecated++;
          note = `🚫 amibot deprecated the image in EC2 (as of ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC), per the account’s \`deprecate\` policy for expired images.`;
          await deps.audit.record({
            actor: BOT_ACTOR,
            action: 'image.deprecated',
            target: c.image.imageId,
            imageId: c.image.imageId,
            account: account.alias,
            region,
            result: 'ok',
            detail: `expired ${c.expiry.at}; policy deprecate`,
          });
        } catch (err) {
          const e = toAppError(err);
          note = `⚠️ amibot could not deprecate the image: ${e.userMessage}`;
          await deps.audit.record({
            actor: BOT_ACTOR,
            action: 'image.deprecated',
            target: c.image.imageId,
            imageId: c.image.imageId,
            account: account.alias,
            region,
            result: 'failed',
            detail: e.userMessage.slice(0, 300),
          });
        }
      }
    } else if (action === 'request-deregister') {
      try {
        const { request } = await requestDeregistration(deps, {
          account,
          region,
          imageId: c.image.imageId,
          userId: deps.config.slack.botUserId ?? BOT_ACTOR,
          channelId: c.route.channel,
          expiry: c.expiry.at,
          asBot: true,
        });
        acted = true;
        stats.deregisterRequested++;
        buttons = ['extend', 'snooze'];
        note = `🗑️ amibot requested its deregistration (\`${request.id}\`), per the account’s \`request-deregister\` policy; it waits for approval${request.message ? ` in <#${request.message.channel}>` : ''}.`;
      } catch (err) {
        const e = toAppError(err);
        note = `⚠️ amibot did not request its deregistration: ${e.userMessage}`;
        deps.logger.warn('expiry sweep could not file a deregister request', {
          imageId: c.image.imageId,
          error: err,
        });
      }
    }
  }

  const id = newReminderId(deps.randomBytes);
  const sizeGiB = imageSizeGiB(c.image);
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
    sizeGiB,
    monthlyCostUsd: monthlyStorageCost(c.image, deps.config.snapshotPricePerGbMonth),
    createdAt: now.toISOString(),
  };
  try {
    await store.saveContext(ctx);
    const ref = await deps.notifier.post(
      c.route.channel,
      renderReminder({
        reminderId: id,
        account: account.alias,
        region,
        imageId: c.image.imageId,
        imageName: c.image.name,
        creationDate: c.image.creationDate,
        sizeGiB,
        monthlyCostUsd: ctx.monthlyCostUsd,
        expiry: c.expiry,
        milestone,
        owner: imageOwner(c.image.tags, settings),
        now,
        extendDays: settings.extendDays,
        snoozeHours: settings.snoozeHours,
        note,
        buttons,
      }),
    );
    await store.saveContext({ ...ctx, channel: ref.channel, ts: ref.ts });
    stats.remindersPosted++;
  } catch (err) {
    stats.postFailures++;
    // Without a policy action taken, let the next sweep try again; with one, do not repeat it.
    if (!acted) await store.releaseMilestone(c.key, c.expiry.at, milestone);
    deps.logger.error('could not post an expiry reminder', {
      imageId: c.image.imageId,
      channel: c.route.channel,
      error: err,
    });
    return;
  }
  await deps.audit.record({
    actor: BOT_ACTOR,
    action: 'reminder.sent',
    target: c.image.imageId,
    imageId: c.image.imageId,
    account: account.alias,
    region,
    result: 'ok',
    detail: `${milestone}d before ${c.expiry.at} → ${c.route.channel} (${c.route.source})`,
  });
}
