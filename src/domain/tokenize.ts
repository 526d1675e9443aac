/**
 * Lexing of `/ami` command text as Slack delivers it, and splitting of the tokens into
 * positional words and flags against a per-command flag spec. Pure; never throws.
 *
 * What Slack does to the text, and how it is undone here:
 * - `&`, `<` and `>` typed by the user arrive as `&amp;`, `&lt;` and `&gt;`; they are decoded.
 * - A raw `<…>` is Slack formatting: `<@U123|name>` (user), `<#C123|name>` (channel),
 *   `<!here>`, `<!subteam^S1|@team>` are kept verbatim as one token; links `<https://x|label>` and
 *   `<mailto:a@b|a@b>` become the URL — except when Slack merely auto-linked what the user typed
 *   (`<http://app.example.com|app.example.com>`): then the label is what the user typed and is
 *   kept (so `--name app.example.com` stays `app.example.com`).
 * - Clients turn quotes into “smart” quotes and `--` into an em or en dash: `“ ” ‘ ’` count as
 *   quotes and a token starting with `—` or `–` counts as `--`.
 */

export type Token =
  | { kind: 'word'; value: string; quoted: boolean }
  /** `--name` (no value) or `--name=value` (inline value, possibly empty). Name is lower-cased. */
  | { kind: 'flag'; name: string; value?: string; raw: string };

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: string };

const DOUBLE_QUOTES = new Set(['"', '\u201C', '\u201D', '\u201E', '\u00AB', '\u00BB']);
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A']);

/** A unit of input: one character, or one Slack formatting chunk that is never split or quoted. */
interface Unit {
  text: string;
  /** True for decoded entities and Slack `<…>` chunks: never a quote, space or dash. */
  literal: boolean;
}

/** `&amp;` `&lt;` `&gt;` → `&` `<` `>` (one pass, so `&amp;lt;` becomes `&lt;`). */
export function decodeSlackEscapes(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : '>'));
}

/** What a Slack `<…>` chunk (without its brackets) stands for in command text. */
export function slackChunkText(inner: string): string {
  const first = inner[0];
  if (first === '@' || first === '#' || first === '!') return `<${inner}>`;
  const bar = inner.indexOf('|');
  const url = decodeSlackEscapes(bar >= 0 ? inner.slice(0, bar) : inner);
  if (bar < 0) return url;
  const label = decodeSlackEscapes(inner.slice(bar + 1));
  const autoLinked = ['http://', 'https://', 'mailto:'].some((p) => url === p + label);
  return autoLinked ? label : url;
}

function toUnits(text: string): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '<') {
      const close = text.indexOf('>', i + 1);
      const inner = close > i ? text.slice(i + 1, close) : '';
      if (close > i && inner.length > 0 && !/\s/.test(inner)) {
        units.push({ text: slackChunkText(inner), literal: true });
        i = close + 1;
        continue;
      }
    }
    if (ch === '&') {
      const m = /^&(amp|lt|gt);/.exec(text.slice(i, i + 5));
      if (m) {
        units.push({ text: decodeSlackEscapes(m[0]), literal: true });
        i += m[0].length;
        continue;
      }
    }
    // Keep surrogate pairs together so emoji are not split.
    const cp = text.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    units.push({ text: s, literal: false });
    i += s.length;
  }
  return units;
}

function isSpace(u: Unit): boolean {
  return !u.literal && /^\s$/u.test(u.text);
}

function quoteFamily(u: Unit): Set<string> | undefined {
  if (u.literal) return undefined;
  if (DOUBLE_QUOTES.has(u.text)) return DOUBLE_QUOTES;
  if (SINGLE_QUOTES.has(u.text)) return SINGLE_QUOTES;
  return undefined;
}

function preview(units: Unit[], from: number): string {
  const s = units
    .slice(from, from + 20)
    .map((u) => u.text)
    .join('');
  return from + 20 < units.length ? `${s}…` : s;
}

/**
 * Splits command text into words and flags. Quotes group words (`"my image"`); a quote opens only
 * at the start of a token or right after the `=` of `--flag=`, so apostrophes inside words
 * (`don't`, `O’Brien`) stay literal. A token that is exactly `--` ends flag parsing: everything
 * after it is a word.
 */
