import { resolveAccount } from '../config.js';
import { releaseSlot } from '../copies/flight.js';
import { withRequestCid } from '../correlation.js';
import type { Deps } from '../deps.js';
import type { Intent } from '../domain/intents.js';
import { type AmiRequest, isFinal } from '../domain/request.js';
import { toAppError } from '../errors.js';
import type { ClaimedIntent } from '../store/outbox.js';
import { refreshHomesFor } from './home-refresh.js';
import { jobsFor } from './jobs-for.js';

/**
 * The relay of the request outbox: delivers the follow-ups a request change wrote with it (queue
 * the jobs, refresh the message, reply in the thread, take cancelled jobs off the queue) until each
 * is done. The process that made the change delivers them right away; the recurring
 * `requests-redrive` job delivers whatever is still due (its deliverer died, Slack was
 * rate-limiting, Redis was away) and re-drives requests that stopped moving.
 *
 * Queueing is exactly-once (deterministic job ids); message refreshes are idempotent (rendered from
 * the request's current state); a thread reply whose deliverer dies between posting and recording
 * it may be posted again once its lease runs out.
 */

/** A claimed intent is someone else's for this long (a Slack call waiting out a rate limit included). */
const LEASE_MS = 120_000;
/** Attempts before an intent is given up (with an error log line); about 2 hours of backoff. */
const MAX_ATTEMPTS = 14;

function backoffMs(attempts: number): number {
  return Math.min(10 * 60_000, 2_000 * 2 ** attempts);
}

/** Slack errors no retry will fix: the message or channel is gone, or amibot may not post there. */
const PERMANENT_SLACK = new Set([
  'channel_not_found',
  'message_not_found',
  'not_in_channel',
  'is_archived',
  'cant_update_message',
  'msg_too_long',
  'invalid_blocks',
]);

function isPermanent(err: unknown): boolean {
  if ((err as Error)?.name === 'InvalidPayload') return true;
  const slack = (err as { data?: { error?: string } })?.data?.error;
  return typeof slack === 'string' && PERMANENT_SLACK.has(slack);
}

/**
 * Starts delivering the intents a change just wrote, without making the caller wait: a job must
 * not hold its worker slot while Slack makes a final message update wait for the channel's budget
 * (whatever is not delivered in the end, the relay delivers).
 */
export function deliverSoon(deps: Deps, ids: readonly string[]): void {
  if (ids.length > 0) void deliver(deps, ids);
}

/** Delivers the given intents now, each only if it is due and nobody else holds it. Never throws. */
export async function deliver(deps: Deps, ids: readonly string[]): Promise<number> {
  let delivered = 0;
  for (const id of ids) {
    try {
      if (await deliverOne(deps, id)) delivered++;
    } catch (err) {
      deps.logger.warn('could not deliver a request follow-up; the relay will retry', {
        intent: id,
        error: err,
      });
    }
  }
  return delivered;
}

async function deliverOne(deps: Deps, id: string): Promise<boolean> {
  const now = Date.now();
  const claimed = await deps.outbox.claim(id, now, LEASE_MS);
  if (!claimed) return false;
  // Delivered on behalf of the request: its lines name the request's correlation id too, and the
  // jobs it queues carry it (correlation.ts).
  return withRequestCid(claimed.stored.cid, async () => {
    try {
      await perform(deps, claimed.stored.intent, claimed.stored.cid);
    } catch (err) {
      await failed(deps, claimed, err);
      return false;
    }
    await deps.outbox.complete(claimed);
    return true;
  });
}

