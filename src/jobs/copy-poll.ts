import { z } from 'zod';
import { resolveAccount } from '../config.js';
import { isFailedState, slotKey, slotsOf } from '../copies/flight.js';
import type { Deps } from '../deps.js';
import { ACCOUNT_ALIAS_RE, REGION_RE } from '../domain/ids.js';
import type { AmiRequest } from '../domain/request.js';
import type { CopyStatusRecord } from '../store/copy-slots.js';
import { defineJob } from './job.js';

/**
 * The status poller of one account and destination region: while copies are in flight there, it
 * looks at all of them with one DescribeImages call per cycle (and one DescribeSnapshots for their
 * progress), records each copy's status, shows progress on the requests' messages (through the
 * progress reporter's per-message throttle and budget), and wakes the copy jobs whose copy
 * finished, failed or was cancelled. Cycles start at `jobs.pollMs` and stretch ×1.5 up to
 * `jobs.maxPollMs` while nothing changes. It ends when no copy is in flight; the next copy to
 * start queues it again.
 */
export const copyPollJob = defineJob({
  name: 'copy-poll',
  queue: 'copies',
  schema: z
    .object({
      account: z.string().regex(ACCOUNT_ALIAS_RE),
      region: z.string().regex(REGION_RE),
      /** The wait before the next cycle (its checkpoint). */
      intervalMs: z.number().int().positive().optional(),
      /** Copies seen last cycle, to tell a new one. */
      seen: z.number().int().nonnegative().optional(),
    })
    .strict(),
  attempts: 20,
  backoff: { type: 'exponential', delay: 2_000 },
  timeoutMs: 10 * 60_000,
  jobId: (p) => `copy-poll-${p.account}-${p.region}`,
  ephemeral: true,
  run: async (ctx) => {
    const { deps } = ctx;
    const { account: alias, region } = ctx.payload;
    const account = resolveAccount(deps.config, alias);
    if (!account) return { ended: 'account no longer configured' };
    const outcome = await pollOnce(deps, alias, region);
    if (outcome.inFlight === 0) return { ended: 'no copies in flight' };
    const { pollMs, maxPollMs } = deps.config.jobs;
    const calm = !outcome.changed && outcome.inFlight === (ctx.payload.seen ?? -1);
    const backedOff = calm
      ? Math.min(maxPollMs, Math.ceil((ctx.payload.intervalMs ?? pollMs) * 1.5))
      : pollMs;
    // Never wait past the moment the soonest copy should be done (from its progress so far).
    const intervalMs =
      outcome.soonestDoneInMs === undefined
        ? backedOff
        : Math.max(pollMs, Math.min(backedOff, outcome.soonestDoneInMs));
    return ctx.defer(intervalMs, { intervalMs: backedOff, seen: outcome.inFlight });
  },
});

/** The job id of a copy region job: `copy-<request id>-<region>`. */
function requestIdOf(member: string): string | undefined {
  return member.match(/^copy-(req-[0-9a-z]+)-/)?.[1];
}

export interface PollOutcome {
  inFlight: number;
  /** Some copy finished, failed, vanished or was cancelled (progress alone does not count). */
  changed: boolean;
  /**
   * When the copy closest to done should finish, from its progress since the poller first saw it
   * (ms from now); undefined while no copy has reported progress.
   */
  soonestDoneInMs?: number;
}

