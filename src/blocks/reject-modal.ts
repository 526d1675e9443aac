/**
 * The modal an approver fills in after clicking Reject: an optional reason. The request id travels
 * in `private_metadata`; the handler re-checks everything on `view_submission`. Pure.
 */
import type { ModalView } from '@slack/types';
import { REQUEST_ID_RE } from '../domain/ids.js';
import { mrkdwn, plainText, SLACK_LIMITS } from './message.js';

export const REJECT_MODAL_CALLBACK_ID = 'reject_request';
export const REJECT_REASON_BLOCK_ID = 'reason';
export const REJECT_REASON_ACTION_ID = 'reason_input';
export const REJECT_REASON_MAX = 500;

/** Slack's limit for modal title, submit and close labels. */
const VIEW_LABEL_MAX = 24;

export interface RejectModalInput {
  requestId: string;
  /** Mrkdwn, already escaped: what is being rejected (e.g. `describeOperation(request)`). */
  summary: string;
}

export function renderRejectModal(input: RejectModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL_CALLBACK_ID,
    private_metadata: input.requestId,
    title: plainText('Reject request', VIEW_LABEL_MAX),
    submit: plainText('Reject', VIEW_LABEL_MAX),
    close: plainText('Cancel', VIEW_LABEL_MAX),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`You are rejecting request \`${input.requestId.replace(/`/g, '')}\`:\n${input.summary}`),
      },
      {
        type: 'input',
        block_id: REJECT_REASON_BLOCK_ID,
        optional: true,
        label: plainText('Reason (shown to the requester)', SLACK_LIMITS.headerText),
        element: {
          type: 'plain_text_input',
          action_id: REJECT_REASON_ACTION_ID,
          multiline: true,
          max_length: REJECT_REASON_MAX,
          placeholder: plainText('e.g. use the org share instead of single accounts', 150),
        },
      },
    ],
  };
}

function get(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, key)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The reason from `view.state.values`, trimmed and cut to 500 chars; undefined when absent,
 * empty or not a string. Never throws, whatever the shape.
 */
export function readRejectReason(stateValues: unknown): string | undefined {
  const value = get(get(get(stateValues, REJECT_REASON_BLOCK_ID), REJECT_REASON_ACTION_ID), 'value');
  if (typeof value !== 'string') return undefined;
  const reason = value.trim();
  if (reason === '') return undefined;
  return [...reason].length > REJECT_REASON_MAX ? [...reason].slice(0, REJECT_REASON_MAX).join('') : reason;
}

/** The request id from the modal's `private_metadata`, when it is one. */
export function readRejectRequestId(privateMetadata: unknown): string | undefined {
  return typeof privateMetadata === 'string' && REQUEST_ID_RE.test(privateMetadata)
    ? privateMetadata
    : undefined;
}