async function failed(deps: Deps, claimed: ClaimedIntent, err: unknown): Promise<void> {
  const { stored } = claimed;
  const message = err instanceof Error ? err.message : String(err);
  if (isPermanent(err) || stored.attempts + 1 >= MAX_ATTEMPTS) {
    deps.logger.error('gave up a request follow-up', {
      intent: stored.id,
      kind: stored.intent.kind,
      attempts: stored.attempts + 1,
      error: err,
    });
    await deps.outbox.drop(claimed);
    return;
  }
  deps.logger.warn('request follow-up failed; will retry', {
    intent: stored.id,
    attempts: stored.attempts + 1,
    error: toAppError(err).code === 'internal' ? message : toAppError(err).userMessage,
  });
  await deps.outbox.fail(claimed, message, Date.now() + backoffMs(stored.attempts));
}

async function perform(deps: Deps, intent: Intent, cid: string | undefined): Promise<void> {
  switch (intent.kind) {
    case 'enqueue': {
      await deps.queues.enqueue(deps.queues.named(intent.job), intent.payload as never, { cid });
      const requestId = intent.payload.requestId;
      if (typeof requestId === 'string') await markQueued(deps, requestId);
      return;
    }
    case 'refresh': {
      const request = await deps.requests.get(intent.requestId);
      // The App Homes that show the request (its requester's, its approvers'), debounced.
      if (request) await refreshHomesFor(deps, request);
      if (!request?.message) return;
      const message = deps.notifier.renderRequest(request);
      if (isFinal(request.state)) await deps.progress.final(request.message, message);
      else await deps.progress.set(request.message, message);
      return;
    }
    case 'reply': {
      const request = await deps.requests.get(intent.requestId);
      if (!request?.message) return;
      await deps.notifier.reply(request, intent.reply);
      return;
    }
    case 'unqueue': {
      const request = await deps.requests.get(intent.requestId);
      if (!request) return;
      for (const job of jobsFor(request)) {
        await deps.queues.removeWaiting(deps.queues.named(job.job), job.payload as never);
      }
      // Copies that queued for a slot leave the queue (their jobs are gone).
      await leaveCopyQueues(deps, request);
      return;
    }
    case 'wake': {
      const request = await deps.requests.get(intent.requestId);
      if (!request) return;
      for (const job of jobsFor(request)) {
        await deps.queues.wakeJob(deps.queues.named(job.job), job.payload as never);
      }
      return;
    }
  }
}

async function leaveCopyQueues(deps: Deps, request: AmiRequest): Promise<void> {
  if (request.params.kind !== 'copy' && request.params.kind !== 'encrypt') return;
  const account = resolveAccount(deps.config, request.account);
  if (!account) return;
  for (const job of jobsFor(request)) {
    const region = String(job.payload.region);
    await releaseSlot(deps, account, region, request.region, `copy-${request.id}-${region}`);
  }
}

/** approved → queued once its jobs are on the queue (a job that started already moved it on). */
async function markQueued(deps: Deps, requestId: string): Promise<void> {
  const now = deps.clock();
  let audit: ReturnType<Deps['audit']['about']>[] = [];
  const res = await deps.requests.update<string>(requestId, (r) => {
    if (r.state !== 'approved') return { ok: false, error: `request is ${r.state}` };
    const next: AmiRequest = { ...r, state: 'queued', updatedAt: now.toISOString() };
    audit = [deps.audit.about(r, { actor: 'amibot', action: 'job.queued', result: 'ok' })];
    return { ok: true, request: next, effects: { audit, intents: [{ kind: 'refresh', requestId }] } };
  });
  if (!res.ok) return;
  deps.audit.logCommitted(audit);
  await deliver(deps, res.intentIds);
}

/** Delivers every intent that is due (the recurring relay). Returns how many were delivered. */
export async function relayDue(deps: Deps, budgetMs = 30_000): Promise<number> {
  const until = Date.now() + budgetMs;
  let delivered = 0;
  for (;;) {
    const due = await deps.outbox.due(Date.now(), 100);
    if (due.length === 0) return delivered;
    const n = await deliver(deps, due);
    delivered += n;
    // Everything due was held by someone else or failed again: leave it for the next run.
    if (n === 0 || Date.now() > until) return delivered;
  }
}
