import type {
  AllMiddlewareArgs,
  GlobalShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { renderError } from '../blocks/error.js';
import {
  FILE_REQUEST_BLOCKS,
  fileRequestCommand,
  fileRequestErrorField,
  modalErrorText,
  readFileRequest,
  renderFileRequestModal,
} from '../blocks/file-request-modal.js';
import type { SlackMessage } from '../blocks/message.js';
import { errorReply, runCommand } from '../commands/index.js';
import { resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { parseCommand } from '../domain/grammar/index.js';
import { toAppError } from '../errors.js';

type ShortcutArgs = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The regions the modal offers: every account's, the default region and the golden families'. */
function regionsOf(deps: Deps): string[] {
  const out = new Set<string>([deps.config.defaultRegion]);
  for (const a of deps.config.accounts) for (const r of a.regions) out.add(r);
  for (const f of deps.config.golden.families) for (const r of f.regions) out.add(r);
  return [...out].sort();
}

/** The *File a request* global shortcut: opens the modal. */
export function createFileRequestShortcutHandler(deps: Deps) {
  return async function fileRequestShortcut({ ack, shortcut }: ShortcutArgs): Promise<void> {
    await ack();
    try {
      await deps.notifier.client.views.open({
        trigger_id: shortcut.trigger_id,
        view: renderFileRequestModal({
          accounts: deps.config.accounts.map((a) => ({
            alias: a.alias,
            regions: a.regions,
            default: a.default,
          })),
          regions: regionsOf(deps),
        }),
      });
    } catch (err) {
      deps.logger.error('could not open the file-request modal', { user: shortcut.user.id, error: err });
      await dm(
        deps,
        shortcut.user.id,
        renderError({ message: 'Could not open the form; please try the shortcut again.' }),
      );
    }
  };
}

async function dm(deps: Deps, userId: string, message: SlackMessage): Promise<void> {
  try {
    await deps.notifier.post(userId, message);
  } catch (err) {
    deps.logger.error('could not send a direct message about a filed request', { user: userId, error: err });
  }
}

/**
 * The modal's submit. Errors found without I/O — a missing or malformed field, a command the
 * grammar refuses, no channel to post in — are shown beside their field (the modal stays open).
 * Otherwise the modal closes and the command built from the selections runs exactly as the typed
 * `/ami copy|share|deprecate` does (same grammar, policy check, validation and filing); its
 * confirmation or its error reaches the person as a direct message.
 */
export function createFileRequestSubmitHandler(deps: Deps) {
  return async function fileRequestSubmit({ ack, body, view }: ViewArgs): Promise<void> {
    const userId = body.user.id;
    const built = fileRequestCommand(readFileRequest(view.state.values));
    if (!built.ok) {
      await ack({ response_action: 'errors', errors: built.errors as Record<string, string> });
      return;
    }
    const parsed = parseCommand(built.text);
    if (!parsed.ok) {
      await ack({
        response_action: 'errors',
        errors: { [fileRequestErrorField(parsed.error)]: modalErrorText(parsed.error) },
      });
      return;
    }
    const account = resolveAccount(
      deps.config,
      'account' in parsed.command ? parsed.command.account : undefined,
    );
    if (!account) {
      await ack({
        response_action: 'errors',
        errors: { [FILE_REQUEST_BLOCKS.account]: 'Choose one of the configured accounts.' },
      });
      return;
    }
    if (!account.policy.approvalChannel && !built.channel) {
      await ack({
        response_action: 'errors',
        errors: {
          [FILE_REQUEST_BLOCKS.channel]: `Account ${account.alias} has no approval channel: choose the channel to post the request in.`,
        },
      });
      return;
    }
    await ack();
    const log = deps.logger.child({ user: userId, via: 'file-request-shortcut' });
    let message: SlackMessage;
    try {
      const reply = await runCommand(parsed.command, { deps, userId, channelId: built.channel ?? '' });
      log.info('filed from the shortcut', { subcommand: parsed.command.name });
      message = reply.message;
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'internal') log.error('filing from the shortcut failed', { error: err });
      else log.warn('filing from the shortcut refused', { code: appErr.code });
      message = errorReply(appErr, parsed.command.name).message;
    }
    await dm(deps, userId, message);
  };
}
