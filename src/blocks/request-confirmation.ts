/**
 * What the requester sees (ephemerally) right after filing a request: that it was filed, where
 * the approvers were asked, and how to cancel. Pure.
 */
import { channelMention, describeOperation, requestSubject } from '../domain/describe-request.js';
import type { AmiRequest } from '../domain/request.js';
import { code, context, esc, message, type SlackMessage, section } from './message.js';

export interface RequestConfirmationInput {
  request: AmiRequest;
  /** The channel the approval message was posted in. */
  channel: string;
  /** For `deregister` descriptions, when the caller knows it. */
  snapshotCount?: number;
}

function opts(snapshotCount: number | undefined) {
  return snapshotCount !== undefined ? { snapshotCount } : {};
}

/** "Request `req-…` filed: … Approvers have been asked in <#C…>. Cancel with `/ami cancel req-…`". */
export function renderRequestConfirmation(input: RequestConfirmationInput): SlackMessage {
  const r = input.request;
  const n = r.approvalsNeeded;
  const needs = n > 1 ? ` It needs ${n} approvals from different people.` : '';
  const text =
    `📝 Request ${code(r.id, 40)} filed: ${describeOperation(r, opts(input.snapshotCount))}.\n` +
    `Approvers have been asked in ${channelMention(input.channel)}.${needs}`;
  return message(
    `Request ${esc(r.id, 40)} filed: ${esc(r.kind, 20)} ${esc(requestSubject(r), 64)}. Approvers have been asked.`,
    [
      section(text),
      context([`Cancel with ${code(`/ami cancel ${r.id}`, 60)} · see yours with \`/ami requests\``]),
    ],
  );
}

export interface AutoApprovedInput {
  request: AmiRequest;
  /** Where progress and the result are posted, when that is a channel. */
  channel?: string;
  snapshotCount?: number;
}

/** The variant for operations that need no approval: the request went straight to the queue. */
export function renderAutoApproved(input: AutoApprovedInput): SlackMessage {
  const r = input.request;
  const where = input.channel
    ? ` Progress and the result will be posted in ${channelMention(input.channel)}.`
    : '';
  const text =
    `🚀 Request ${code(r.id, 40)} needs no approval and has been started: ` +
    `${describeOperation(r, opts(input.snapshotCount))}.${where}`;
  return message(
    `Request ${esc(r.id, 40)} started without approval: ${esc(r.kind, 20)} ${esc(requestSubject(r), 64)}.`,
    [section(text), context([`Cancel with ${code(`/ami cancel ${r.id}`, 60)} while it is queued`])],
  );
}

/**
 * What a posted approval message turns into when the request behind it could not be stored (its
 * buttons are gone): nothing was requested.
 */
export function renderNotFiled(request: AmiRequest): SlackMessage {
  const text =
    `⚠️ Request ${code(request.id, 40)} was *not filed*: ${describeOperation(request)}.\n` +
    "amibot's state store did not answer, so nothing was requested. File it again in a minute.";
  return message(`Request ${esc(request.id, 40)} was not filed; nothing was requested.`, [section(text)]);
}
