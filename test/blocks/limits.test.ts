import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { SlackMessage } from '../../src/blocks/message.js';

const ok = (text = 'ok'): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const btn = (action_id: string, value = 'v', label = 'Go') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text: label },
  action_id,
  value,
});
const check = (blocks: unknown[], text = 'fallback') =>
  assertWithinSlackLimits({ text, blocks: blocks as KnownBlock[] } as SlackMessage);

describe('assertWithinSlackLimits', () => {
  it('accepts a valid message', () => {
    expect(
      check([
        { type: 'header', text: { type: 'plain_text', text: 'Title' } },
        ok(),
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'c' }] },
        { type: 'actions', block_id: 'b1', elements: [btn('a1'), btn('a2')] },
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'f' }], accessory: btn('a3') },
      ]),
    ).toEqual([]);
  });

  it.each<[string, unknown[], string, RegExp]>([
    ['empty fallback text', [ok()], '  ', /^text: .*empty/],
    ['fallback text too long', [ok()], 'x'.repeat(3001), /^text: 3001 chars/],
    [
      '51 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'f',
      /^blocks: 51 blocks \(max 50\)/,
    ],
    ['section text 3001', [ok('x'.repeat(3001))], 'f', /blocks\[0\]\.text: text is 3001 chars \(max 3000\)/],
    ['empty section text', [ok('')], 'f', /blocks\[0\]\.text: text is empty/],
    ['section without text or fields', [{ type: 'section' }], 'f', /needs text or fields/],
    [
      '11 fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'f',
      /11 fields \(max 10\)/,
    ],
    [
      'field text 2001',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }],
      'f',
      /fields\[0\]: text is 2001 chars \(max 2000\)/,
    ],
    [
      'header 151',
      [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      'f',
      /text is 151 chars \(max 150\)/,
    ],
    ['header in mrkdwn', [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }], 'f', /text type mrkdwn/],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
      'f',
      /11 elements \(max 10\)/,
    ],
    ['empty context', [{ type: 'context', elements: [] }], 'f', /non-empty array/],
    ['button label 76', [{ type: 'actions', elements: [btn('a', 'v', 'x'.repeat(76))] }], 'f', /max 75/],
    [
      'button value 2001',
      [{ type: 'actions', elements: [btn('a', 'v'.repeat(2001))] }],
      'f',
      /value: 2001 chars/,
    ],
    ['action_id 256', [{ type: 'actions', elements: [btn('a'.repeat(256))] }], 'f', /action_id: 256 chars/],
    [
      'duplicate action_id across blocks',
      [
        { type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: btn('ami_show') },
        { type: 'actions', elements: [btn('ami_show')] },
      ],
      'f',
      /"ami_show" duplicates blocks\[0\]\.accessory/,
    ],
    ['block_id 256', [{ type: 'divider', block_id: 'b'.repeat(256) }], 'f', /block_id: 256 chars/],
    [
      'duplicate block_id',
      [
        { type: 'divider', block_id: 'same' },
        { type: 'divider', block_id: 'same' },
      ],
      'f',
      /duplicates blocks\[0\]/,
    ],
    [
      '26 action elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => btn(`a${i}`)) }],
      'f',
      /26 elements \(max 25\)/,
    ],
    ['unknown block type', [{ type: 'video' }], 'f', /not checked/],
  ])('reports %s', (_name, blocks, text, pattern) => {
    const v = check(blocks, text);
    expect(v.length).toBeGreaterThan(0);
    expect(v.some((s) => pattern.test(s))).toBe(true);
  });

  it('reports every violation, not just the first', () => {
    const v = check([ok('x'.repeat(3001)), ok('')], '');
    expect(v).toHaveLength(3);
  });
});
