/** Friendly error messages (usually ephemeral). Pure. */
import type { KnownBlock } from '@slack/types';
import { redactSecrets } from '../secrets.js';
import { bold, codeBlock, context, esc, message, type SlackMessage, section } from './message.js';

export interface ErrorInput {
  title?: string;
  message: string;
  /** The usage line of the subcommand, shown in a code block. */
  usage?: string;
  hint?: string;
  /** A transient failure: say that trying again may work. */
  retry?: boolean;
  /** ⚠️ for `warning`, ❌ for `error`. Default: `warning` when `retry`, else `error`. */
  severity?: 'warning' | 'error';
}

export function renderError(raw: ErrorInput): SlackMessage {
  // Error messages often quote AWS: whatever credential one carries never reaches Slack.
  const input: ErrorInput = { ...raw, message: redactSecrets(raw.message) };
  const severity = input.severity ?? (input.retry ? 'warning' : 'error');
  const icon = severity === 'warning' ? '⚠️' : '❌';
  const title = input.title ? `${bold(input.title, 150)}\n` : '';
  const blocks: KnownBlock[] = [section(`${icon} ${title}${esc(input.message, 2500)}`)];
  if (input.usage) blocks.push(section(`*Usage*\n${codeBlock(input.usage, 2900)}`));
  const notes = [
    input.hint ? `💡 ${esc(input.hint, 1500)}` : undefined,
    input.retry ? '🔁 This looks temporary — please try again in a moment.' : undefined,
  ];
  if (notes.some(Boolean)) blocks.push(context(notes));
  const text = `${icon} ${input.title ? `${esc(input.title, 150)}: ` : ''}${esc(input.message, 2500)}`;
  return message(text, blocks);
}
