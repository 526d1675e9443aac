import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decodeAmiRef } from '../blocks/actions.js';
import { renderError } from '../blocks/error.js';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import { showCommand } from './commands/show.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * The Details button on find and list results. The button's value is untrusted input: it is
 * decoded strictly, and the account and region it names are checked against the configuration by
 * `showCommand` like any typed command.
 */
export function createShowActionHandler(deps: Deps) {
  return async function showAction({ ack, action, body, respond }: Args): Promise<void> {
    await ack();
    const value = action.type === 'button' ? (action.value ?? '') : '';
    const ref = decodeAmiRef(value);
    const log = deps.logger.child({ user: body.user.id, action: action.action_id });
    let message = renderError({
      message: 'That button no longer points at an image. Run the command again.',
    });
    if (ref) {
      try {
        message = (await showCommand(ref, { deps, userId: body.user.id, channelId: body.channel?.id ?? '' }))
          .message;
      } catch (err) {
        const appErr = toAppError(err);
        if (appErr.code === 'internal') log.error('details button failed', { error: err });
        message = renderError({ message: appErr.userMessage, retry: appErr.retry });
      }
    } else {
      log.warn('details button with a malformed value', { value });
    }
    try {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: message.text,
        blocks: message.blocks,
      });
    } catch (err) {
      log.error('could not answer through response_url', { error: err });
    }
  };
}
