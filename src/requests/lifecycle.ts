import type { AccountConfig } from '../config.js';
import { currentCid, noteRequestCid } from '../correlation.js';
import type { Deps } from '../deps.js';
import type { AuditEntry } from '../domain/audit.js';
import { REQUEST_ID_RE } from '../domain/ids.js';
import type { Intent, RequestReply } from '../domain/intents.js';
import { checkCancel, checkDecision, type GroupMembers, referencedGroups } from '../domain/policy.js';
import { type AmiRequest, isBatch, type RequestResult } from '../domain/request.js';
import { AppError } from '../errors.js';
import type { Effects, UpdateResult } from '../store/requests.js';
import { deliverSoon } from './follow-ups.js';
import { refreshHomesFor } from './home-refresh.js';
import { jobsFor } from './jobs-for.js';

/**
 * The request use cases — file, decide (approve, reject, cancel, expire), start, finish — in one
 * place that handlers, commands, expiry and jobs call. Every change is one compare-and-set in the
 * request store that also writes its audit entries and its follow-ups (message refresh, thread
 * reply, jobs to queue) to the outbox, atomically: a process that dies right after a decision
 * leaves nothing half-done, because the relay (`follow-ups.ts`) delivers what the decision
 * promised. The caller gets the outcome at once; follow-ups are delivered right after, best
 * effort, and again by the recurring `requests-redrive` job until done.
 */

export type Outcome = { ok: true; request: AmiRequest } | { ok: false; message: string; code?: string };

const refresh = (r: AmiRequest): Intent => ({ kind: 'refresh', requestId: r.id });
const reply = (r: AmiRequest, body: RequestReply): Intent => ({
  kind: 'reply',
  requestId: r.id,
  reply: body,
});

/** Commits a change's audit entries to the log line stream and delivers its follow-ups. */
async function afterCommit<E>(deps: Deps, res: UpdateResult<E>, audit: readonly AuditEntry[]): Promise<void> {
  if (!res.ok) return;
  deps.audit.logCommitted(audit);
  deliverSoon(deps, res.intentIds);
}

/** `update` that remembers the audit entries it wrote, for logging once committed. */
async function change<E>(
  deps: Deps,
  id: string,
  mutate: (r: AmiRequest) => { ok: true; request: AmiRequest; effects?: Effects } | { ok: false; error: E },
): Promise<UpdateResult<E>> {
  let audit: AuditEntry[] = [];
  const res = await deps.requests.update<E>(id, (r) => {
    const out = mutate(r);
    audit = out.ok ? (out.effects?.audit ?? []) : [];
    return out;
  });
  await afterCommit(deps, res, audit);
  return res;
}

// ---- filing ---------------------------------------------------------------------------------

/**
 * Files a request: posts its approval message in `channel` (the buttons carry the id), then stores
 * the request with the message, its audit entry and — when the policy needs no approval — its jobs,
 * all at once. A message that cannot be posted files nothing; a request that cannot be stored
 * (Redis away) leaves a message that says it was not filed.
 */
export async function file(deps: Deps, request: AmiRequest, channel: string): Promise<AmiRequest> {
  let ref: AmiRequest['message'];
  try {
    ref = await deps.notifier.post(channel, deps.notifier.renderRequest(request));
  } catch (err) {
    deps.logger.error('could not post the approval message; nothing was filed', {
      requestId: request.id,
      error: err,
    });
    throw new AppError(
      'internal',
      `Could not post the approval request in channel \`${channel}\` (is amibot invited there?). Nothing was requested; please try again.`,
      { retry: true, cause: err },
    );
  }
  const auto = request.state === 'approved';
  // The request keeps the correlation id of the work filing it: its jobs carry it (docs/logging.md).
  const cid = request.cid ?? currentCid();
  const stored: AmiRequest = { ...request, ...(cid ? { cid } : {}), message: ref };
  const audit = [
    deps.audit.about(stored, {
      actor: stored.requester,
      action: auto ? 'request.auto_approved' : 'request.created',
      result: 'ok',
      detail: stored.kind,
    }),
  ];
  let intentIds: string[];
  try {
    // A batch request lists its items in its thread, for the approvers.
    const intents = [
      ...(isBatch(stored.kind) ? [reply(stored, { kind: 'items' })] : []),
      ...(auto ? jobsFor(stored) : []),
    ];
    ({ intentIds } = await deps.requests.create(stored, { audit, intents }));
  } catch (err) {
    // The message is up but nothing is stored: it must not look like a request anyone can approve.
    await deps.notifier
      .update(ref, deps.notifier.renderNotFiled(stored))
      .catch((e: unknown) =>
        deps.logger.error('could not withdraw the message of an unfiled request', { error: e }),
      );
    throw err;
  }
  deps.audit.logCommitted(audit);
  deliverSoon(deps, intentIds);
  // A new request shows on its approvers' App Homes (best effort, debounced; never throws).
  void refreshHomesFor(deps, stored);
  return stored;
}

