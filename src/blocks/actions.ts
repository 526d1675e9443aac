/**
 * Action ids and button values: the contract between the renderers and the action handlers.
 *
 * Slack wants `action_id`s unique within a message, so a message with several buttons of the
 * same kind numbers them: `ami_show:0`, `ami_show:1`, … . A single button may use the bare id.
 * Handlers should match with {@link actionIdPattern} (`app.action({ action_id: actionIdPattern(ACTION_IDS.amiShow) })`)
 * and read the button's `value`, which carries ids only.
 */
import { isImageId } from '../domain/ids.js';

export const ACTION_IDS = {
  /** Value: an AMI ref, `<region>/<imageId>` or `<account>/<region>/<imageId>` (see {@link encodeAmiRef}). */
  amiShow: 'ami_show',
  /** Value: a request id (`req-…`) only; everything else is read back from the store. */
  requestApprove: 'request_approve',
  /** Value: a request id only. Opens the reject modal (`reject_request`). */
  requestReject: 'request_reject',
  /** Expiry reminder buttons. Value: ids only (defined by the reminder renderer). */
  reminderExtend: 'reminder_extend',
  reminderSnooze: 'reminder_snooze',
  reminderDeregister: 'reminder_deregister',
  /** The *File request* button of a prune dry run. Value: a dry-run id (`prn-…`) only. */
  pruneFile: 'prune_file',
  /** The *File request* button of a sharing audit (`/ami access`). Value: an audit id (`acc-…`) only. */
  accessFile: 'access_file',
} as const;

export type ActionIdBase = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** `ami_show` → `ami_show:3`. */
export function numberedActionId(base: string, index: number): string {
  return `${base}:${index}`;
}

/** Matches `base` and its numbered forms (`ami_show`, `ami_show:0`, `ami_show:12`). */
export function actionIdPattern(base: string): RegExp {
  return new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?::\\d+)?$`);
}

/** `ami_show:3` → `ami_show`. */
export function baseActionId(actionId: string): string {
  return actionId.replace(/:\d+$/, '');
}

export interface AmiRef {
  account?: string;
  region: string;
  imageId: string;
}

const PART = /^[A-Za-z0-9._-]+$/;

/**
 * `{ account: 'prod', region: 'us-east-1', imageId: 'ami-0abc' }` → `prod/us-east-1/ami-0abc`;
 * without an account (or with one that is not a plain id/alias) → `us-east-1/ami-0abc`.
 */
export function encodeAmiRef(ref: AmiRef): string {
  const base = `${ref.region}/${ref.imageId}`;
  return ref.account && PART.test(ref.account) && ref.account.length <= 128 ? `${ref.account}/${base}` : base;
}

/** Inverse of {@link encodeAmiRef}; undefined when `value` is not an AMI ref. */
export function decodeAmiRef(value: string): AmiRef | undefined {
  const parts = value.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) return undefined;
  const [a, b, c] = parts as [string, string, string | undefined];
  const ref: AmiRef = c === undefined ? { region: a, imageId: b } : { account: a, region: b, imageId: c };
  return isImageId(ref.imageId) ? ref : undefined;
}

/**
 * The value of a *Details* button for an image, or undefined when the parts are not plain ids
 * (an image id or region as AWS reported it is untrusted): such an image gets no button rather
 * than a value the show handler would refuse, or one over Slack's 2000 characters.
 */
export function amiRefValue(ref: AmiRef): string | undefined {
  const value = encodeAmiRef(ref);
  return value.length <= 2000 && decodeAmiRef(value) ? value : undefined;
}
