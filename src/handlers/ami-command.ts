import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Answerer } from '../answer/answer-pool.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/ami <text>`: ack at once (Slack allows 3 s; AWS may take longer), then hand the work to the
 * answerer, which parses, runs and answers through `response_url` — in an answer thread when
 * one is configured, so a slow or CPU-heavy answer never delays the next ack.
 */
export function createAmiCommandHandler(answerer: Answerer) {
  return async function amiCommand({ ack, command }: Args): Promise<void> {
    await ack();
    await answerer.answer({
      kind: 'command',
      text: command.text ?? '',
      userId: command.user_id,
      channelId: command.channel_id,
      responseUrl: command.response_url,
    });
  };
}