// ---- decisions ------------------------------------------------------------------------------

interface Loaded {
  request: AmiRequest;
  account: AccountConfig;
  groups: GroupMembers;
}

/**
 * Loads the request a button or command names. The id is untrusted: only a well-formed request id
 * is accepted, and everything else (account, kind, requester) is read back from Redis. A refusal
 * is audited.
 */
async function load(
  deps: Deps,
  value: string | undefined,
  actor: string,
): Promise<{ ok: true; loaded: Loaded } | { ok: false; message: string; code: string }> {
  const id = value ?? '';
  const refuse = async (message: string, code: string, detail: string) => {
    await deps.audit.record({
      actor,
      action: 'request.refused',
      target: id.slice(0, 40) || '(none)',
      ...(REQUEST_ID_RE.test(id) ? { requestId: id } : {}),
      result: 'refused',
      detail,
    });
    return { ok: false as const, message, code };
  };
  if (!REQUEST_ID_RE.test(id))
    return refuse(
      'That button does not point at a request amibot knows.',
      'malformed',
      'malformed request id',
    );
  const request = await deps.requests.get(id);
  // A click's lines name the request's correlation id as well as their own.
  noteRequestCid(request?.cid);
  if (!request)
    return refuse(
      `Request \`${id}\` does not exist (or is too old to act on). \`/ami requests\` lists the open ones.`,
      'not_found',
      'unknown request id',
    );
  const account = deps.config.accounts.find((a) => a.alias === request.account);
  if (!account)
    return refuse(
      `Request \`${id}\` is for an account amibot no longer manages.`,
      'unknown_account',
      'unknown account',
    );
  const groups = await deps.userGroups.members(referencedGroups(account.policy));
  return { ok: true, loaded: { request, account, groups } };
}

/** A pending request past its time: expired now. True when it is (or already was) past its time. */
async function expireIfDue(deps: Deps, request: AmiRequest): Promise<boolean> {
  if (request.state !== 'pending' || Date.parse(request.expiresAt) > deps.clock().getTime()) return false;
  await expire(deps, request.id);
  return true;
}

async function refused(deps: Deps, request: AmiRequest, actor: string, detail: string): Promise<void> {
  await deps.audit.recordForRequest(request, { actor, action: 'request.refused', result: 'refused', detail });
}

/** Approve: re-authorised on every click and applied atomically; the approval that completes the request queues its jobs. */
export async function approve(deps: Deps, value: string | undefined, userId: string): Promise<Outcome> {
  const got = await load(deps, value, userId);
  if (!got.ok) return got;
  const { request, account, groups } = got.loaded;
  if (await expireIfDue(deps, request))
    return { ok: false, message: `Request \`${request.id}\` expired before it got enough approvals.` };
  const now = deps.clock();
  const res = await change(deps, request.id, (r) => {
    const check = checkDecision({
      policy: account.policy,
      request: r,
      userId,
      groups,
      decision: 'approve',
      now,
    });
    if (!check.ok) return { ok: false, error: check };
    const approvals = [...r.approvals, { userId, at: now.toISOString() }];
    const done = approvals.length >= r.approvalsNeeded;
    const next: AmiRequest = {
      ...r,
      approvals,
      state: done ? 'approved' : 'pending',
      updatedAt: now.toISOString(),
    };
    return {
      ok: true,
      request: next,
      effects: {
        audit: [
          deps.audit.about(r, {
            actor: userId,
            action: 'request.approved',
            result: 'ok',
            detail: `${approvals.length} of ${r.approvalsNeeded}`,
          }),
        ],
        intents: [refresh(next), ...(done ? jobsFor(next) : [])],
      },
    };
  });
  if (!res.ok) {
    if (res.reason === 'not_found')
      return { ok: false, message: `Request \`${request.id}\` no longer exists.` };
    await refused(deps, request, userId, `approve: ${res.error.code}`);
    return { ok: false, message: res.error.message, code: res.error.code };
  }
  return { ok: true, request: res.request };
}

