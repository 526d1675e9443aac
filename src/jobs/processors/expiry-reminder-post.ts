import type { Deps } from '../../deps.js';
import {
  deliverReminderPost,
  type ReminderPostContext,
  type ReminderPostPayload,
  type ReminderPostResult,
} from '../../expiry/delivery.js';

/** One queued expiry reminder or malformed-tag notice (see expiry/delivery.ts). */
export async function processReminderPost(
  deps: Deps,
  payload: ReminderPostPayload,
  ctx: ReminderPostContext,
): Promise<ReminderPostResult> {
  return deliverReminderPost(deps, payload, ctx);
}
