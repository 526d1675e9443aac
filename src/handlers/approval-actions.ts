import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { renderError } from '../blocks/error.js';
import { readRejectReason, readRejectRequestId, renderRejectModal } from '../blocks/reject-modal.js';
import type { Deps } from '../deps.js';
import { describeOperation } from '../domain/describe-request.js';
import { checkDecision, type GroupMembers, referencedGroups } from '../domain/policy.js';
import { type AmiRequest, REQUEST_ID_RE } from '../domain/request.js';
import { enqueueApproved } from './commands/execution.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

type Loaded =
  | {
      ok: true;
      request: AmiRequest;
      groups: GroupMembers;
      policy: NonNullable<ReturnType<typeof accountPolicy>>;
    }
  | { ok: false; message: string };

function accountPolicy(deps: Deps, alias: string) {
  return deps.config.accounts.find((a) => a.alias === alias)?.policy;
}

/**
 * Loads the request a button names. The button value is untrusted: only a well-formed request id
 * is accepted, and everything else (account, kind, requester) is read back from Redis.
 */
async function load(deps: Deps, value: string | undefined, actor: string): Promise<Loaded> {
  const id = value ?? '';
  const refuse = async (message: string, detail: string): Promise<Loaded> => {
    await deps.audit.record({
      actor,
      action: 'request.refused',
      target: id.slice(0, 40) || '(none)',
      result: 'refused',
      detail,
    });
    return { ok: false, message };
  };
  if (!REQUEST_ID_RE.test(id))
    return refuse('That button does not point at a request amibot knows.', 'malformed request id');
  const request = await deps.requests.get(id);
  if (!request)
    return refuse(`Request \`${id}\` does not exist (or is too old to act on).`, 'unknown request id');
  const policy = accountPolicy(deps, request.account);
  if (!policy)
    return refuse(`Request \`${id}\` is for an account amibot no longer manages.`, 'unknown account');
  const groups = await deps.userGroups.members(referencedGroups(policy));
  return { ok: true, request, groups, policy };
}

/** Marks a pending request past its time as expired (lazily, on the first click after it). */
async function expireIfDue(deps: Deps, request: AmiRequest): Promise<boolean> {
  const now = deps.clock();
  if (request.state !== 'pending' || Date.parse(request.expiresAt) > now.getTime()) return false;
  const res = await deps.requests.transition(request.id, ['pending'], 'expired', () => ({}), now);
  if (res.ok) {
    await deps.notifier.refreshRequest(res.request);
    await deps.audit.recordForRequest(request, {
      actor: 'amibot',
      action: 'request.expired',
      result: 'ok',
    });
  }
  return true;
}

async function tellUser(respond: ActionArgs['respond'], deps: Deps, message: string): Promise<void> {
  const msg = renderError({ message });
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: msg.text,
    blocks: msg.blocks,
  }).catch((err: unknown) => deps.logger.error('could not answer a button click', { error: err }));
}

/** Approve: re-authorised on every click, applied atomically; the final approval queues the work. */
export function createApproveHandler(deps: Deps) {
  return async function approve({ ack, action, body, respond }: ActionArgs): Promise<void> {
    await ack();
    const userId = body.user.id;
    const value = action.type === 'button' ? action.value : undefined;
    const loaded = await load(deps, value, userId);
    if (!loaded.ok) return tellUser(respond, deps, loaded.message);
    const { request, groups, policy } = loaded;
    if (await expireIfDue(deps, request)) {
      return tellUser(respond, deps, `Request \`${request.id}\` expired before it got enough approvals.`);
    }
    const now = deps.clock();
    const res = await deps.requests.update(request.id, (r) => {
      const check = checkDecision({ policy, request: r, userId, groups, decision: 'approve', now });
      if (!check.ok) return { ok: false, error: check };
      const approvals = [...r.approvals, { userId, at: now.toISOString() }];
      const done = approvals.length >= r.approvalsNeeded;
      return {
        ok: true,
        request: { ...r, approvals, state: done ? 'approved' : 'pending', updatedAt: now.toISOString() },
      };
    });
    if (!res.ok) {
      if (res.reason === 'not_found')
        return tellUser(respond, deps, `Request \`${request.id}\` no longer exists.`);
      await deps.audit.recordForRequest(request, {
        actor: userId,
        action: 'request.refused',
        result: 'refused',
        detail: `approve: ${res.error.code}`,
      });
      return tellUser(respond, deps, res.error.message);
    }
    await deps.audit.recordForRequest(request, {
      actor: userId,
      action: 'request.approved',
      result: 'ok',
      detail: `${res.request.approvals.length} of ${res.request.approvalsNeeded}`,
    });
    await deps.notifier.refreshRequest(res.request);
    if (res.request.state === 'approved' && res.before.state === 'pending') {
      await enqueueApproved(deps, res.request);
    }
  };
}