/** Whether `userId` may reject the request now (before the reason dialog opens); refusals are audited. */
export async function mayReject(deps: Deps, value: string | undefined, userId: string): Promise<Outcome> {
  const got = await load(deps, value, userId);
  if (!got.ok) return got;
  const { request, account, groups } = got.loaded;
  if (await expireIfDue(deps, request))
    return { ok: false, message: `Request \`${request.id}\` expired before anyone decided on it.` };
  const check = checkDecision({
    policy: account.policy,
    request,
    userId,
    groups,
    decision: 'reject',
    now: deps.clock(),
  });
  if (!check.ok) {
    await refused(deps, request, userId, `reject: ${check.code}`);
    return { ok: false, message: check.message, code: check.code };
  }
  return { ok: true, request };
}

/** Reject (from the reason dialog): decided atomically like an approval, with the reason on record. */
export async function reject(
  deps: Deps,
  value: string | undefined,
  userId: string,
  reason: string | undefined,
): Promise<Outcome> {
  const got = await load(deps, value, userId);
  if (!got.ok) return got;
  const { request, account, groups } = got.loaded;
  const now = deps.clock();
  const res = await change(deps, request.id, (r) => {
    const check = checkDecision({
      policy: account.policy,
      request: r,
      userId,
      groups,
      decision: 'reject',
      now,
    });
    if (!check.ok) return { ok: false, error: check };
    const next: AmiRequest = {
      ...r,
      state: 'rejected',
      rejection: { userId, at: now.toISOString(), ...(reason ? { reason } : {}) },
      updatedAt: now.toISOString(),
    };
    return {
      ok: true,
      request: next,
      effects: {
        audit: [
          deps.audit.about(r, {
            actor: userId,
            action: 'request.rejected',
            result: 'ok',
            ...(reason ? { detail: reason.slice(0, 300) } : {}),
          }),
        ],
        intents: [
          refresh(next),
          reply(next, { kind: 'rejected', by: userId, ...(reason ? { reason } : {}) }),
        ],
      },
    };
  });
  if (!res.ok) {
    if (res.reason === 'not_found') return { ok: false, message: 'That request no longer exists.' };
    await refused(deps, request, userId, `reject: ${res.error.code}`);
    return { ok: false, message: res.error.message, code: res.error.code };
  }
  return { ok: true, request: res.request };
}

/** Cancel: by the requester or an approver, while pending, approved or queued; queued jobs are removed. */
export async function cancel(deps: Deps, id: string, userId: string): Promise<Outcome & { was?: string }> {
  const got = await load(deps, id, userId);
  if (!got.ok) return got;
  const { request, account, groups } = got.loaded;
  const now = deps.clock();
  const res = await change(deps, request.id, (r) => {
    const check = checkCancel({ policy: account.policy, request: r, userId, groups });
    if (!check.ok) return { ok: false, error: check };
    const next: AmiRequest = {
      ...r,
      state: 'cancelled',
      cancellation: { userId, at: now.toISOString() },
      updatedAt: now.toISOString(),
    };
    const queued = r.state === 'approved' || r.state === 'queued';
    return {
      ok: true,
      request: next,
      effects: {
        audit: [
          deps.audit.about(r, {
            actor: userId,
            action: 'request.cancelled',
            result: 'ok',
            detail: `was ${r.state}`,
          }),
        ],
        // Queued work is removed; a running copy is woken to remove its partial image.
        intents: [
          refresh(next),
          queued
            ? ({ kind: 'unqueue', requestId: r.id } as const)
            : ({ kind: 'wake', requestId: r.id } as const),
        ],
      },
    };
  });
  if (!res.ok) {
    if (res.reason === 'not_found')
      return { ok: false, message: `There is no request \`${id}\`.`, code: 'not_found' };
    await refused(deps, request, userId, `cancel: ${res.error.code}`);
    return { ok: false, message: res.error.message, code: res.error.code };
  }
  return { ok: true, request: res.request, was: res.before.state };
}

