/**
 * Checks a message against Slack's Block Kit limits. Used by the tests of every renderer and by
 * any code that wants to verify a message before sending it. Pure.
 */
import { FALLBACK_TEXT_MAX, SLACK_LIMITS, type SlackMessage } from './message.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Ctx {
  violations: string[];
  actionIds: Map<string, string>;
  blockIds: Map<string, string>;
}

function checkText(
  ctx: Ctx,
  path: string,
  t: unknown,
  max: number,
  kinds: string[] = ['mrkdwn', 'plain_text'],
) {
  if (!isObj(t)) {
    ctx.violations.push(`${path}: missing text object`);
    return;
  }
  if (typeof t.type !== 'string' || !kinds.includes(t.type)) {
    ctx.violations.push(`${path}: text type ${String(t.type)} (allowed: ${kinds.join(', ')})`);
  }
  if (typeof t.text !== 'string' || t.text.trim().length === 0) {
    ctx.violations.push(`${path}: text is empty`);
    return;
  }
  if (t.text.length > max) ctx.violations.push(`${path}: text is ${t.text.length} chars (max ${max})`);
}

function checkId(ctx: Ctx, path: string, kind: 'action_id' | 'block_id', id: unknown) {
  if (id === undefined) return;
  const seen = kind === 'action_id' ? ctx.actionIds : ctx.blockIds;
  const max = kind === 'action_id' ? SLACK_LIMITS.actionId : SLACK_LIMITS.blockId;
  if (typeof id !== 'string' || id.length === 0) {
    ctx.violations.push(`${path}.${kind}: must be a non-empty string`);
    return;
  }
  if (id.length > max) ctx.violations.push(`${path}.${kind}: ${id.length} chars (max ${max})`);
  const first = seen.get(id);
  if (first !== undefined) ctx.violations.push(`${path}.${kind}: "${id}" duplicates ${first}`);
  else seen.set(id, path);
}

function checkElement(ctx: Ctx, path: string, el: unknown) {
  if (!isObj(el)) {
    ctx.violations.push(`${path}: not an object`);
    return;
  }
  checkId(ctx, path, 'action_id', el.action_id);
  if (el.type === 'button') {
    checkText(ctx, `${path}.text`, el.text, SLACK_LIMITS.buttonText, ['plain_text']);
    if (el.value !== undefined) {
      if (typeof el.value !== 'string') ctx.violations.push(`${path}.value: must be a string`);
      else if (el.value.length > SLACK_LIMITS.buttonValue) {
        ctx.violations.push(`${path}.value: ${el.value.length} chars (max ${SLACK_LIMITS.buttonValue})`);
      }
    }
    if (typeof el.url === 'string' && el.url.length > SLACK_LIMITS.buttonUrl) {
      ctx.violations.push(`${path}.url: ${el.url.length} chars (max ${SLACK_LIMITS.buttonUrl})`);
    }
    if (
      typeof el.accessibility_label === 'string' &&
      el.accessibility_label.length > SLACK_LIMITS.buttonText
    ) {
      ctx.violations.push(`${path}.accessibility_label: too long (max ${SLACK_LIMITS.buttonText})`);
    }
  }
}

function checkBlock(ctx: Ctx, path: string, block: unknown) {
  if (!isObj(block)) {
    ctx.violations.push(`${path}: not an object`);
    return;
  }
  checkId(ctx, path, 'block_id', block.block_id);
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        ctx.violations.push(`${path}: section needs text or fields`);
      }
      if (block.text !== undefined) checkText(ctx, `${path}.text`, block.text, SLACK_LIMITS.sectionText);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length === 0) {
          ctx.violations.push(`${path}.fields: must be a non-empty array`);
        } else {
          if (block.fields.length > SLACK_LIMITS.sectionFields) {
            ctx.violations.push(
              `${path}.fields: ${block.fields.length} fields (max ${SLACK_LIMITS.sectionFields})`,
            );
          }
          block.fields.forEach((f, i) => {
            checkText(ctx, `${path}.fields[${i}]`, f, SLACK_LIMITS.fieldText);
          });
        }
      }
      if (block.accessory !== undefined) checkElement(ctx, `${path}.accessory`, block.accessory);
      break;
    }
    case 'header':
      checkText(ctx, `${path}.text`, block.text, SLACK_LIMITS.headerText, ['plain_text']);
      break;
    case 'context': {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0) {
        ctx.violations.push(`${path}.elements: must be a non-empty array`);
        break;
      }
      if (els.length > SLACK_LIMITS.contextElements) {
        ctx.violations.push(`${path}.elements: ${els.length} elements (max ${SLACK_LIMITS.contextElements})`);
      }
      els.forEach((el, i) => {
        if (isObj(el) && el.type === 'image') return;
        checkText(ctx, `${path}.elements[${i}]`, el, SLACK_LIMITS.contextText);
      });
      break;
    }
    case 'actions': {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0) {
        ctx.violations.push(`${path}.elements: must be a non-empty array`);
        break;
      }
      if (els.length > SLACK_LIMITS.actionsElements) {
        ctx.violations.push(`${path}.elements: ${els.length} elements (max ${SLACK_LIMITS.actionsElements})`);
      }
      els.forEach((el, i) => {
        checkElement(ctx, `${path}.elements[${i}]`, el);
      });
      break;
    }
    case 'divider':
      break;
    default:
      ctx.violations.push(
        `${path}: block type ${String(block.type)} is not checked by assertWithinSlackLimits`,
      );
  }
}

/**
 * Every way `message` breaks Slack's limits (or this project's rules for messages), as
 * human-readable strings with a path (`blocks[3].fields[2]: text is 2100 chars (max 2000)`).
 * An empty list means the message is fine. Checks: a non-empty fallback `text` (≤ 3000 by our own
 * rule), ≤ 50 blocks, section text ≤ 3000, ≤ 10 fields of ≤ 2000, context ≤ 10 elements, header
 * plain text ≤ 150, actions ≤ 25 elements, buttons (plain-text label ≤ 75, value ≤ 2000), and
 * `action_id` / `block_id` ≤ 255 and unique within the message. Block types other than section,
 * header, context, actions and divider are reported as unchecked.
 */
export function assertWithinSlackLimits(message: SlackMessage): string[] {
  const ctx: Ctx = { violations: [], actionIds: new Map(), blockIds: new Map() };
  if (typeof message.text !== 'string' || message.text.trim().length === 0) {
    ctx.violations.push('text: the plain-text fallback is empty');
  } else if (message.text.length > FALLBACK_TEXT_MAX) {
    ctx.violations.push(`text: ${message.text.length} chars (max ${FALLBACK_TEXT_MAX})`);
  }
  if (!Array.isArray(message.blocks)) {
    ctx.violations.push('blocks: must be an array');
    return ctx.violations;
  }
  if (message.blocks.length > SLACK_LIMITS.blocksPerMessage) {
    ctx.violations.push(`blocks: ${message.blocks.length} blocks (max ${SLACK_LIMITS.blocksPerMessage})`);
  }
  message.blocks.forEach((b, i) => {
    checkBlock(ctx, `blocks[${i}]`, b);
  });
  return ctx.violations;
}
