/**
 * `parseCommand`: text → typed `Command`, or a friendly error with the usage line.
 *
 * Pipeline: `tokenize` (quotes, Slack escapes and formatting) → pick the subcommand → `parseArgs`
 * against the subcommand's flag spec (unknown flags, missing values) → the subcommand's zod schema
 * (value checks and the typed shape). Flags may appear anywhere among the words. Repeated flags:
 * last wins for scalar flags, comma lists are merged for list flags (`--to`, `--with`), `--tag`
 * values accumulate.
 *
 * Pure, and `parseCommand` never throws for any input.
 */
import { own } from '../own.js';
import { parseArgs, type Token, tokenize } from '../tokenize.js';
import { FLAG_EXAMPLES, FLAGS, rawInput, VALUE_FLAGS } from './flags.js';
import { COMMAND_SCHEMAS } from './schemas.js';
import { suggest, suggestSubcommand } from './suggest.js';
import { isSubcommand, type ParseResult, SUBCOMMANDS, type Subcommand } from './types.js';
import { USAGE } from './usage.js';
import { code } from './validators.js';

function fail(error: string, subcommand?: Subcommand): ParseResult {
  return subcommand === undefined
    ? { ok: false, error }
    : { ok: false, subcommand, error, usage: USAGE[subcommand] };
}

function unknownFlagMessage(raw: string, name: Subcommand): string {
  const known = Object.keys(FLAGS[name]);
  if (known.length === 0) return `\`${name}\` takes no flags, but got \`${raw}\`.`;
  const hint = suggest(raw.slice(2), known);
  return (
    `Unknown flag \`${raw}\` for \`${name}\`.` +
    (hint
      ? ` Did you mean \`--${hint}\`?`
      : ` \`${name}\` knows ${known.map((k) => `\`--${k}\``).join(', ')}.`)
  );
}

/** Index of the subcommand word: the first word that is not the value of a value flag. */
function subcommandIndex(tokens: readonly Token[]): number {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word') return i;
    if (t.value === undefined && VALUE_FLAGS.has(t.name) && tokens[i + 1]?.kind === 'word') i += 1;
  }
  return -1;
}

function parseTokens(tokens: Token[]): ParseResult {
  const wantsHelp = tokens.some((t) => t.kind === 'flag' && t.name === 'help');
  const at = subcommandIndex(tokens);
  if (at < 0) {
    if (tokens.length === 0 || wantsHelp) return { ok: true, command: { name: 'help' } };
    return fail(
      'Start with a subcommand, like `/ami find ubuntu 24.04` or `/ami show ami-0abc1234def567890`. `/ami help` lists them all.',
    );
  }
  const word = (tokens[at] as { value: string }).value;
  const name = word.trim().toLowerCase();
  if (!isSubcommand(name)) {
    const hint = suggestSubcommand(name);
    // Anything that looks like an image id, well-formed or not: the hint is the same.
    if (/^ami-[0-9a-f]+$/.test(name)) {
      return fail(
        `Start with what to do with ${code(word)}, like \`/ami show ${name}\`. \`/ami help\` lists commands.`,
      );
    }
    return fail(
      `Unknown subcommand ${code(word)}.` +
        (hint ? ` Did you mean \`${hint}\`?` : ` Try ${SUBCOMMANDS.map((s) => `\`${s}\``).join(', ')}.`),
    );
  }
  if (wantsHelp) return { ok: true, command: { name: 'help', topic: name } };

  const rest = tokens.filter((_, i) => i !== at);
  const spec = FLAGS[name];
  // `-region` (one dash) is almost certainly a flag with a dash missing.
  for (const t of rest) {
    if (t.kind === 'word' && !t.quoted && /^-[a-z]/i.test(t.value)) {
      const guess = t.value.slice(1).split('=')[0]!.toLowerCase();
      if (Object.hasOwn(spec, guess)) {
        return fail(`Flags start with two dashes: write \`--${guess}\`, not ${code(t.value)}.`, name);
      }
    }
  }
  const parsed = parseArgs(rest, spec, (raw) => unknownFlagMessage(raw, name));
  if (!parsed.ok) {
    if (parsed.kind === 'missing-value') {
      const example = own(FLAG_EXAMPLES, parsed.flag);
      return fail(
        `\`--${parsed.flag}\` needs a value` + (example ? `, like \`--${parsed.flag} ${example}\`.` : '.'),
        name,
      );
    }
    return fail(parsed.error, name);
  }
  const result = COMMAND_SCHEMAS[name].safeParse(rawInput(name, parsed.args));
  if (result.success) return { ok: true, command: result.data };
  const messages = [...new Set(result.error.issues.map((i) => i.message))];
  return fail(messages.join('\n'), name);
}

/**
 * Parses the text after `/ami`. Empty text → `help`. `--help` anywhere → help for that
 * subcommand. Never throws.
 */
export function parseCommand(text: string): ParseResult {
  try {
    const lexed = tokenize(typeof text === 'string' ? text : '');
    if (!lexed.ok) {
      const first = (text.trim().split(/\s+/)[0] ?? '').toLowerCase();
      return fail(lexed.error, isSubcommand(first) ? first : undefined);
    }
    return parseTokens(lexed.tokens);
  } catch {
    // Defensive: every path above returns a result; this only guards against a bug.
    return fail('Sorry, I could not read that command. Try `/ami help`.');
  }
}
