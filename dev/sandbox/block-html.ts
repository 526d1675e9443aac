/**
 * Block Kit → HTML for the local sandbox page: the bot's real message JSON rendered close enough
 * to Slack to judge it. Everything that comes from a message is escaped; only the markup this file
 * writes reaches the page, so an AMI named `<script>…` shows as text. Pure.
 *
 * Covered: section (text, fields, button/image accessory), header, divider, context, actions
 * (buttons with primary/danger styles; other elements as inert chips), image (as text), input
 * (plain_text_input, for modals), rich_text (as plain text). Mrkdwn: *bold*, _italic_, ~strike~,
 * `code`, ```blocks```, > quotes, <@U…> mentions, <#C…|name> channels, <url|label> links (http,
 * https and mailto only), <!here>-style specials and a few :emoji: codes, read with
 * `src/blocks/mrkdwn-reader.ts`.
 */
import { type MrkdwnNode, readMrkdwn } from '../../src/blocks/mrkdwn-reader.js';

export interface RenderContext {
  /** User id → display name, for `<@U…>` mentions. */
  userName?: (id: string) => string | undefined;
  /** Channel id → name, for `<#C…>` without a label. */
  channelName?: (id: string) => string | undefined;
}

type Json = Record<string, unknown>;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  rocket: '🚀',
  lock: '🔒',
  unlock: '🔓',
  mag: '🔍',
  clock3: '🕒',
  no_entry: '⛔',
  information_source: 'ℹ️',
  tada: '🎉',
  wastebasket: '🗑️',
  package: '📦',
  thumbsup: '👍',
  '+1': '👍',
  eyes: '👀',
  arrows_counterclockwise: '🔄',
  link: '🔗',
  calendar: '📅',
  bell: '🔔',
  shield: '🛡️',
};

