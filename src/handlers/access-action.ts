import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Answerer } from '../answer/answer-pool.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The *File request* button of a sharing audit (`/ami access`): ack, then file it (see answer.ts). */
export function createAccessFileHandler(answerer: Answerer) {
  return async function accessFile({ ack, action, body }: Args): Promise<void> {
    await ack();
    await answerer.answer({
      kind: 'access-file',
      value: action.type === 'button' ? (action.value ?? '') : '',
      userId: body.user.id,
      channelId: body.channel?.id ?? '',
      responseUrl: body.response_url,
    });
  };
}