/** One poll cycle of one account and region (exported for the benchmark and tests). */
export async function pollOnce(deps: Deps, alias: string, region: string): Promise<PollOutcome> {
  const account = resolveAccount(deps.config, alias);
  if (!account) return { inFlight: 0, changed: false };
  const slots = slotsOf(deps);
  const k = slotKey(account, region);
  const { members, images } = await slots.inFlight(k);
  if (members.length === 0) return { inFlight: 0, changed: false };

  const now = Date.now();
  const statuses =
    images.size > 0 ? await deps.copies.describeCopies(account, region, [...images.values()]) : new Map();
  const records = new Map<string, CopyStatusRecord>();
  let changed = false;
  let soonest: number | undefined;
  const wake = new Set<string>();
  for (const [member, imageId] of images) {
    const seen = statuses.get(imageId);
    const before = await slots.status(k, imageId);
    const since = before?.since ?? now;
    const record: CopyStatusRecord = seen
      ? {
          state: seen.state,
          percent: seen.percent,
          ...(seen.reason ? { reason: seen.reason } : {}),
          at: now,
          since,
        }
      : { state: 'missing', percent: before?.percent ?? 0, at: now, since };
    if (record.state === 'pending' && record.percent > 0 && now > since) {
      const left = ((now - since) * (100 - record.percent)) / record.percent;
      soonest = soonest === undefined ? left : Math.min(soonest, left);
    }
    records.set(imageId, record);
    if (before && before.state !== record.state) changed = true;
    if (record.state === 'available' || isFailedState(record.state)) wake.add(member);
  }
  await slots.setStatus(k, records);

  // Progress on the requests' messages, and cancelled requests' copies woken to clean up.
  const byRequest = new Map<string, Array<{ member: string; imageId?: string }>>();
  for (const member of members) {
    const id = requestIdOf(member);
    if (!id) continue;
    const list = byRequest.get(id) ?? [];
    list.push({ member, imageId: images.get(member) });
    byRequest.set(id, list);
  }
  for (const [requestId, copies] of byRequest) {
    const request = await deps.requests.get(requestId);
    if (!request || request.state === 'cancelled') {
      for (const c of copies) wake.add(c.member);
      changed = true;
      continue;
    }
    const percents = new Map<string, number>();
    for (const c of copies) {
      const r = c.imageId ? records.get(c.imageId) : undefined;
      if (r && r.state === 'pending') percents.set(regionOfMember(c.member, requestId), shown(r.percent));
    }
    if (percents.size > 0) await showProgress(deps, request, percents);
  }
  for (const member of wake) await deps.queues.wake('copies', member);
  await pruneQueue(deps, k);
  return {
    inFlight: members.length,
    changed,
    ...(soonest !== undefined ? { soonestDoneInMs: Math.ceil(soonest) } : {}),
  };
}

/**
 * Copies at the head of the slot queue whose jobs are gone (removed by hand, lost) would hold
 * their place forever: they leave the queue.
 */
async function pruneQueue(deps: Deps, k: ReturnType<typeof slotKey>): Promise<void> {
  const slots = slotsOf(deps);
  for (const member of await slots.waitingHead(k, 5)) {
    const state = await deps.queues.queue('copies').getJobState(member);
    if (state === 'unknown' || state === 'completed' || state === 'failed')
      await slots.dropWaiting(k, member);
  }
}

function regionOfMember(member: string, requestId: string): string {
  return member.slice(`copy-${requestId}-`.length);
}

/** Progress is shown in steps of 10 %: a message is not rewritten for every percent EC2 reports. */
function shown(percent: number): number {
  return Math.min(99, Math.floor(percent / 10) * 10);
}

async function showProgress(deps: Deps, request: AmiRequest, percents: Map<string, number>): Promise<void> {
  const res = await deps.requests.update<string>(request.id, (r) => {
    if (r.state !== 'running') return { ok: false, error: `request is ${r.state}` };
    let moved = false;
    const progress = { ...(r.progress ?? {}) };
    for (const [region, percent] of percents) {
      const cur = progress[region];
      if (cur?.state !== 'copying' || cur.percent === percent) continue;
      progress[region] = { ...cur, percent };
      moved = true;
    }
    return moved ? { ok: true, request: { ...r, progress } } : { ok: false, error: 'unchanged' };
  });
  if (res.ok && res.request.message) {
    await deps.progress.update(res.request.message, deps.notifier.renderRequest(res.request));
  }
}
