import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Answerer } from '../answer/answer-pool.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The Details button on find and list results: ack, then answer like `/ami show` (see answer.ts). */
export function createShowActionHandler(answerer: Answerer) {
  return async function showAction({ ack, action, body }: Args): Promise<void> {
    await ack();
    await answerer.answer({
      kind: 'show',
      value: action.type === 'button' ? (action.value ?? '') : '',
      userId: body.user.id,
      channelId: body.channel?.id ?? '',
      responseUrl: body.response_url,
    });
  };
}