/** A pending request past its time: expired, with its message and a reply saying so. */
export async function expire(deps: Deps, id: string): Promise<boolean> {
  const now = deps.clock();
  const res = await change<string>(deps, id, (r) => {
    if (r.state !== 'pending') return { ok: false, error: `request is ${r.state}` };
    if (Date.parse(r.expiresAt) > now.getTime()) return { ok: false, error: 'not due' };
    const next: AmiRequest = { ...r, state: 'expired', updatedAt: now.toISOString() };
    return {
      ok: true,
      request: next,
      effects: {
        audit: [deps.audit.about(r, { actor: 'amibot', action: 'request.expired', result: 'ok' })],
        intents: [refresh(next), reply(next, { kind: 'expired' })],
      },
    };
  });
  if (!res.ok && res.reason === 'not_found') await deps.requests.forget(id);
  return res.ok;
}

// ---- execution ------------------------------------------------------------------------------

/** approved | queued → running, when a job starts on the request. Returns it running, or undefined. */
export async function start(deps: Deps, id: string): Promise<AmiRequest | undefined> {
  const now = deps.clock();
  const res = await change<string>(deps, id, (r) => {
    if (r.state === 'running') return { ok: true, request: r };
    if (r.state !== 'approved' && r.state !== 'queued') return { ok: false, error: `request is ${r.state}` };
    const next: AmiRequest = { ...r, state: 'running', updatedAt: now.toISOString() };
    return {
      ok: true,
      request: next,
      effects: {
        audit: [deps.audit.about(r, { actor: 'amibot', action: 'job.started', result: 'ok' })],
        intents: [refresh(next)],
      },
    };
  });
  return res.ok ? res.request : undefined;
}

/** The audit entry, message refresh and thread reply of a request that just ended. */
export function endEffects(deps: Deps, request: AmiRequest, result: RequestResult): Effects {
  return {
    audit: [
      deps.audit.about(request, {
        actor: 'amibot',
        action: result.ok ? 'job.succeeded' : 'job.failed',
        result: result.ok ? 'ok' : 'failed',
        detail: result.summary.slice(0, 300),
      }),
    ],
    intents: [refresh(request), reply(request, { kind: 'finished', ok: result.ok, summary: result.summary })],
  };
}

/** running → succeeded | failed, with the result on the message and in the thread. */
export async function finish(deps: Deps, id: string, result: RequestResult): Promise<AmiRequest | undefined> {
  const now = deps.clock();
  const res = await change<string>(deps, id, (r) => {
    if (r.state !== 'running') return { ok: false, error: `request is ${r.state}` };
    const next: AmiRequest = {
      ...r,
      state: result.ok ? 'succeeded' : 'failed',
      result,
      updatedAt: now.toISOString(),
    };
    return { ok: true, request: next, effects: endEffects(deps, next, result) };
  });
  return res.ok ? res.request : undefined;
}

/**
 * Fails a request that is not finished (its job timed out, or it is stuck and cannot be re-driven),
 * from whichever of approved, queued or running it is in, with `summary` as the reason.
 */
export async function failUnfinished(
  deps: Deps,
  id: string,
  summary: string,
): Promise<AmiRequest | undefined> {
  const now = deps.clock();
  const result: RequestResult = { ok: false, summary };
  const res = await change<string>(deps, id, (r) => {
    if (!['approved', 'queued', 'running'].includes(r.state))
      return { ok: false, error: `request is ${r.state}` };
    const next: AmiRequest = { ...r, state: 'failed', result, updatedAt: now.toISOString() };
    return { ok: true, request: next, effects: endEffects(deps, next, result) };
  });
  return res.ok ? res.request : undefined;
}

/** Reads a request or says plainly it does not exist (commands). */
export async function requireRequest(deps: Deps, id: string): Promise<AmiRequest> {
  const request = await deps.requests.get(id);
  if (!request)
    throw new AppError('not_found', `There is no request \`${id}\`. \`/ami requests\` lists the open ones.`);
  return request;
}
