import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { JobContext } from '../jobs/job.js';
import { CopySlots, type CopyStatusRecord, type SlotKey } from '../store/copy-slots.js';
import { copyBucket } from '../store/rate-limit.js';

/**
 * The machinery every image copy goes through, whoever asked for it (a copy or encrypt request, a
 * golden-image promotion): a slot among the copies in flight into the destination (EC2 allows 50
 * per account and destination Region, 25 from one source Region — `jobs.maxCopiesInFlight`,
 * `jobs.maxCopiesInFlightPerSource`), a paced CopyImage start (`aws.copyImageRate`, shared by all
 * workers), and the wait for EC2 to finish, which holds no worker slot: the copy's job is delayed
 * and the region's poller (`jobs/copy-poll.ts`) looks at every copy in flight there with one
 * DescribeImages call per cycle, records each status and wakes the jobs whose copies changed.
 */

/** Waits shorter than this are slept through; longer ones give the worker slot back. */
export const DEFER_AFTER_MS = 1_000;

/** A status older than this many poll cycles means the poller is not running: look directly. */
const STALE_CYCLES = 3;

export function slotsOf(deps: Deps): CopySlots {
  return new CopySlots(deps.redis, deps.config.redis.keyPrefix);
}

export function slotKey(account: AccountConfig, region: string): SlotKey {
  return { account: account.alias, region };
}

/** Takes a slot for `member` (queued by `ticket` when the region is full). True when held. */
export async function takeSlot(
  deps: Deps,
  account: AccountConfig,
  destRegion: string,
  sourceRegion: string,
  member: string,
  ticket: number,
): Promise<boolean> {
  return slotsOf(deps).acquire(slotKey(account, destRegion), sourceRegion, member, ticket, {
    total: deps.config.jobs.maxCopiesInFlight,
    perSource: deps.config.jobs.maxCopiesInFlightPerSource,
  });
}

/**
 * Gives the slot back and wakes the copies now first in line, so a freed slot is taken at once
 * instead of at their next scheduled look.
 */
export async function releaseSlot(
  deps: Deps,
  account: AccountConfig,
  destRegion: string,
  sourceRegion: string,
  member: string,
): Promise<void> {
  const head = await slotsOf(deps).release(slotKey(account, destRegion), sourceRegion, member);
  for (const next of head) await deps.queues.wake('copies', next);
}

/** This copy's turn to call CopyImage in the destination (ms from now; 0: go). */
export async function reserveCopyStart(
  deps: Deps,
  account: AccountConfig,
  destRegion: string,
): Promise<number> {
  return deps.rateLimiter.reserve(copyBucket(account.alias, destRegion), {
    rate: deps.config.aws.copyImageRate,
    burst: 1,
  });
}

/** Waits (briefly, in place) until the region's CopyImage bucket has a token, and takes it. */
export async function holdCopyRate(deps: Deps, account: AccountConfig, destRegion: string): Promise<void> {
  await deps.rateLimiter.acquire(copyBucket(account.alias, destRegion), {
    rate: deps.config.aws.copyImageRate,
    burst: 1,
  });
}

/**
 * Everything a copy job does before CopyImage, each wait without holding a worker slot: a slot
 * among the copies in flight into `destRegion` (queued in order by the checkpointed `ticket`,
 * delayed until a slot frees), then its reserved turn in the region's paced CopyImage sequence
 * (the checkpointed `startAt`), then a token of the region's CopyImage bucket right at the call.
 * `onQueued` runs when the copy has to queue for a slot (to say so on its message).
 */
export async function awaitCopyTurn(
  ctx: JobContext<{ ticket?: number; startAt?: number }>,
  p: {
    account: AccountConfig;
    destRegion: string;
    sourceRegion: string;
    member: string;
    onQueued?: () => Promise<void>;
  },
): Promise<void> {
  const { deps } = ctx;
  const ticket = ctx.payload.ticket ?? Date.now();
  if (!(await takeSlot(deps, p.account, p.destRegion, p.sourceRegion, p.member, ticket))) {
    await p.onQueued?.();
    // Woken as soon as a slot frees; the delay is only a safety net.
    await ctx.defer(deps.config.jobs.maxPollMs, { ticket });
  }
  let startAt = ctx.payload.startAt;
  if (startAt === undefined) {
    startAt = Date.now() + (await reserveCopyStart(deps, p.account, p.destRegion));
    await ctx.checkpoint({ ticket, startAt });
  }
  const left = startAt - Date.now();
  if (left > DEFER_AFTER_MS) await ctx.defer(left);
  if (left > 0) await deps.sleep(left);
  // The reservation spreads the waiting copies out; the bucket is the hard limit at the call
  // itself (a copy that ran late must not bunch up with the next one).
  await holdCopyRate(deps, p.account, p.destRegion);
}

/** Registers a started copy with its region's poller (and makes sure the poller runs). */
export async function watchCopy(
  deps: Deps,
  account: AccountConfig,
  destRegion: string,
  member: string,
  imageId: string,
): Promise<void> {
  await slotsOf(deps).setImage(slotKey(account, destRegion), member, imageId);
  await ensurePoller(deps, account, destRegion);
}

/** Queues the region's poller unless it is there already (a running poller picks new copies up). */
export async function ensurePoller(deps: Deps, account: AccountConfig, region: string): Promise<void> {
  await deps.queues.enqueue('copy-poll', { account: account.alias, region });
}

/**
 * The copy's status as the poller last saw it. When that is stale, or missing long after the copy
 * started (the poller is not running), the copy is looked up directly and the poller started again.
 */
export async function copyStatus(
  deps: Deps,
  account: AccountConfig,
  region: string,
  imageId: string,
  startedAt: number,
): Promise<CopyStatusRecord | undefined> {
  const k = slotKey(account, region);
  const known = await slotsOf(deps).status(k, imageId);
  const staleAfter = STALE_CYCLES * deps.config.jobs.maxPollMs;
  if (known && Date.now() - known.at <= staleAfter) return known;
  if (!known && Date.now() - startedAt <= staleAfter) return undefined;
  await ensurePoller(deps, account, region);
  const seen = (await deps.copies.describeCopies(account, region, [imageId])).get(imageId);
  if (!seen) return known;
  const record: CopyStatusRecord = {
    state: seen.state,
    percent: seen.percent,
    ...(seen.reason ? { reason: seen.reason } : {}),
    at: Date.now(),
  };
  await slotsOf(deps).setStatus(k, new Map([[imageId, record]]));
  return record;
}

/** EC2 image states a copy does not come back from. */
export function isFailedState(state: string): boolean {
  return ['failed', 'invalid', 'error', 'deregistered', 'disabled'].includes(state);
}
