/**
 * Delivery of what the expiry sweep decided: one `reminder-post` job per claimed reminder or
 * malformed-tag notice. The job paces itself per Slack channel (all workers together), applies the
 * account's expired-image policy action (once), posts, and records the message. The sweep never
 * posts; it only claims, saves the context and queues the job.
 */

import {
  type ReminderButton,
  reminderNoteText,
  renderMalformedExpiry,
  renderReminder,
} from '../blocks/reminder.js';
import type { Deps } from '../deps.js';
import { BOT_ACTOR } from '../domain/audit.js';
import { isExpired } from '../domain/expiry.js';
import { toAppError } from '../errors.js';
import { remindersSent } from '../metrics.js';
import { bullmq } from '../store/bullmq.js';
import type { RateSpec } from '../store/rate-limit.js';
import { type ReminderContext, reminderStore } from '../store/reminders.js';
import { requestDeregistration } from './deregister.js';

/**
 * Posts per channel: Slack allows about one chat.postMessage per second per channel, with short
 * bursts. Mutable only so a benchmark can state and change it; production uses these values.
 */
/** Default pacing; the rate comes from `expiry.postsPerSecond`. */
export const REMINDER_POST_RATE: RateSpec = { rate: 1, burst: 3 };

/** A wait for the channel's slot longer than this gives the worker slot back (job delayed). */
export const DEFER_AFTER_MS = 1_000;

/** The per-channel bucket of reminder posts (shared by every worker process). */
export function postBucket(channel: string): string {
  return `slack-posts-${channel}`;
}

export interface ReminderPostPayload {
  kind: 'reminder' | 'notice';
  id: string;
  /** The post slot reserved by an earlier run of this job (epoch ms). */
  slotAt?: number;
}

export interface ReminderPostContext {
  attempt: { attemptsMade: number; attempts: number };
  /** Saves the reserved slot in the job (its checkpoint), before the job is deferred. */
  saveSlot?: (slotAt: number) => Promise<unknown>;
  /** Puts the job back for `ms` (BullMQ moveToDelayed) instead of waiting in the worker slot. */
  defer?: (ms: number) => Promise<never>;
  rate?: RateSpec;
}

export type ReminderPostResult =
  | { posted: true; channel: string; ts: string; acted?: boolean }
  | { posted: false; reason: 'gone' | 'already-posted' };

/** Waits for this job's turn in the channel, deferring the job when the turn is far off. */
export async function pace(
  deps: Deps,
  channel: string,
  payload: Pick<ReminderPostPayload, 'slotAt'>,
  ctx: ReminderPostContext,
): Promise<void> {
  const rate = ctx.rate ?? { ...REMINDER_POST_RATE, rate: deps.config.expiry.postsPerSecond };
  let slotAt = payload.slotAt;
  if (slotAt === undefined) {
    // A reservation spreads the queued posts of a channel over time, so deferred jobs come back
    // one by one instead of all retrying the bucket at once.
    const wait = await deps.rateLimiter.reserve(`reminder-posts-${channel}`, rate, Date.now());
    slotAt = Date.now() + wait;
    if (wait > DEFER_AFTER_MS && ctx.defer) {
      await ctx.saveSlot?.(slotAt);
      await ctx.defer(wait);
    }
  }
  const left = slotAt - Date.now();
  if (left > DEFER_AFTER_MS && ctx.defer) await ctx.defer(left);
  if (left > 0) await deps.sleep(left);
  // The bucket is the hard limit (1/s, a small burst), whatever the reservations said.
  await deps.rateLimiter.acquire(postBucket(channel), rate);
}

/** Runs one `reminder-post` job. Throws to retry; UnrecoverableError once the claim is released. */
export async function deliverReminderPost(
  deps: Deps,
  payload: ReminderPostPayload,
  ctx: ReminderPostContext,
): Promise<ReminderPostResult> {
  return payload.kind === 'notice' ? deliverNotice(deps, payload, ctx) : deliverReminder(deps, payload, ctx);
}

export function isLastAttempt(ctx: ReminderPostContext, err: unknown): boolean {
  return !toAppError(err).retry || ctx.attempt.attemptsMade + 1 >= ctx.attempt.attempts;
}

async function deliverNotice(
  deps: Deps,
  payload: ReminderPostPayload,
  ctx: ReminderPostContext,
): Promise<ReminderPostResult> {
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const n = await store.getNotice(payload.id);
  if (!n) {
    deps.logger.warn('malformed-expiry notice context gone; nothing to post', { id: payload.id });
    return { posted: false, reason: 'gone' };
  }
  if (n.ts) return { posted: false, reason: 'already-posted' };
  await pace(deps, n.channel, payload, ctx);
  try {
    const ref = await deps.notifier.post(
      n.channel,
      renderMalformedExpiry({
        account: n.account,
        region: n.region,
        imageId: n.imageId,
        imageName: n.imageName,
        tagKey: n.tagKey,
        value: n.value,
        owner: n.owner,
      }),
    );
    remindersSent.labels('malformed_expiry').inc();
    await store.saveNotice({ ...n, channel: ref.channel, ts: ref.ts });
    return { posted: true, channel: ref.channel, ts: ref.ts };
  } catch (err) {
    if (!isLastAttempt(ctx, err)) throw err;
    await store.releaseMalformedNotice(n, n.value, n.id);
    deps.logger.error('could not post a malformed-expiry notice; the next sweep tries again', {
      imageId: n.imageId,
      channel: n.channel,
      error: err,
    });
    throw new bullmq.UnrecoverableError(toAppError(err).userMessage);
  }
}

