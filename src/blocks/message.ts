/**
 * The message shape every renderer returns, plus the Block Kit building blocks they share.
 * Pure: no Slack SDK at runtime (types only). Every helper here keeps its output within Slack's
 * limits BY CONSTRUCTION (it truncates), so renderers only have to keep the block count in check;
 * `limits.ts` re-checks whole messages in the tests.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import { truncate } from './mrkdwn.js';

export interface SlackMessage {
  /**
   * The fallback (notifications, screen readers, clients without blocks). Never empty. Slack reads
   * it as mrkdwn, so it is built like block text: untrusted parts escaped (`mrkdwn.ts`), the bot's
   * own mentions left working.
   */
  text: string;
  blocks: KnownBlock[];
}

/** Slack Block Kit limits this project relies on (see docs.slack.dev Block Kit reference). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  /** Slack truncates `text` beyond 40,000 chars; we keep the fallback much shorter. */
  messageText: 40_000,
} as const;

/** Length cap for the fallback `text` this project produces. */
export const FALLBACK_TEXT_MAX = 3000;

export { bold, code, codeBlock, ELLIPSIS, esc, escapeMrkdwn, truncate } from './mrkdwn.js';

function nonEmpty(s: string, placeholder = '—'): string {
  return s.trim().length > 0 ? s : placeholder;
}

export function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(nonEmpty(text), max), verbatim: true };
}

export function plainText(text: string, max: number = SLACK_LIMITS.sectionText): PlainTextElement {
  return { type: 'plain_text', text: truncate(nonEmpty(text), max), emoji: true };
}

export interface BlockOptions {
  blockId?: string;
}

/** A mrkdwn section; the text (already escaped by the caller) is cut to 3000 chars. */
export function section(text: string, opts: BlockOptions & { accessory?: Button } = {}): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(text) };
  if (opts.accessory) block.accessory = opts.accessory;
  if (opts.blockId) block.block_id = truncate(opts.blockId, SLACK_LIMITS.blockId, '');
  return block;
}

/**
 * A section of two-column mrkdwn fields; at most 10 fields are kept (pass fewer), each cut to
 * 2000 chars. Empty / undefined entries are skipped.
 */
export function fields(items: ReadonlyArray<string | undefined>, opts: BlockOptions = {}): SectionBlock {
  const kept = items.filter((s): s is string => s !== undefined && s.trim().length > 0);
  const block: SectionBlock = {
    type: 'section',
    fields: (kept.length > 0 ? kept : ['—'])
      .slice(0, SLACK_LIMITS.sectionFields)
      .map((f) => mrkdwn(f, SLACK_LIMITS.fieldText)),
  };
  if (opts.blockId) block.block_id = truncate(opts.blockId, SLACK_LIMITS.blockId, '');
  return block;
}

/** A context line; at most 10 mrkdwn elements are kept, each cut to 3000 chars. */
export function context(items: ReadonlyArray<string | undefined>, opts: BlockOptions = {}): ContextBlock {
  const kept = items.filter((s): s is string => s !== undefined && s.trim().length > 0);
  const block: ContextBlock = {
    type: 'context',
    elements: (kept.length > 0 ? kept : ['—'])
      .slice(0, SLACK_LIMITS.contextElements)
      .map((t) => mrkdwn(t, SLACK_LIMITS.contextText)),
  };
  if (opts.blockId) block.block_id = truncate(opts.blockId, SLACK_LIMITS.blockId, '');
  return block;
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

/** A header (plain text, cut to 150 chars). */
export function header(text: string): HeaderBlock {
  return { type: 'header', text: plainText(text, SLACK_LIMITS.headerText) };
}

export interface ButtonOptions {
  text: string;
  actionId: string;
  /** Ids only (an AMI ref or a request id), never other data. Must fit 2000 chars; it is never cut. */
  value: string;
  style?: 'primary' | 'danger';
}

/**
 * A button. The label is cut to 75 chars, the action id to 255. The value is NOT cut (a cut id
 * would point at something else): a value over 2000 chars throws — callers pass ids only.
 */
export function button({ text, actionId, value, style }: ButtonOptions): Button {
  if (value.length > SLACK_LIMITS.buttonValue) {
    throw new RangeError(`button value is ${value.length} chars (max ${SLACK_LIMITS.buttonValue})`);
  }
  const b: Button = {
    type: 'button',
    text: plainText(text, SLACK_LIMITS.buttonText),
    action_id: truncate(actionId, SLACK_LIMITS.actionId, ''),
    value,
  };
  if (style) b.style = style;
  return b;
}

/** An actions block; at most 25 elements are kept. */
export function actions(elements: Button[], opts: BlockOptions = {}): ActionsBlock {
  const block: ActionsBlock = { type: 'actions', elements: elements.slice(0, SLACK_LIMITS.actionsElements) };
  if (opts.blockId) block.block_id = truncate(opts.blockId, SLACK_LIMITS.blockId, '');
  return block;
}

/**
 * Assembles a message: the fallback text (mrkdwn, built with the helpers of `mrkdwn.ts` like any
 * block text) is made non-empty, put on one line and cut to {@link FALLBACK_TEXT_MAX}; blocks
 * beyond 50 are replaced by a "+N more" note (renderers stay below that on their own; this is the
 * last line of defence).
 */
export function message(text: string, blocks: KnownBlock[]): SlackMessage {
  const fallback = truncate(nonEmpty(text.replace(/\s+/g, ' ').trim(), 'amibot'), FALLBACK_TEXT_MAX);
  const max = SLACK_LIMITS.blocksPerMessage;
  if (blocks.length <= max) return { text: fallback, blocks };
  const kept = blocks.slice(0, max - 1);
  kept.push(context([`_+${blocks.length - kept.length} more blocks not shown_`]));
  return { text: fallback, blocks: kept };
}

export interface PackedLines {
  /** Texts, one per section, each ≤ `maxChars`. */
  texts: string[];
  shown: number;
  omitted: number;
}

/**
 * Packs lines (already escaped) into at most `maxSections` texts of at most `maxChars` each, in
 * order. A line longer than `maxChars` is cut. When not all lines fit, the last text ends with
 * `more(omitted)` (e.g. `_+12 more tags_`). `heading`, when given, starts the first text.
 */
export function packLines(
  lines: readonly string[],
  opts: { maxSections: number; maxChars?: number; heading?: string; more: (omitted: number) => string },
): PackedLines {
  const maxChars = opts.maxChars ?? SLACK_LIMITS.sectionText;
  const reserve = opts.more(lines.length).length + 1;
  const texts: string[] = [];
  let current = opts.heading ?? '';
  let shown = 0;
  for (const [i, raw] of lines.entries()) {
    const lastSection = texts.length === opts.maxSections - 1;
    const remainingAfter = lines.length - i - 1;
    const budget = lastSection && remainingAfter > 0 ? maxChars - reserve : maxChars;
    const line = truncate(raw, maxChars - reserve - 1);
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= budget) {
      current = candidate;
      shown++;
      continue;
    }
    if (!lastSection && current) {
      texts.push(current);
      current = line;
      shown++;
      continue;
    }
    break;
  }
  const omitted = lines.length - shown;
  if (omitted > 0) current = current ? `${current}\n${opts.more(omitted)}` : opts.more(omitted);
  if (current || texts.length === 0) texts.push(current || '—');
  return { texts, shown, omitted };
}
