import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { renderError } from '../blocks/error.js';
import type { SlackMessage } from '../blocks/message.js';
import type { Deps } from '../deps.js';
import { parseCommand } from '../domain/grammar.js';
import { toAppError } from '../errors.js';
import { errorReply, runCommand } from './commands/index.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/ami <text>`: ack at once (Slack allows 3 s; AWS may take longer), then parse, run and answer
 * through `response_url`. Bad input and failures are answered ephemerally in words, never as a
 * stack trace; the full error goes to the log.
 */
export function createAmiCommandHandler(deps: Deps) {
  return async function amiCommand({ ack, command, respond }: Args): Promise<void> {
    await ack();
    const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
    const send = async (message: SlackMessage, inChannel = false) => {
      try {
        await respond({
          response_type: inChannel ? 'in_channel' : 'ephemeral',
          replace_original: false,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (err) {
        log.error('could not answer through response_url', { error: err });
      }
    };

    const parsed = parseCommand(command.text ?? '');
    if (!parsed.ok) {
      log.info('rejected /ami input', { error: parsed.error, subcommand: parsed.subcommand });
      await send(
        renderError({
          message: parsed.error,
          usage: parsed.usage,
          hint: parsed.usage
            ? undefined
            : 'Type `/ami help` to see every command, or `/ami help <command>` for one.',
        }),
      );
      return;
    }
    const started = Date.now();
    try {
      const reply = await runCommand(parsed.command, {
        deps,
        userId: command.user_id,
        channelId: command.channel_id,
      });
      log.info('answered /ami', { subcommand: parsed.command.name, ms: Date.now() - started });
      await send(reply.message, reply.inChannel);
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'internal')
        log.error('/ami failed', { subcommand: parsed.command.name, error: err });
      else
        log.warn('/ami refused', {
          subcommand: parsed.command.name,
          code: appErr.code,
          awsCode: appErr.context.awsCode,
        });
      await send(errorReply(appErr, parsed.command.name).message);
    }
  };
}