/** The expired-image policy action of a reminder, applied once (claimed in Redis, result saved). */
async function applyPolicy(
  deps: Deps,
  c: ReminderContext,
): Promise<NonNullable<ReminderContext['policyResult']>> {
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const now = deps.clock();
  if (!c.policyAction || c.milestone !== 0 || !isExpired(c.expiry, now)) return { acted: false };
  if (c.policyResult) return c.policyResult;
  if (!(await store.claimPolicyAction(c.id, now))) {
    // An earlier run of this job took the action but did not save its outcome (it died): never repeat it.
    const saved = (await store.getContext(c.id))?.policyResult;
    return saved ?? { acted: true };
  }
  const account = deps.config.accounts.find((a) => a.alias === c.account);
  if (!account) return { acted: false };
  const region = c.region;
  let result: NonNullable<ReminderContext['policyResult']> = { acted: false };
  if (c.policyAction === 'deprecate') {
    const already = c.deprecationTime && Date.parse(c.deprecationTime) <= now.getTime() + 120_000;
    if (already) {
      result = { acted: false, note: reminderNoteText({ kind: 'already-deprecated' }) };
    } else {
      // EC2 wants a future time in whole minutes: the next minute but one.
      const at = new Date(Math.ceil((now.getTime() + 60_000) / 60_000) * 60_000);
      try {
        await deps.changes.enableDeprecation(account, region, c.imageId, at);
        result = {
          acted: true,
          note: reminderNoteText({ kind: 'deprecated', at: at.toISOString() }),
        };
        await deps.audit.record({
          actor: BOT_ACTOR,
          action: 'image.deprecated',
          target: c.imageId,
          imageId: c.imageId,
          account: account.alias,
          region,
          result: 'ok',
          detail: `expired ${c.expiry}; policy deprecate`,
        });
      } catch (err) {
        const e = toAppError(err);
        result = { acted: false, note: reminderNoteText({ kind: 'deprecate-failed', error: e.userMessage }) };
        await deps.audit.record({
          actor: BOT_ACTOR,
          action: 'image.deprecated',
          target: c.imageId,
          imageId: c.imageId,
          account: account.alias,
          region,
          result: 'failed',
          detail: e.userMessage.slice(0, 300),
        });
      }
    }
  } else {
    try {
      const { request } = await requestDeregistration(deps, {
        account,
        region,
        imageId: c.imageId,
        userId: deps.config.slack.botUserId ?? BOT_ACTOR,
        channelId: c.channel,
        expiry: c.expiry,
        asBot: true,
      });
      const buttons: ReminderButton[] = ['extend', 'snooze'];
      result = {
        acted: true,
        buttons,
        note: reminderNoteText({
          kind: 'deregister-requested',
          requestId: request.id,
          channel: request.message?.channel,
        }),
      };
    } catch (err) {
      const e = toAppError(err);
      result = { acted: false, note: reminderNoteText({ kind: 'deregister-failed', error: e.userMessage }) };
      deps.logger.warn('expiry reminder could not file a deregister request', {
        imageId: c.imageId,
        error: err,
      });
    }
  }
  await store.saveContext({ ...c, policyResult: result });
  return result;
}

async function deliverReminder(
  deps: Deps,
  payload: ReminderPostPayload,
  ctx: ReminderPostContext,
): Promise<ReminderPostResult> {
  const settings = deps.config.expiry;
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  const c = await store.getContext(payload.id);
  if (!c) {
    deps.logger.warn('expiry reminder context gone; nothing to post', { id: payload.id });
    return { posted: false, reason: 'gone' };
  }
  if (c.ts) return { posted: false, reason: 'already-posted' };
  await pace(deps, c.channel, payload, ctx);
  const policy = await applyPolicy(deps, c);
  const now = deps.clock();
  try {
    const ref = await deps.notifier.post(
      c.channel,
      renderReminder({
        reminderId: c.id,
        account: c.account,
        region: c.region,
        imageId: c.imageId,
        imageName: c.imageName,
        creationDate: c.creationDate,
        sizeGiB: c.sizeGiB,
        monthlyCostUsd: c.monthlyCostUsd,
        expiry: { at: c.expiry, source: c.expirySource },
        milestone: c.milestone,
        owner: c.owner ?? {},
        now,
        extendDays: settings.extendDays,
        snoozeHours: settings.snoozeHours,
        note: policy.note,
        buttons: policy.buttons,
      }),
    );
    remindersSent.labels('expiry').inc();
    await store.saveContext({
      ...c,
      policyResult: c.policyAction ? policy : undefined,
      channel: ref.channel,
      ts: ref.ts,
    });
    await deps.audit.record({
      actor: BOT_ACTOR,
      action: 'reminder.sent',
      target: c.imageId,
      imageId: c.imageId,
      account: c.account,
      region: c.region,
      result: 'ok',
      detail: `${c.milestone}d before ${c.expiry} → ${c.channel} (${c.routeSource ?? 'unknown'})`,
    });
    return { posted: true, channel: ref.channel, ts: ref.ts, acted: policy.acted };
  } catch (err) {
    if (!isLastAttempt(ctx, err)) throw err;
    // Without a policy action taken, let the next sweep try again; with one, do not repeat it.
    if (!policy.acted) await store.releaseMilestoneClaim(c, c.expiry, c.milestone, c.id);
    deps.logger.error('could not post an expiry reminder', {
      imageId: c.imageId,
      channel: c.channel,
      released: !policy.acted,
      error: err,
    });
    throw new bullmq.UnrecoverableError(toAppError(err).userMessage);
  }
}
