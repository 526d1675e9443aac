/**
 * Thread replies under a request's approval message: they mention the requester, say what happened
 * and, for a rejection, quote the approver's reason. Pure. The reason and any other text given
 * here are untrusted: they are escaped, so a reason holding `<!channel>` or
 * `<https://evil.example|the runbook>` shows as those characters, and pings or links nobody.
 */
import type { RequestReply } from '../domain/intents.js';
import type { AmiRequest } from '../domain/request.js';
import { message, type SlackMessage, section } from './message.js';
import { code, esc, quote, userMention } from './mrkdwn.js';
import { batchItemBlocks } from './prune-items.js';

export type { RequestReply };

const REASON_MAX = 500;

function body(request: Pick<AmiRequest, 'id'>, reply: Exclude<RequestReply, { kind: 'items' }>): string {
  const id = code(request.id, 40);
  switch (reply.kind) {
    case 'rejected': {
      const reason = reply.reason?.trim();
      return reason
        ? `your request ${id} was rejected by ${userMention(reply.by)}:\n${quote(reason, REASON_MAX)}`
        : `your request ${id} was rejected by ${userMention(reply.by)}.`;
    }
    case 'expired':
      return `your request ${id} expired without enough approvals.`;
    case 'finished':
      return `${reply.ok ? '✅' : '❌'} ${id}: ${esc(reply.summary, 1500)}`;
    case 'note':
      return esc(reply.text, 2500);
  }
}

/** The reply, starting with a mention of the requester (the one ping it is meant to make). */
export function renderRequestReply(
  request: Pick<AmiRequest, 'id' | 'requester' | 'params'>,
  reply: RequestReply,
): SlackMessage {
  if (reply.kind === 'items') {
    const text = `${userMention(request.requester)} the items of request ${code(request.id, 40)}:`;
    return message(`Items of request ${request.id}`, [section(text), ...batchItemBlocks(request)]);
  }
  const text = `${userMention(request.requester)} ${body(request, reply)}`;
  return message(text, [section(text)]);
}
