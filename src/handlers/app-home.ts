import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { renderError } from '../blocks/error.js';
import { renderRejectModal } from '../blocks/reject-modal.js';
import type { Deps } from '../deps.js';
import { describeOperation } from '../domain/describe-request.js';
import { toAppError } from '../errors.js';
import { homeUsers, publishHome } from '../home/home-view.js';
import { scheduleHomeRefresh } from '../requests/home-refresh.js';
import * as lifecycle from '../requests/lifecycle.js';

type EventArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The Home tab was opened: remember the person (so later changes refresh it) and publish it. */
export function createAppHomeOpenedHandler(deps: Deps) {
  return async function appHomeOpened({ event }: EventArgs): Promise<void> {
    if (event.tab !== 'home') return;
    try {
      await homeUsers(deps).remember(event.user);
      await publishNow(deps, event.user);
    } catch (err) {
      deps.logger.error('could not publish the App Home', { user: event.user, error: err });
    }
  };
}

/** A note to the person who clicked on their Home (which has no channel): a direct message. */
async function tellUser(deps: Deps, userId: string, message: string): Promise<void> {
  try {
    await deps.notifier.post(userId, renderError({ message }));
  } catch (err) {
    deps.logger.error('could not answer a click on the App Home', { user: userId, error: err });
  }
}

function failureMessage(deps: Deps, err: unknown, what: string): string {
  const appErr = toAppError(err);
  if (appErr.code === 'internal') deps.logger.error(`${what} from the App Home failed`, { error: err });
  return appErr.userMessage;
}

/**
 * Publishes `userId`'s Home from what Redis holds; when the estate's expiring images are not cached,
 * a worker reads them (the home-refresh job) and publishes again — never this process, which
 * answers Slack.
 */
async function publishNow(deps: Deps, userId: string): Promise<void> {
  const { estatePending } = await publishHome(deps, userId, { readEstate: false });
  if (estatePending) await scheduleHomeRefresh(deps, [userId]);
}

async function republish(deps: Deps, userId: string): Promise<void> {
  await publishNow(deps, userId).catch((err: unknown) =>
    deps.logger.warn('could not refresh the App Home', { user: userId, error: err }),
  );
}

/**
 * Approve on the Home tab: the same decision as the button on the request's message
 * (lifecycle.approve: the request id is the only thing read from the click, everything else is
 * re-read and re-authorised against the account's policy). The clicker's Home is published again
 * at once; the other people concerned get theirs through the request's follow-ups.
 */
export function createHomeApproveHandler(deps: Deps) {
  return async function homeApprove({ ack, action, body }: ActionArgs): Promise<void> {
    await ack();
    const userId = body.user.id;
    const value = action.type === 'button' ? action.value : undefined;
    let refusal: string | undefined;
    try {
      const outcome = await lifecycle.approve(deps, value, userId);
      if (!outcome.ok) refusal = outcome.message;
    } catch (err) {
      refusal = failureMessage(deps, err, 'approve');
    }
    if (refusal) await tellUser(deps, userId, refusal);
    await republish(deps, userId);
  };
}

/** Reject on the Home tab: checks the clicker may decide, then the same reason dialog as from the message. */
export function createHomeRejectHandler(deps: Deps) {
  return async function homeReject({ ack, action, body }: ActionArgs): Promise<void> {
    await ack();
    const userId = body.user.id;
    const value = action.type === 'button' ? action.value : undefined;
    try {
      const outcome = await lifecycle.mayReject(deps, value, userId);
      if (!outcome.ok) {
        await tellUser(deps, userId, outcome.message);
        await republish(deps, userId);
        return;
      }
      await deps.notifier.client.views.open({
        trigger_id: body.trigger_id,
        view: renderRejectModal({
          requestId: outcome.request.id,
          summary: describeOperation(outcome.request),
        }),
      });
    } catch (err) {
      await tellUser(deps, userId, failureMessage(deps, err, 'reject'));
    }
  };
}
