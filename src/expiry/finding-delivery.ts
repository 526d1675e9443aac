/**
 * Delivery of scan finding notices and fix-by reminders (hygiene/findings.ts saves them and queues
 * one `reminder-post` job each, `kind: 'finding'`): the same per-channel pacing as expiry reminders,
 * a post, the message ref recorded so a retried job does not post again, an audit entry.
 */

import { renderFindingNotice, renderFindingReminder } from '../blocks/finding-notice.js';
import type { Deps } from '../deps.js';
import { BOT_ACTOR } from '../domain/audit.js';
import { toAppError } from '../errors.js';
import { remindersSent } from '../metrics.js';
import { bullmq } from '../store/bullmq.js';
import { FindingStore } from '../store/findings.js';
import { isLastAttempt, pace, type ReminderPostContext, type ReminderPostResult } from './delivery.js';

export async function deliverFindingPost(
  deps: Deps,
  payload: { id: string; slotAt?: number },
  ctx: ReminderPostContext,
): Promise<ReminderPostResult> {
  const store = new FindingStore(deps.redis, deps.config.redis.keyPrefix);
  const p = await store.getPost(payload.id);
  if (!p) {
    deps.logger.warn('finding notice context gone; nothing to post', { id: payload.id });
    return { posted: false, reason: 'gone' };
  }
  if (p.ts) return { posted: false, reason: 'already-posted' };
  await pace(deps, p.channel, payload, ctx);
  const now = deps.clock();
  try {
    const ref = await deps.notifier.post(
      p.channel,
      p.type === 'notice' ? renderFindingNotice(p, now) : renderFindingReminder(p, now),
    );
    remindersSent.labels('finding').inc();
    await store.savePost({ ...p, channel: ref.channel, ts: ref.ts });
    await deps.audit.record({
      actor: BOT_ACTOR,
      action: p.type === 'notice' ? 'finding.announced' : 'finding.reminded',
      target: p.imageId,
      imageId: p.imageId,
      account: p.account,
      region: p.region,
      result: 'ok',
      detail:
        p.type === 'notice'
          ? `${p.scanId}: ${(p.added ?? []).length} new, ${(p.reopened ?? []).length} re-opened → ${p.channel}`.slice(
              0,
              300,
            )
          : `${p.finding?.id ?? '?'} due ${p.finding?.due ?? '?'} (${p.milestone}d) → ${p.channel}`.slice(
              0,
              300,
            ),
    });
    return { posted: true, channel: ref.channel, ts: ref.ts };
  } catch (err) {
    if (!isLastAttempt(ctx, err)) throw err;
    deps.logger.error('could not post a scan finding notice', {
      imageId: p.imageId,
      channel: p.channel,
      type: p.type,
      error: err,
    });
    throw new bullmq.UnrecoverableError(toAppError(err).userMessage);
  }
}
