import { describe, expect, it } from 'vitest';
import {
  decodeSlackEscapes,
  type FlagSpec,
  parseArgs,
  slackChunkText,
  type Token,
  tokenize,
} from '../../src/domain/tokenize.js';

function lex(text: string): Token[] {
  const r = tokenize(text);
  if (!r.ok) throw new Error(r.error);
  return r.tokens;
}

const word = (value: string, quoted = false): Token => ({ kind: 'word', value, quoted });

describe('tokenize', () => {
  it.each<[string, Token[]]>([
    ['', []],
    ['   \t\n ', []],
    ['find ubuntu', [word('find'), word('ubuntu')]],
    ['  find   ubuntu  ', [word('find'), word('ubuntu')]],
    ['find\u00a0ubuntu', [word('find'), word('ubuntu')]],
    ['"my image"', [word('my image', true)]],
    ["'my image'", [word('my image', true)]],
    ['\u201Cmy image\u201D', [word('my image', true)]],
    ['\u2018my image\u2019', [word('my image', true)]],
    ['"mixed closing\u201D', [word('mixed closing', true)]],
    ['""', [word('', true)]],
    ['"it\'s" x', [word("it's", true), word('x')]],
    ["don't stop", [word("don't"), word('stop')]],
    ['O\u2019Brien', [word('O\u2019Brien')]],
    ['a"b"', [word('a"b"')]],
    ['"a"b', [word('ab', true)]],
  ])('words and quotes: %j', (text, tokens) => {
    expect(lex(text)).toEqual(tokens);
  });

  it.each<[string, Token[]]>([
    ['--region us-east-1', [{ kind: 'flag', name: 'region', raw: '--region' }, word('us-east-1')]],
    ['--region=us-east-1', [{ kind: 'flag', name: 'region', value: 'us-east-1', raw: '--region' }]],
    ['--Region=US', [{ kind: 'flag', name: 'region', value: 'US', raw: '--Region' }]],
    ['--name="my image"', [{ kind: 'flag', name: 'name', value: 'my image', raw: '--name' }]],
    ['--name=\u201Cmy image\u201D', [{ kind: 'flag', name: 'name', value: 'my image', raw: '--name' }]],
    ['--name=', [{ kind: 'flag', name: 'name', value: '', raw: '--name' }]],
    ['--tag=k=v', [{ kind: 'flag', name: 'tag', value: 'k=v', raw: '--tag' }]],
    ['--deep', [{ kind: 'flag', name: 'deep', raw: '--deep' }]],
    ['\u2014region x', [{ kind: 'flag', name: 'region', raw: '--region' }, word('x')]],
    ['\u2013region x', [{ kind: 'flag', name: 'region', raw: '--region' }, word('x')]],
    ['"--region"', [word('--region', true)]],
    ['-region', [word('-region')]],
    ['-5', [word('-5')]],
    ['---x', [word('---x')]],
    ['-- --region', [word('--region')]],
  ])('flags: %j', (text, tokens) => {
    expect(lex(text)).toEqual(tokens);
  });

  it.each<[string, string[]]>([
    ['a &amp; b', ['a', '&', 'b']],
    ['&lt;tag&gt;', ['<tag>']],
    ['&amp;lt;', ['&lt;']],
    ['"&quot;"', ['&quot;']],
    ['<@U123|alice> hi', ['<@U123|alice>', 'hi']],
    ['<#C123|general>', ['<#C123|general>']],
    ['<!here>', ['<!here>']],
    ['<https://example.com/a?b=1&amp;c=2|docs>', ['https://example.com/a?b=1&c=2']],
    ['<https://example.com>', ['https://example.com']],
    ['--name=<http://app.example.com|app.example.com>', ['--name=app.example.com']],
    ['<mailto:a@b.co|a@b.co>', ['a@b.co']],
    ['"<https://x.io|x>"', ['https://x.io']],
    ['a < b', ['a', '<', 'b']],
    ['emoji 🚀ok', ['emoji', '🚀ok']],
  ])('Slack escapes and formatting: %j', (text, values) => {
    expect(
      lex(text).map((t) =>
        t.kind === 'word' ? t.value : `--${t.name}${t.value === undefined ? '' : `=${t.value}`}`,
      ),
    ).toEqual(values);
  });

  it('a quote char from an entity or link never opens a quote', () => {
    expect(lex('&lt;"a b"&gt;')).toEqual([word('<"a'), word('b">')]);
  });

  it.each(['"open', "'open", '\u201Copen', 'find --name "my image', 'x \u2018y'])(
    'unterminated quote %j is an error result, not a throw',
    (text) => {
      const r = tokenize(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/unclosed quote/);
    },
  );

  it('decodeSlackEscapes decodes in one pass', () => {
    expect(decodeSlackEscapes('&amp;amp; &lt;&gt;')).toBe('&amp; <>');
  });

  it.each([
    ['@U1|bob', '<@U1|bob>'],
    ['https://a.b|https://a.b', 'https://a.b'],
    ['https://a.b|label', 'https://a.b'],
    ['http://a.b|a.b', 'a.b'],
  ])('slackChunkText(%j) = %j', (inner, text) => {
    expect(slackChunkText(inner)).toBe(text);
  });
});

describe('parseArgs', () => {
  const spec: FlagSpec = { region: 'value', to: 'list', tag: 'multi', deep: 'boolean' };
  const unknown = (f: string) => `unknown ${f}`;
  const run = (text: string) => parseArgs(lex(text), spec, unknown);

  it('separates positionals and flags anywhere', () => {
    const r = run('a --region us-east-1 b --deep c');
    expect(r).toEqual({
      ok: true,
      args: {
        positionals: ['a', 'b', 'c'],
        values: { region: 'us-east-1' },
        lists: {},
        multis: {},
        booleans: { deep: true },
      },
    });
  });

  it('last wins for scalars; lists merge; multis accumulate', () => {
    const r = run('--region a --region=b --to x,y --to y,z --tag k=1 --tag k=2');
    expect(r.ok && r.args.values).toEqual({ region: 'b' });
    expect(r.ok && r.args.lists).toEqual({ to: ['x', 'y', 'y', 'z'] });
    expect(r.ok && r.args.multis).toEqual({ tag: ['k=1', 'k=2'] });
  });

  it('a list value ending in a comma continues in the next word', () => {
    const r = run('--to us-east-1, eu-west-1 rest');
    expect(r.ok && r.args.lists['to']).toEqual(['us-east-1', 'eu-west-1']);
    expect(r.ok && r.args.positionals).toEqual(['rest']);
  });

  it.each([
    ['--deep=false', false],
    ['--deep=yes', true],
    ['--deep=OFF', false],
  ])('boolean with inline value %j', (text, value) => {
    const r = run(text);
    expect(r.ok && r.args.booleans['deep']).toBe(value);
  });

  it.each([
    ['--region', 'missing-value'],
    ['--region --deep', 'missing-value'],
    ['--region=', 'missing-value'],
    ['--region "  "', 'missing-value'],
    ['--deep=maybe', 'bad-boolean'],
    ['--regoin x', 'unknown-flag'],
    ['--constructor x', 'unknown-flag'],
  ])('%j → %s', (text, kind) => {
    const r = run(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.kind).toBe(kind);
      expect(r.error.length).toBeGreaterThan(0);
    }
  });

  it('a quoted value may look like a flag', () => {
    const r = run('--region "--x"');
    expect(r.ok && r.args.values['region']).toBe('--x');
  });
});