function emojify(html: string): string {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/** One node of mrkdwn, as read by the same reader the tests use (`src/blocks/mrkdwn-reader.ts`). */
function nodeToHtml(node: MrkdwnNode, ctx: RenderContext): string {
  const children = (nodes: readonly MrkdwnNode[]) => nodes.map((n) => nodeToHtml(n, ctx)).join('');
  switch (node.kind) {
    case 'text':
      return emojify(escapeHtml(node.text));
    case 'break':
      return '<br>';
    case 'user': {
      const name = node.label ?? ctx.userName?.(node.id) ?? node.id;
      return `<span class="mention" data-user="${escapeHtml(node.id)}">@${escapeHtml(name.replace(/^@/, ''))}</span>`;
    }
    case 'channel':
      return `<span class="mention">#${escapeHtml((node.label ?? ctx.channelName?.(node.id) ?? node.id).replace(/^#/, ''))}</span>`;
    case 'special':
      return `<span class="mention">${escapeHtml(node.label ?? `@${node.name}`)}</span>`;
    case 'link':
      if (SAFE_URL.test(node.url)) {
        return `<a href="${escapeHtml(node.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(node.label ?? node.url)}</a>`;
      }
      // Anything else (a `javascript:` URL, a raw `<placeholder>`): its text only, never markup. The
      // brackets are gone, as they are in Slack, so a placeholder sent unescaped shows up wrong here too.
      return escapeHtml(node.label ?? node.url);
    case 'code':
      return `<code>${children(node.children)}</code>`;
    case 'pre':
      return `<pre>${children(node.children)}</pre>`;
    case 'bold':
      return `<strong>${children(node.children)}</strong>`;
    case 'italic':
      return `<em>${children(node.children)}</em>`;
    case 'strike':
      return `<del>${children(node.children)}</del>`;
    case 'quote':
      return `<span class="quote">${children(node.children)}</span>`;
  }
}

/**
 * Slack mrkdwn → HTML. Input is what the bot sent (with `&amp;`/`&lt;`/`&gt;` escapes); it is read
 * by `readMrkdwn`, the reader the tests check every message with, so the page shows what Slack
 * would: an escaped `&lt;ami-id&gt;` as `<ami-id>`, a raw `<!channel>` as a ping.
 */
export function mrkdwnToHtml(source: string, ctx: RenderContext = {}): string {
  return readMrkdwn(source)
    .map((n) => nodeToHtml(n, ctx))
    .join('');
}

/** A text object (`plain_text` or `mrkdwn`) → HTML. */
export function textToHtml(text: unknown, ctx: RenderContext = {}): string {
  if (!isObject(text)) return '';
  const value = str(text.text);
  if (text.type === 'mrkdwn') return mrkdwnToHtml(value, ctx);
  const escaped = escapeHtml(value).replace(/\n/g, '<br>');
  return text.emoji === false ? escaped : emojify(escaped);
}

function attr(name: string, value: unknown): string {
  return typeof value === 'string' ? ` ${name}="${escapeHtml(value)}"` : '';
}

function plainLabel(text: unknown): string {
  return isObject(text) ? escapeHtml(str(text.text)) : '';
}

/** An interactive element: buttons become real buttons; anything else an inert chip naming it. */
function elementToHtml(element: unknown, blockId: string, ctx: RenderContext): string {
  if (!isObject(element)) return '';
  switch (element.type) {
    case 'button': {
      const style = element.style === 'primary' || element.style === 'danger' ? ` btn-${element.style}` : '';
      const label = textToHtml(element.text, ctx);
      if (typeof element.url === 'string' && SAFE_URL.test(element.url)) {
        return `<a class="btn${style}" href="${escapeHtml(element.url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
      }
      return (
        `<button type="button" class="btn${style}" data-action-id="${escapeHtml(str(element.action_id))}"` +
        `${attr('data-value', element.value)} data-block-id="${escapeHtml(blockId)}">${label}</button>`
      );
    }
    case 'image':
      return `<span class="image-alt" title="image">🖼 ${escapeHtml(str(element.alt_text))}</span>`;
    case 'plain_text':
    case 'mrkdwn':
      return `<span>${textToHtml(element, ctx)}</span>`;
    default: {
      const label = plainLabel(element.placeholder) || plainLabel(element.text) || str(element.type);
      return `<span class="chip" title="${escapeHtml(str(element.type))} (not interactive in the sandbox)">${label}</span>`;
    }
  }
}

function inputToHtml(block: Json, ctx: RenderContext): string {
  const blockId = str(block.block_id);
  const element = isObject(block.element) ? block.element : {};
  const actionId = str(element.action_id);
  const optional = block.optional === true ? ' <span class="optional">(optional)</span>' : '';
  const label = `<label class="input-label">${textToHtml(block.label, ctx)}${optional}</label>`;
  const placeholder = isObject(element.placeholder) ? str(element.placeholder.text) : '';
  const maxLength = typeof element.max_length === 'number' ? ` maxlength="${element.max_length}"` : '';
  const data = `data-block-id="${escapeHtml(blockId)}" data-action-id="${escapeHtml(actionId)}" data-type="${escapeHtml(str(element.type))}"`;
  const initial = str(element.initial_value);
  let control: string;
  if (element.type === 'plain_text_input' && element.multiline === true) {
    control = `<textarea class="input" rows="3" ${data} placeholder="${escapeHtml(placeholder)}"${maxLength}>${escapeHtml(initial)}</textarea>`;
  } else if (element.type === 'plain_text_input') {
    control = `<input class="input" ${data} placeholder="${escapeHtml(placeholder)}" value="${escapeHtml(initial)}"${maxLength}>`;
  } else {
    control = elementToHtml(element, blockId, ctx);
  }
  const hint = isObject(block.hint) ? `<div class="hint">${textToHtml(block.hint, ctx)}</div>` : '';
  return `<div class="block input-block" data-block-id="${escapeHtml(blockId)}">${label}${control}${hint}<div class="input-error"></div></div>`;
}

function richTextToPlain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(richTextToPlain).join('');
  if (!isObject(value)) return '';
  if (typeof value.text === 'string') return value.text;
  if (value.type === 'user') return `@${str(value.user_id)}`;
  if (value.type === 'link') return str(value.text) || str(value.url);
  return richTextToPlain(value.elements);
}

/** One block → HTML. */
export function blockToHtml(block: unknown, ctx: RenderContext = {}): string {
  if (!isObject(block)) return '';
  const blockId = str(block.block_id);
  switch (block.type) {
    case 'header':
      return `<div class="block header">${textToHtml(block.text, ctx)}</div>`;
    case 'divider':
      return '<hr class="block divider">';
    case 'section': {
      const text = block.text ? `<div class="section-text">${textToHtml(block.text, ctx)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${block.fields.map((f) => `<div class="field">${textToHtml(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory
        ? `<div class="accessory">${elementToHtml(block.accessory, blockId, ctx)}</div>`
        : '';
      return `<div class="block section"><div class="section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="block context">${elements.map((e) => elementToHtml(e, blockId, ctx)).join('<span class="dot"></span>')}</div>`;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="block actions">${elements.map((e) => elementToHtml(e, blockId, ctx)).join('')}</div>`;
    }
    case 'image': {
      const title = isObject(block.title) ? `${plainLabel(block.title)}: ` : '';
      return `<div class="block image-alt">🖼 ${title}${escapeHtml(str(block.alt_text))}</div>`;
    }
    case 'input':
      return inputToHtml(block, ctx);
    case 'rich_text':
      return `<div class="block section">${escapeHtml(richTextToPlain(block.elements)).replace(/\n/g, '<br>')}</div>`;
    default:
      return `<div class="block unknown">[${escapeHtml(str(block.type) || 'unknown')} block]</div>`;
  }
}

/** A message body → HTML: its blocks when it has any, else its `text` as mrkdwn. */
export function messageToHtml(
  message: { text?: unknown; blocks?: unknown },
  ctx: RenderContext = {},
): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    return message.blocks.map((b) => blockToHtml(b, ctx)).join('');
  }
  return `<div class="block section">${mrkdwnToHtml(str(message.text), ctx)}</div>`;
}
