/**
 * Block Kit checks for the fake Slack Web API.
 *
 * Slack rejects a message or view whose blocks break its documented limits with
 * `{ ok: false, error: 'invalid_blocks', errors: [...] }`. The fake applies the limits the bot is
 * most likely to hit (block count, section/field/header lengths, button text and value lengths,
 * duplicate ids), so a test catches an over-long message the way Slack would. It is not a full
 * Block Kit schema validator: unknown block and element types pass.
 */

/** Where the blocks are shown: messages allow 50 blocks, modals and the Home tab 100. */
export type BlockSurface = 'message' | 'modal' | 'home';

const MAX_BLOCKS: Record<BlockSurface, number> = { message: 50, modal: 100, home: 100 };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(message: string, pointer: string): void {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }
}

function checkText(
  value: unknown,
  pointer: string,
  problems: Problems,
  { max, plainOnly = false }: { max: number; plainOnly?: boolean },
): void {
  if (!isObject(value)) {
    problems.add('must provide an object', pointer);
    return;
  }
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    problems.add(`must be one of ${allowed.join(', ')}`, `${pointer}/type`);
  }
  if (typeof value.text !== 'string') {
    problems.add('must provide a string', `${pointer}/text`);
  } else if (value.text.length === 0) {
    problems.add('must be more than 0 characters', `${pointer}/text`);
  } else if (value.text.length > max) {
    problems.add(`must be less than ${max + 1} characters`, `${pointer}/text`);
  }
}

function checkId(value: unknown, pointer: string, problems: Problems): void {
  if (value === undefined) return;
  if (typeof value !== 'string') problems.add('must provide a string', pointer);
  else if (value.length > 255) problems.add('must be less than 256 characters', pointer);
}

function checkElement(element: unknown, pointer: string, problems: Problems): void {
  if (!isObject(element) || typeof element.type !== 'string') {
    problems.add('must provide an object with a type', pointer);
    return;
  }
  checkId(element.action_id, `${pointer}/action_id`, problems);
  if (element.type === 'button') {
    checkText(element.text, `${pointer}/text`, problems, { max: 75, plainOnly: true });
    if (element.value !== undefined) {
      if (typeof element.value !== 'string') problems.add('must provide a string', `${pointer}/value`);
      else if (element.value.length > 2000)
        problems.add('must be less than 2001 characters', `${pointer}/value`);
    }
    if (typeof element.url === 'string' && element.url.length > 3000) {
      problems.add('must be less than 3001 characters', `${pointer}/url`);
    }
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      problems.add('must be one of primary, danger', `${pointer}/style`);
    }
  }
}

function checkBlock(block: unknown, pointer: string, problems: Problems, surface: BlockSurface): void {
  if (!isObject(block) || typeof block.type !== 'string') {
    problems.add('must provide an object with a type', pointer);
    return;
  }
  checkId(block.block_id, `${pointer}/block_id`, problems);
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        problems.add('must provide either text or fields', pointer);
      }
      if (block.text !== undefined) checkText(block.text, `${pointer}/text`, problems, { max: 3000 });
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) problems.add('must provide an array', `${pointer}/fields`);
        else {
          if (block.fields.length > 10)
            problems.add('must provide no more than 10 items', `${pointer}/fields`);
          block.fields.forEach((field, i) => {
            checkText(field, `${pointer}/fields/${i}`, problems, { max: 2000 });
          });
        }
      }
      if (block.accessory !== undefined) checkElement(block.accessory, `${pointer}/accessory`, problems);
      break;
    }
    case 'header':
      checkText(block.text, `${pointer}/text`, problems, { max: 150, plainOnly: true });
      break;
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.add('must provide a non-empty array', `${pointer}/elements`);
      } else if (block.elements.length > 10) {
        problems.add('must provide no more than 10 items', `${pointer}/elements`);
      }
      break;
    case 'actions': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.add('must provide a non-empty array', `${pointer}/elements`);
        break;
      }
      if (block.elements.length > 25)
        problems.add('must provide no more than 25 items', `${pointer}/elements`);
      const actionIds = new Set<string>();
      block.elements.forEach((element, i) => {
        checkElement(element, `${pointer}/elements/${i}`, problems);
        const actionId = isObject(element) ? element.action_id : undefined;
        if (typeof actionId === 'string') {
          if (actionIds.has(actionId)) {
            problems.add(`action_id ${actionId} is already used in this block`, `${pointer}/elements/${i}`);
          }
          actionIds.add(actionId);
        }
      });
      break;
    }
    case 'input':
      if (surface === 'message') problems.add('input blocks are not allowed in messages', pointer);
      checkText(block.label, `${pointer}/label`, problems, { max: 2000, plainOnly: true });
      if (block.element === undefined) problems.add('must provide an element', `${pointer}/element`);
      else checkElement(block.element, `${pointer}/element`, problems);
      break;
    default:
      break;
  }
}

/**
 * Checks `blocks` against Slack's limits. Returns the problems in Slack's `errors` format
 * (`"<message> [json-pointer:/blocks/0/text/text]"`); an empty list means the blocks are accepted.
 */
export function blockProblems(blocks: unknown, surface: BlockSurface = 'message'): string[] {
  const problems = new Problems();
  if (!Array.isArray(blocks)) {
    problems.add('must provide an array', '/blocks');
    return problems.list;
  }
  const max = MAX_BLOCKS[surface];
  if (blocks.length > max) problems.add(`must provide no more than ${max} items`, '/blocks');
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(block, `/blocks/${i}`, problems, surface);
    const blockId = isObject(block) ? block.block_id : undefined;
    if (typeof blockId === 'string') {
      if (blockIds.has(blockId)) problems.add(`block_id ${blockId} is already used`, `/blocks/${i}/block_id`);
      blockIds.add(blockId);
    }
  });
  return problems.list;
}
