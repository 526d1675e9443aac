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
import { REQUEST_ID_RE } from '../domain/ids.js';
import type { AmiRequest } from '../domain/request.js';
import { toAppError } from '../errors.js';
import * as lifecycle from '../requests/lifecycle.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

async function tellUser(respond: ActionArgs['respond'], deps: Deps, message: string): Promise<void> {
  const msg = renderError({ message });
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: msg.text,
    blocks: msg.blocks,
  }).catch((err: unknown) => deps.logger.error('could not answer a button click', { error: err }));
}

/** What a click or dialog that failed outright says: the error's own message, never internals. */
function failureMessage(deps: Deps, err: unknown, what: string): string {
  const appErr = toAppError(err);
  if (appErr.code === 'internal') deps.logger.error(`${what} failed`, { error: err });
  return appErr.userMessage;
}

/** Approve: ack, then the decision (re-authorised, atomic); the approval that completes the request queues it. */
export function createApproveHandler(deps: Deps) {
  return async function approve({ ack, action, body, respond }: ActionArgs): Promise<void> {
    await ack();
    const value = action.type === 'button' ? action.value : undefined;
    try {
      const outcome = await lifecycle.approve(deps, value, body.user.id);
      if (!outcome.ok) await tellUser(respond, deps, outcome.message);
    } catch (err) {
      await tellUser(respond, deps, failureMessage(deps, err, 'approve'));
    }
  };
}

/** Reject: checks the clicker may decide, then asks for a reason in a dialog. */
export function createRejectHandler(deps: Deps) {
  return async function reject({ ack, action, body, respond }: ActionArgs): Promise<void> {
    await ack();
    const value = action.type === 'button' ? action.value : undefined;
    let request: AmiRequest;
    try {
      const outcome = await lifecycle.mayReject(deps, value, body.user.id);
      if (!outcome.ok) return tellUser(respond, deps, outcome.message);
      request = outcome.request;
    } catch (err) {
      return tellUser(respond, deps, failureMessage(deps, err, 'reject'));
    }
    try {
      await deps.notifier.client.views.open({
        trigger_id: body.trigger_id,
        view: renderRejectModal({ requestId: request.id, summary: describeOperation(request) }),
      });
    } catch (err) {
      deps.logger.error('could not open the reject dialog', { requestId: request.id, error: err });
      await tellUser(respond, deps, 'Could not open the reject dialog; please click Reject again.');
    }
  };
}

/**
 * The reject dialog's submit: acknowledged (the dialog closes) before anything else, then decided
 * atomically like an approval. A refusal found after the ack (someone else decided first, Redis
 * away) reaches the approver as an ephemeral message in the request's channel.
 */
export function createRejectSubmitHandler(deps: Deps) {
  return async function rejectSubmit({ ack, body, view }: ViewArgs): Promise<void> {
    const userId = body.user.id;
    const id = readRejectRequestId(view.private_metadata);
    const reason = readRejectReason(view.state.values);
    // A dialog that does not name a request is answered in the dialog itself (no I/O needed).
    if (!id || !REQUEST_ID_RE.test(id)) {
      await ack({
        response_action: 'errors',
        errors: { reason: 'This dialog does not point at a request amibot knows.' },
      });
      await deps.audit
        .record({
          actor: userId,
          action: 'request.refused',
          target: '(none)',
          result: 'refused',
          detail: 'reject: malformed request id',
        })
        .catch(() => {});
      return;
    }
    await ack();
    let message: string | undefined;
    try {
      const outcome = await lifecycle.reject(deps, id, userId, reason);
      if (!outcome.ok) message = outcome.message;
    } catch (err) {
      message = failureMessage(deps, err, 'reject');
    }
    if (message) await tellInChannel(deps, id, userId, message);
  };
}

/** An ephemeral note to `userId` where the request's message is (else a direct message). */
async function tellInChannel(deps: Deps, requestId: string | undefined, userId: string, text: string) {
  const msg = renderError({ message: text });
  const request = requestId ? await deps.requests.get(requestId).catch(() => undefined) : undefined;
  try {
    if (request?.message) await deps.notifier.postEphemeral(request.message.channel, userId, msg);
    else await deps.notifier.post(userId, msg);
  } catch (err) {
    deps.logger.error('could not tell an approver why the rejection was refused', { error: err });
  }
}