/** Reject: checks the clicker may decide, then asks for a reason in a modal. */
export function createRejectHandler(deps: Deps) {
  return async function reject({ ack, action, body, client, respond }: ActionArgs): Promise<void> {
    await ack();
    const userId = body.user.id;
    const value = action.type === 'button' ? action.value : undefined;
    const loaded = await load(deps, value, userId);
    if (!loaded.ok) return tellUser(respond, deps, loaded.message);
    const { request, groups, policy } = loaded;
    if (await expireIfDue(deps, request)) {
      return tellUser(respond, deps, `Request \`${request.id}\` expired before anyone decided on it.`);
    }
    const check = checkDecision({ policy, request, userId, groups, decision: 'reject', now: deps.clock() });
    if (!check.ok) {
      await deps.audit.record({
        actor: userId,
        action: 'request.refused',
        target: request.id,
        requestId: request.id,
        imageId: request.imageId,
        result: 'refused',
        detail: `reject: ${check.code}`,
      });
      return tellUser(respond, deps, check.message);
    }
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: renderRejectModal({ requestId: request.id, summary: describeOperation(request) }),
      });
    } catch (err) {
      deps.logger.error('could not open the reject dialog', { requestId: request.id, error: err });
      await tellUser(respond, deps, 'Could not open the reject dialog; please click Reject again.');
    }
  };
}

/** The reject dialog's submit: decided atomically like an approval, with the reason on record. */
export function createRejectSubmitHandler(deps: Deps) {
  return async function rejectSubmit({ ack, body, view, client }: ViewArgs): Promise<void> {
    const userId = body.user.id;
    const id = readRejectRequestId(view.private_metadata);
    const reason = readRejectReason(view.state.values);
    const loaded = await load(deps, id, userId);
    if (!loaded.ok) {
      await ack({ response_action: 'errors', errors: { reason: loaded.message.slice(0, 150) } });
      return;
    }
    const { request, groups, policy } = loaded;
    const now = deps.clock();
    const res = await deps.requests.update(request.id, (r) => {
      const check = checkDecision({ policy, request: r, userId, groups, decision: 'reject', now });
      if (!check.ok) return { ok: false, error: check };
      return {
        ok: true,
        request: {
          ...r,
          state: 'rejected',
          rejection: { userId, at: now.toISOString(), reason },
          updatedAt: now.toISOString(),
        },
      };
    });
    if (!res.ok) {
      const message = res.reason === 'not_found' ? 'That request no longer exists.' : res.error.message;
      await ack({
        response_action: 'errors',
        errors: { reason: message.replace(/[`*]/g, '').slice(0, 150) },
      });
      if (res.reason === 'refused') {
        await deps.audit.record({
          actor: userId,
          action: 'request.refused',
          target: request.id,
          requestId: request.id,
          result: 'refused',
          detail: `reject: ${res.error.code}`,
        });
      }
      return;
    }
    await ack();
    await deps.audit.recordForRequest(request, {
      actor: userId,
      action: 'request.rejected',
      result: 'ok',
      detail: reason,
    });
    await deps.notifier.refreshRequest(res.request);
    await deps.notifier.replyToRequest(res.request, { kind: 'rejected', by: userId, reason });
    void client;
  };
}
