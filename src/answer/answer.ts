import { decodeAmiRef } from '../blocks/actions.js';
import { renderError } from '../blocks/error.js';
import type { SlackMessage } from '../blocks/message.js';
import { fileAccessPlan } from '../commands/access.js';
import { errorReply, runCommand } from '../commands/index.js';
import { filePlannedPrune } from '../commands/prune.js';
import { showCommand } from '../commands/show.js';
import type { Deps } from '../deps.js';
import { parseCommand } from '../domain/grammar/index.js';
import { toAppError } from '../errors.js';
import { commands } from '../metrics.js';
import { postToResponseUrl } from '../slack/response-url.js';
import { noteRedisFailure } from '../store/redis.js';

/**
 * The work behind an acknowledged `/ami` command or Details click: parse, run, render, answer
 * through `response_url`. Plain data in, nothing Bolt-specific, so it runs either in the web
 * process or in an answer thread (see answer-pool.ts) while the main thread keeps acking.
 */
export type AnswerTask =
  | { kind: 'command'; text: string; userId: string; channelId: string; responseUrl: string }
  | { kind: 'show'; value: string; userId: string; channelId: string; responseUrl: string }
  | { kind: 'prune-file'; value: string; userId: string; channelId: string; responseUrl: string }
  | { kind: 'access-file'; value: string; userId: string; channelId: string; responseUrl: string };

export async function answer(deps: Deps, task: AnswerTask): Promise<void> {
  if (task.kind === 'command') return answerCommand(deps, task);
  if (task.kind === 'prune-file') return answerPruneFile(deps, task);
  if (task.kind === 'access-file') return answerAccessFile(deps, task);
  return answerShow(deps, task);
}

/** The *File request* button of a prune dry run: files it (see commands/prune.ts). */
async function answerPruneFile(deps: Deps, task: Extract<AnswerTask, { kind: 'prune-file' }>): Promise<void> {
  let message: SlackMessage;
  try {
    message = (await filePlannedPrune(task.value, { deps, userId: task.userId, channelId: task.channelId }))
      .message;
  } catch (err) {
    const appErr = toAppError(err);
    if (appErr.code === 'internal') deps.logger.error('prune file button failed', { error: err });
    else deps.logger.warn('prune file button refused', { code: appErr.code, value: task.value.slice(0, 40) });
    message = renderError({ message: appErr.userMessage, retry: appErr.retry });
  }
  await send(deps, task, message);
}

/** The *File request* button of a sharing audit: files its revoke requests (see commands/access.ts). */
async function answerAccessFile(
  deps: Deps,
  task: Extract<AnswerTask, { kind: 'access-file' }>,
): Promise<void> {
  let message: SlackMessage;
  try {
    message = (await fileAccessPlan(task.value, { deps, userId: task.userId, channelId: task.channelId }))
      .message;
  } catch (err) {
    const appErr = toAppError(err);
    if (appErr.code === 'internal') deps.logger.error('access file button failed', { error: err });
    else
      deps.logger.warn('access file button refused', { code: appErr.code, value: task.value.slice(0, 40) });
    message = renderError({ message: appErr.userMessage, retry: appErr.retry });
  }
  await send(deps, task, message);
}

async function send(deps: Deps, task: AnswerTask, message: SlackMessage, inChannel = false): Promise<void> {
  try {
    await postToResponseUrl(task.responseUrl, message, { inChannel });
  } catch (err) {
    deps.logger.error('could not answer through response_url', { user: task.userId, error: err });
  }
}

async function answerCommand(deps: Deps, task: Extract<AnswerTask, { kind: 'command' }>): Promise<void> {
  const log = deps.logger.child({ user: task.userId, channel: task.channelId });
  const parsed = parseCommand(task.text);
  if (!parsed.ok) {
    commands.labels(parsed.subcommand ?? 'none', 'invalid').inc();
    log.info('rejected /ami input', { error: parsed.error, subcommand: parsed.subcommand });
    await send(
      deps,
      task,
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
    const reply = await runCommand(parsed.command, { deps, userId: task.userId, channelId: task.channelId });
    commands.labels(parsed.command.name, 'ok').inc();
    log.info('answered /ami', { subcommand: parsed.command.name, ms: Date.now() - started });
    await send(deps, task, reply.message, reply.inChannel);
  } catch (err) {
    const appErr = toAppError(err);
    commands
      .labels(
        parsed.command.name,
        appErr.code === 'internal'
          ? 'error'
          : appErr.code === 'store_unavailable'
            ? 'unavailable'
            : 'refused',
      )
      .inc();
    if (appErr.code === 'internal') log.error('/ami failed', { subcommand: parsed.command.name, error: err });
    else if (appErr.code === 'store_unavailable') noteRedisFailure(deps.redis, err);
    else {
      log.warn('/ami refused', {
        subcommand: parsed.command.name,
        code: appErr.code,
        awsCode: appErr.context.awsCode,
      });
    }
    await send(deps, task, errorReply(appErr, parsed.command.name).message);
  }
}

/**
 * The Details button. Its value is untrusted input: decoded strictly, and the account and region
 * it names are checked against the configuration by `showCommand` like any typed command.
 */
async function answerShow(deps: Deps, task: Extract<AnswerTask, { kind: 'show' }>): Promise<void> {
  const ref = decodeAmiRef(task.value);
  let message = renderError({ message: 'That button no longer points at an image. Run the command again.' });
  if (ref) {
    try {
      message = (await showCommand(ref, { deps, userId: task.userId, channelId: task.channelId })).message;
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'internal') deps.logger.error('details button failed', { error: err });
      if (appErr.code === 'store_unavailable') noteRedisFailure(deps.redis, err);
      message = renderError({ message: appErr.userMessage, retry: appErr.retry });
    }
  } else {
    deps.logger.warn('details button with a malformed value', {
      user: task.userId,
      value: task.value.slice(0, 100),
    });
  }
  await send(deps, task, message);
}