export function tokenize(text: string): TokenizeResult {
  const units = toUnits(text);
  const tokens: Token[] = [];
  let i = 0;
  let flagsEnded = false;
  while (i < units.length) {
    if (isSpace(units[i]!)) {
      i += 1;
      continue;
    }
    // One token: a run of non-space units, with quoted segments.
    let value = '';
    let anyQuoted = false;
    let unquotedPrefix = '';
    let sawQuote = false;
    const start = i;
    while (i < units.length && !isSpace(units[i]!)) {
      const u = units[i]!;
      const family = quoteFamily(u);
      const atStart = i === start;
      const afterFlagEquals = !sawQuote && /^(--|[\u2014\u2013])[^=\s]+=$/.test(value);
      if (family && (atStart || afterFlagEquals)) {
        const close = units.findIndex((v, j) => j > i && !v.literal && family.has(v.text));
        if (close < 0) {
          return {
            ok: false,
            error: `There is an unclosed quote ${u.text} in \`${preview(units, i)}\`. Close it, or remove it.`,
          };
        }
        value += units
          .slice(i + 1, close)
          .map((v) => v.text)
          .join('');
        anyQuoted = true;
        sawQuote = true;
        i = close + 1;
        continue;
      }
      value += u.text;
      if (!sawQuote) unquotedPrefix += u.literal ? '\u0000' : u.text;
      i += 1;
    }
    tokens.push(classify(value, anyQuoted, unquotedPrefix, flagsEnded));
    const last = tokens[tokens.length - 1]!;
    if (last.kind === 'flag' && last.name === '' && last.value === undefined) {
      // A bare `--`: end of flags.
      tokens.pop();
      flagsEnded = true;
    }
  }
  return { ok: true, tokens };
}

function classify(value: string, quoted: boolean, unquotedPrefix: string, flagsEnded: boolean): Token {
  if (!flagsEnded) {
    const dash = /^(--|[\u2014\u2013]-?)/.exec(unquotedPrefix);
    if (dash) {
      const body = value.slice(dash[0].length);
      const eq = body.indexOf('=');
      const name = (eq >= 0 ? body.slice(0, eq) : body).toLowerCase();
      // `--` followed by a quote that holds the name is odd; only unquoted names count.
      const nameIsUnquoted = unquotedPrefix.length >= dash[0].length + (eq >= 0 ? eq + 1 : body.length);
      if (nameIsUnquoted && /^[a-z0-9][a-z0-9_-]*$|^$/.test(name)) {
        const raw = `--${eq >= 0 ? body.slice(0, eq) : body}`;
        return eq >= 0 ? { kind: 'flag', name, value: body.slice(eq + 1), raw } : { kind: 'flag', name, raw };
      }
    }
  }
  return { kind: 'word', value, quoted };
}

// ---------------------------------------------------------------------------------------------
// Flags against a spec

/**
 * - `value`: takes one value (`--region us-east-1` or `--region=us-east-1`); repeated → last wins.
 * - `list`: takes a comma-separated value; repeated → lists are merged.
 * - `multi`: takes one value per occurrence, all kept in order (`--tag a=1 --tag b=2`).
 * - `boolean`: no value; `--flag=true|false|yes|no|on|off` also accepted.
 */
export type FlagKind = 'value' | 'list' | 'multi' | 'boolean';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string>;
  lists: Record<string, string[]>;
  multis: Record<string, string[]>;
  booleans: Record<string, boolean>;
}

export type ArgsResult =
  | { ok: true; args: ParsedArgs }
  | { ok: false; error: string; kind: 'unknown-flag' | 'missing-value' | 'bad-boolean'; flag: string };

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/**
 * Splits tokens into positionals and flag values per `spec`. `onUnknown` builds the message for a
 * flag the spec does not know (the grammar adds "Did you mean …?").
 */
export function parseArgs(
  tokens: readonly Token[],
  spec: FlagSpec,
  onUnknown: (flag: string) => string,
): ArgsResult {
  const args: ParsedArgs = { positionals: [], values: {}, lists: {}, multis: {}, booleans: {} };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word') {
      args.positionals.push(t.value);
      continue;
    }
    const kind = Object.hasOwn(spec, t.name) ? spec[t.name] : undefined;
    if (kind === undefined) {
      return { ok: false, kind: 'unknown-flag', flag: t.name, error: onUnknown(t.raw) };
    }
    const flag = `\`--${t.name}\``;
    if (kind === 'boolean') {
      if (t.value === undefined) {
        args.booleans[t.name] = true;
      } else if (TRUE_WORDS.has(t.value.toLowerCase())) {
        args.booleans[t.name] = true;
      } else if (FALSE_WORDS.has(t.value.toLowerCase())) {
        args.booleans[t.name] = false;
      } else {
        return {
          ok: false,
          kind: 'bad-boolean',
          flag: t.name,
          error: `${flag} is a switch and takes no value; write just ${flag}.`,
        };
      }
      continue;
    }
    let value = t.value;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next?.kind === 'word') {
        value = next.value;
        i += 1;
      }
    }
    // `--to us-east-1, eu-west-1`: a list value ending in a comma continues in the next word.
    while (kind === 'list' && value !== undefined && value.trimEnd().endsWith(',')) {
      const next = tokens[i + 1];
      if (next?.kind !== 'word') break;
      value += next.value;
      i += 1;
    }
    if (value === undefined || value.trim() === '') {
      return { ok: false, kind: 'missing-value', flag: t.name, error: `${flag} needs a value.` };
    }
    if (kind === 'value') {
      args.values[t.name] = value.trim();
    } else if (kind === 'multi') {
      const list = args.multis[t.name] ?? [];
      list.push(value.trim());
      args.multis[t.name] = list;
    } else {
      const items = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const list = args.lists[t.name] ?? [];
      list.push(...items);
      args.lists[t.name] = list;
    }
  }
  return { ok: true, args };
}
