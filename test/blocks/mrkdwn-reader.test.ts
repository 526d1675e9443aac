import { describe, expect, it } from 'vitest';
import { bold, code, codeBlock, esc, quote, userMention } from '../../src/blocks/mrkdwn.js';
import { controlsOf, describeControl, readMrkdwn, visibleText } from '../../src/blocks/mrkdwn-reader.js';

const controls = (s: string) => controlsOf(s).map(describeControl);

describe('readMrkdwn reads text as Slack does', () => {
  it.each([
    ['<@U123> and <@W9|boss>', ['<@U123>', '<@W9|boss>']],
    ['in <#C1> and <#C2|ops>', ['<#C1>', '<#C2|ops>']],
    ['<!here> <!channel> <!everyone> <!here|x>', ['<!here>', '<!channel>', '<!everyone>', '<!here|x>']],
    ['<!subteam^S1> <!subteam^S2|@team>', ['<!subteam^S1>', '<!subteam^S2|@team>']],
    ['<!date^1392734382^{date}|Feb 18>', ['<!date^1392734382^{date}|Feb 18>']],
    [
      '<https://evil.example|the runbook> <mailto:a@b.c>',
      ['<https://evil.example|the runbook>', '<mailto:a@b.c>'],
    ],
    // A bare placeholder is link syntax to Slack.
    ['`/ami show <ami-id>`', ['<ami-id>']],
    // Inside code and pre blocks too: Slack parses `<…>` before any formatting.
    ['```<!channel>```', ['<!channel>']],
    ['&lt;!channel&gt; &amp;lt;@U1&amp;gt;', []],
    // Raw brackets around anything make a link: why every untrusted `<` is escaped.
    ['a < b > c', ['< b >']],
  ])('%j → %j', (text, expected) => {
    expect(controls(text)).toEqual(expected);
  });

  it('decodes only &lt; &gt; &amp;, in text and in labels', () => {
    expect(visibleText('&lt;ami-id&gt; &amp; &quot; &amp;lt;')).toBe('<ami-id> & &quot; &lt;');
    expect(controlsOf('<https://x.example/?a=1&amp;b=2|A &amp; B>')).toEqual([
      { kind: 'link', url: 'https://x.example/?a=1&b=2', label: 'A & B' },
    ]);
  });

  it('reads code spans, emphasis, quotes and pre blocks, controls inside them kept as nodes', () => {
    expect(readMrkdwn('*a `<@U1>` b* _i_ ~s~')).toEqual([
      {
        kind: 'bold',
        children: [
          { kind: 'text', text: 'a ' },
          { kind: 'code', children: [{ kind: 'user', id: 'U1' }] },
          { kind: 'text', text: ' b' },
        ],
      },
      { kind: 'text', text: ' ' },
      { kind: 'italic', children: [{ kind: 'text', text: 'i' }] },
      { kind: 'text', text: ' ' },
      { kind: 'strike', children: [{ kind: 'text', text: 's' }] },
    ]);
    expect(readMrkdwn('> quoted\nplain')).toEqual([
      { kind: 'quote', children: [{ kind: 'text', text: 'quoted' }] },
      { kind: 'break' },
      { kind: 'text', text: 'plain' },
    ]);
    expect(readMrkdwn('```\nx *y* &lt;\n```')).toEqual([
      { kind: 'pre', children: [{ kind: 'text', text: 'x *y* <\n' }] },
    ]);
  });

  it('private-use characters in the input cannot forge a node', () => {
    expect(controls('\uE0000\uE001 <@U1>')).toEqual(['<@U1>']);
    expect(visibleText('\uE0000\uE001')).toBe('0');
  });
});

describe('the escaping helpers, read back', () => {
  const hostile = '<!channel> <https://evil.example|runbook> <@U1> & `x` *y*';

  it.each([
    ['esc', esc(hostile)],
    ['bold', bold(hostile)],
    ['code', code(hostile)],
    ['codeBlock', codeBlock(hostile)],
    ['quote', quote(`${hostile}\n${hostile}`)],
  ])('%s leaves no control and shows the characters', (_name, text) => {
    expect(controls(text)).toEqual([]);
    expect(visibleText(text).replace(/[∗ˋ`*]/g, '')).toContain(
      '<!channel> <https://evil.example|runbook> <@U1> &',
    );
  });

  it('userMention mentions Slack ids only', () => {
    expect(controls(userMention('U0123ABC'))).toEqual(['<@U0123ABC>']);
    expect(controls(userMention('S0123ABC'))).toEqual(['<!subteam^S0123ABC>']);
    expect(controls(userMention('U1|x> <!channel'))).toEqual([]);
  });
});
