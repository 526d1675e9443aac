import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import {
  bold,
  button,
  code,
  codeBlock,
  context,
  divider,
  esc,
  escapeMrkdwn,
  FALLBACK_TEXT_MAX,
  fields,
  header,
  message,
  packLines,
  SLACK_LIMITS,
  section,
  truncate,
} from '../../src/blocks/message.js';
import { nasty } from './fixtures.js';

describe('escapeMrkdwn', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['&amp;', '&amp;amp;'],
    ['plain *text* `x`', 'plain *text* `x`'],
  ])('%j → %j', (s, e) => {
    expect(escapeMrkdwn(s)).toBe(e);
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['hello world', 8, 'hello w…'],
    ['abc', 1, '…'],
    ['abc', 0, ''],
    ['ab&amp;cd', 5, 'ab…'],
    ['ab&lt;cd', 6, 'ab…'],
    ['ab&gt;cd', 8, 'ab&gt;cd'],
    ['a🚀b', 2, 'a…'],
    ['a🚀b', 3, 'a…'],
    ['a🚀b', 4, 'a🚀b'],
  ])('%j to %d → %j', (s, max, e) => {
    expect(truncate(s, max)).toBe(e);
    expect(truncate(s, max).length).toBeLessThanOrEqual(max);
  });

  it('never exceeds max and never leaves a lone surrogate', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 0, max: 400 }),
        (s, max) => {
          const t = truncate(escapeMrkdwn(s), max);
          expect(t.length).toBeLessThanOrEqual(max);
          expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t)).toBe(
            false,
          );
        },
      ),
    );
  });
});

describe('inline helpers', () => {
  it('bold/code escape and neutralise their delimiters', () => {
    expect(bold('a*b<c')).toBe('*a∗b&lt;c*');
    expect(code('x`y&z')).toBe('`xˋy&amp;z`');
    expect(codeBlock('a```b')).toBe('```aˋˋˋb```');
    expect(codeBlock(nasty(5000), 100).length).toBeLessThanOrEqual(100);
  });
});

describe('block helpers keep limits by construction', () => {
  it('section, fields, context, header, button', () => {
    const msg = message(nasty(50_000), [
      header(nasty(1000)),
      section(nasty(10_000)),
      section(''),
      fields(Array.from({ length: 25 }, () => nasty(5000))),
      fields([]),
      context(Array.from({ length: 30 }, () => nasty(5000))),
      divider(),
      section('x', {
        accessory: button({ text: nasty(500), actionId: nasty(1000), value: 'us-east-1/ami-0abc' }),
      }),
    ]);
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });

  it('button refuses a value over 2000 chars rather than cutting an id', () => {
    expect(() => button({ text: 'x', actionId: 'a', value: 'v'.repeat(2001) })).toThrow(RangeError);
  });

  it('message() caps blocks at 50 and keeps a non-empty fallback', () => {
    const msg = message(
      '   ',
      Array.from({ length: 80 }, () => divider()),
    );
    expect(msg.blocks).toHaveLength(SLACK_LIMITS.blocksPerMessage);
    expect(msg.text.trim()).not.toBe('');
    expect(JSON.stringify(msg.blocks.at(-1))).toContain('+31 more blocks');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });

  it('message() keeps the fallback as mrkdwn: the bot’s own mentions work, escaped text stays escaped', () => {
    expect(message(`<@U123> asked: ${esc('<!here> & co')}`, []).text).toBe(
      '<@U123> asked: &lt;!here&gt; &amp; co',
    );
  });

  it('message() never cuts a mention or an entity in half', () => {
    const text = `${'x'.repeat(FALLBACK_TEXT_MAX - 5)} <@U123456> &amp;`;
    const cut = message(text, []).text;
    expect(cut.length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
    expect(cut.endsWith(' …')).toBe(true);
    expect(cut).not.toContain('<@');
  });
});

describe('packLines', () => {
  const more = (n: number) => `_+${n} more_`;
  it('keeps everything when it fits', () => {
    const p = packLines(['a', 'b'], { maxSections: 1, heading: '*H*', more });
    expect(p).toEqual({ texts: ['*H*\na\nb'], shown: 2, omitted: 0 });
  });
  it('spills into further sections and then reports the rest', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i}:${'x'.repeat(95)}`);
    const p = packLines(lines, { maxSections: 2, maxChars: 1000, more });
    expect(p.texts).toHaveLength(2);
    expect(p.shown + p.omitted).toBe(100);
    expect(p.texts[1]).toContain(`_+${p.omitted} more_`);
    for (const t of p.texts) expect(t.length).toBeLessThanOrEqual(1000);
  });
  it('is bounded for arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 4000 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        (lines, maxSections) => {
          const p = packLines(lines, { maxSections, heading: '*Heading*', more });
          expect(p.texts.length).toBeLessThanOrEqual(maxSections);
          expect(p.shown + p.omitted).toBe(lines.length);
          for (const t of p.texts) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        },
      ),
      { numRuns: 200 },
    );
  });
});
