/**
 * The `/ami` command grammar: text → typed `Command`, or a friendly error with the usage line.
 *
 * Pipeline: `tokenize` (quotes, Slack escapes and formatting) → pick the subcommand → `parseArgs`
 * against the subcommand's flag spec (unknown flags, missing values) → the subcommand's zod schema
 * (value checks and the typed shape). Flags may appear anywhere among the words. Repeated flags:
 * last wins for scalar flags, comma lists are merged for list flags (`--to`, `--with`), `--tag`
 * values accumulate.
 *
 * Pure, and `parseCommand` never throws for any input.
 */
import { z } from 'zod';
import { DAY_MS, parseDate, parseDuration, type When } from './duration.js';
import { type FlagSpec, type ParsedArgs, parseArgs, type Token, tokenize } from './tokenize.js';

/** `rec[key]` for own keys only, so `constructor` or `__proto__` never reach `Object.prototype`. */
function own<V>(rec: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

export type { When } from './duration.js';

// ---------------------------------------------------------------------------------------------
// Subcommands and usage

export const SUBCOMMANDS = [
  'help',
  'find',
  'show',
  'list',
  'copy',
  'encrypt',
  'scan',
  'share',
  'unshare',
  'deprecate',
  'undeprecate',
  'disable',
  'enable',
  'expire',
  'deregister',
  'requests',
  'jobs',
  'cancel',
  'audit',
  'expiring',
] as const;

export type Subcommand = (typeof SUBCOMMANDS)[number];

export function isSubcommand(value: string): value is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(value);
}

const WHERE = '[--region R] [--account A]';

export const USAGE: Record<Subcommand, string> = {
  help: '/ami help [<subcommand>]',
  find: '/ami find <words> [--region R] [--owner amazon|canonical|debian|redhat|microsoft|self|<account>] [--arch x86_64|arm64] [--limit N] [--include-deprecated] [--account A]',
  show: `/ami show <ami-id> ${WHERE}`,
  list: '/ami list [--region R] [--account A] [--older-than 90d] [--tag key=value]… [--limit N]',
  copy: '/ami copy <ami-id> --to R1[,R2…] [--region SOURCE] [--account A] [--name N] [--encrypt] [--kms-key K] [--with-permissions]',
  encrypt: `/ami encrypt <ami-id> [--kms-key K] [--replace] ${WHERE}`,
  scan: `/ami scan <ami-id> [--deep] ${WHERE}`,
  share: `/ami share <ami-id> --with <account-id|org-arn|ou-arn|all>[,…] ${WHERE}`,
  unshare: `/ami unshare <ami-id> (--with <account-id|org-arn|ou-arn|all>[,…] | --all) ${WHERE}`,
  deprecate: `/ami deprecate <ami-id> (--at YYYY-MM-DD | --in 30d) ${WHERE}`,
  undeprecate: `/ami undeprecate <ami-id> ${WHERE}`,
  disable: `/ami disable <ami-id> ${WHERE}`,
  enable: `/ami enable <ami-id> ${WHERE}`,
  expire: `/ami expire <ami-id> (--at YYYY-MM-DD | --in 30d) ${WHERE}`,
  deregister: `/ami deregister <ami-id> [--keep-snapshots] [--force] ${WHERE}`,
  requests: '/ami requests [--all]',
  jobs: '/ami jobs',
  cancel: '/ami cancel <request-id>',
  audit: '/ami audit [<ami-id>|<request-id>] [--limit N]',
  expiring: '/ami expiring [--within 30d] [--account A] [--region R]',
};

// ---------------------------------------------------------------------------------------------
// Value formats

export const IMAGE_ID_RE = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const ACCOUNT_ID_RE = /^\d{12}$/;
/** An account alias from config, or a 12-digit id (which this also matches). */
export const ACCOUNT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
export const REQUEST_ID_RE = /^req-[0-9a-z]{6,32}$/;
/** Organization and OU ARNs; the partition may be `aws`, `aws-us-gov`, `aws-cn`, … */
export const ORG_ARN_RE = /^arn:aws(-[a-z]+)*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
export const OU_ARN_RE =
  /^arn:aws(-[a-z]+)*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
const KMS_UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KMS_MRK = 'mrk-[0-9a-f]{32}';
const KMS_ALIAS_NAME = 'alias/[a-zA-Z0-9/_-]{1,250}';
export const KMS_KEY_RES: readonly RegExp[] = [
  new RegExp(`^(${KMS_UUID}|${KMS_MRK})$`),
  new RegExp(`^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\\d{12}:key/(${KMS_UUID}|${KMS_MRK})$`),
  new RegExp(`^${KMS_ALIAS_NAME}$`),
  new RegExp(`^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\\d{12}:${KMS_ALIAS_NAME}$`),
];
/** EC2's rule for AMI names: 3–128 of letters, digits, ( ) [ ] space . / - ' @ _ */
export const IMAGE_NAME_RE = /^[A-Za-z0-9()[\] ./'@_-]{3,128}$/;

export const OWNER_KEYWORDS = [
  'amazon',
  'canonical',
  'debian',
  'redhat',
  'microsoft',
  'self',
  'aws-marketplace',
] as const;

/** Real regions, used only to suggest a fix for a typo; any region matching REGION_RE is accepted. */
export const KNOWN_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-south-1',
  'eu-south-2',
  'eu-north-1',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
  'us-gov-east-1',
  'us-gov-west-1',
];

// ---------------------------------------------------------------------------------------------
// Command types (the contract handlers are written against)

export type Arch = 'x86_64' | 'arm64';

export type ShareTarget =
  | { kind: 'account'; accountId: string }
  | { kind: 'organization'; arn: string }
  | { kind: 'ou'; arn: string }
  | { kind: 'public' };

interface OnImage {
  imageId: string;
  region?: string;
  account?: string;
}

export interface HelpCommand {
  name: 'help';
  topic?: Subcommand;
}
export interface FindCommand {
  name: 'find';
  words: string[];
  region?: string;
  /** An owner keyword (`amazon`, `canonical`, …, `self`) or a 12-digit account id. */
  owner?: string;
  arch?: Arch;
  limit: number;
  includeDeprecated: boolean;
  account?: string;
}
export interface ShowCommand extends OnImage {
  name: 'show';
}
export interface ListCommand {
  name: 'list';
  region?: string;
  account?: string;
  olderThanMs?: number;
  tags: Record<string, string>;
  limit: number;
}
export interface CopyCommand {
  name: 'copy';
  imageId: string;
  /** Destination regions, de-duplicated, 1 to 10. */
  toRegions: string[];
  /** Source region. */
  region?: string;
  account?: string;
  newName?: string;
  /** True when `--encrypt` or `--kms-key` was given. */
  encrypt: boolean;
  kmsKeyId?: string;
  withPermissions: boolean;
}
export interface EncryptCommand extends OnImage {
  name: 'encrypt';
  kmsKeyId?: string;
  replace: boolean;
}
export interface ScanCommand extends OnImage {
  name: 'scan';
  deep: boolean;
}
export interface ShareCommand extends OnImage {
  name: 'share';
  targets: ShareTarget[];
}
export interface UnshareCommand extends OnImage {
  name: 'unshare';
  /** `'all'` (from `--all`) removes every launch permission, public included. */
  targets: ShareTarget[] | 'all';
}
export interface DeprecateCommand extends OnImage {
  name: 'deprecate';
  when: When;
}
export interface UndeprecateCommand extends OnImage {
  name: 'undeprecate';
}
export interface DisableCommand extends OnImage {
  name: 'disable';
}
export interface EnableCommand extends OnImage {
  name: 'enable';
}
export interface ExpireCommand extends OnImage {
  name: 'expire';
  when: When;
}
export interface DeregisterCommand extends OnImage {
  name: 'deregister';
  keepSnapshots: boolean;
  force: boolean;
}
export interface RequestsCommand {
  name: 'requests';
  all: boolean;
}
export interface JobsCommand {
  name: 'jobs';
}
export interface CancelCommand {
  name: 'cancel';
  requestId: string;
}
export interface AuditCommand {
  name: 'audit';
  /** An image id or a request id. */
  target?: string;
  limit: number;
}
export interface ExpiringCommand {
  name: 'expiring';
  withinMs: number;
  account?: string;
  region?: string;
}

export type Command =
  | HelpCommand
  | FindCommand
  | ShowCommand
  | ListCommand
  | CopyCommand
  | EncryptCommand
  | ScanCommand
  | ShareCommand
  | UnshareCommand
  | DeprecateCommand
  | UndeprecateCommand
  | DisableCommand
  | EnableCommand
  | ExpireCommand
  | DeregisterCommand
  | RequestsCommand
  | JobsCommand
  | CancelCommand
  | AuditCommand
  | ExpiringCommand;

export type CommandOf<N extends Subcommand> = Extract<Command, { name: N }>;

export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; subcommand?: Subcommand; error: string; usage?: string };

// ---------------------------------------------------------------------------------------------
// Suggestions

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (`regoin`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo (or a unique prefix). */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  if (needle.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(needle, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  const allowed = needle.length <= 4 ? 1 : needle.length <= 8 ? 2 : 3;
  if (best !== undefined && bestDistance > 0 && bestDistance <= allowed) return best;
  if (needle.length >= 2) {
    const prefixed = candidates.filter(
      (c) => c.toLowerCase().startsWith(needle) && c.toLowerCase() !== needle,
    );
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

/** Words people reach for that are not subcommands. Only used to suggest, never accepted. */
const SUBCOMMAND_SYNONYMS: Record<string, Subcommand> = {
  search: 'find',
  lookup: 'find',
  latest: 'find',
  ls: 'list',
  mine: 'list',
  describe: 'show',
  info: 'show',
  get: 'show',
  inspect: 'show',
  cp: 'copy',
  replicate: 'copy',
  clone: 'copy',
  publish: 'share',
  grant: 'share',
  revoke: 'unshare',
  delete: 'deregister',
  remove: 'deregister',
  rm: 'deregister',
  purge: 'deregister',
  retire: 'deprecate',
  status: 'jobs',
  queue: 'jobs',
  progress: 'jobs',
  abort: 'cancel',
  stop: 'cancel',
  log: 'audit',
  logs: 'audit',
  history: 'audit',
  pending: 'requests',
  approvals: 'requests',
  expiry: 'expiring',
  expired: 'expiring',
  '?': 'help',
  usage: 'help',
};

/** A subcommand for a mistyped word: a typo of a subcommand, or a (possibly mistyped) synonym. */
function suggestSubcommand(word: string): Subcommand | undefined {
  const synonym = own(SUBCOMMAND_SYNONYMS, word);
  if (synonym) return synonym;
  const hint = suggest(word, [...SUBCOMMANDS, ...Object.keys(SUBCOMMAND_SYNONYMS)]);
  if (hint === undefined) return undefined;
  return isSubcommand(hint) ? hint : own(SUBCOMMAND_SYNONYMS, hint);
}

function code(text: string): string {
  const t = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return `\`${t.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

// ---------------------------------------------------------------------------------------------
// Field checks (each returns the normalised value or the complete error sentence)

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
const good = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (error: string): Checked<never> => ({ ok: false, error });

function field<T>(check: (s: string) => Checked<T>, missing = 'A value is missing.') {
  return z.string({ error: missing }).transform((s, ctx): T => {
    const r = check(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  });
}

const IMAGE_EXAMPLE = '`ami-0abc1234def567890`';

function checkImageId(cmd: Subcommand) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (IMAGE_ID_RE.test(v)) return good(v);
    if (REQUEST_ID_RE.test(v)) {
      return bad(`\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}; ${code(s)} is a request id.`);
    }
    return bad(`\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}, got ${code(s)}.`);
  };
}

function checkRegion(label: string) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (REGION_RE.test(v)) return good(v);
    const hint = suggest(v, KNOWN_REGIONS);
    return bad(
      `${label} must be an AWS region like \`us-east-1\`, got ${code(s)}.` +
        (hint ? ` Did you mean \`${hint}\`?` : ''),
    );
  };
}

/** `1234-5678-9012` (as the console shows ids) → `123456789012`. */
function normaliseAccountId(s: string): string {
  const v = s.trim();
  return /^\d{4}-\d{4}-\d{4}$/.test(v) ? v.replace(/-/g, '') : v;
}

function checkAccount(label: string) {
  return (s: string): Checked<string> => {
    const v = normaliseAccountId(s);
    if (/^\d+$/.test(v) && v.length !== 12) {
      return bad(
        `${label} must be an account alias or a 12-digit account id; ${code(s)} has ${v.length} digits.`,
      );
    }
    if (ACCOUNT_RE.test(v)) return good(/^\d+$/.test(v) ? v : v.toLowerCase());
    return bad(`${label} must be an account alias like \`prod\` or a 12-digit account id, got ${code(s)}.`);
  };
}

function checkOwner(s: string): Checked<string> {
  const v = normaliseAccountId(s).toLowerCase();
  if ((OWNER_KEYWORDS as readonly string[]).includes(v) || ACCOUNT_ID_RE.test(v)) return good(v);
  const hint = suggest(v, OWNER_KEYWORDS);
  return bad(
    `\`--owner\` must be one of ${OWNER_KEYWORDS.map((o) => `\`${o}\``).join(', ')} or a 12-digit account id, got ${code(s)}.` +
      (hint ? ` Did you mean \`${hint}\`?` : ''),
  );
}

const ARCH_WORDS: Record<string, Arch> = {
  x86_64: 'x86_64',
  'x86-64': 'x86_64',
  amd64: 'x86_64',
  x64: 'x86_64',
  arm64: 'arm64',
  aarch64: 'arm64',
};

function checkArch(s: string): Checked<Arch> {
  const v = own(ARCH_WORDS, s.trim().toLowerCase());
  if (v) return good(v);
  return bad(
    `\`--arch\` must be \`x86_64\` or \`arm64\` (\`amd64\` and \`aarch64\` work too), got ${code(s)}.`,
  );
}

function checkLimit(min: number, max: number) {
  return (s: string): Checked<number> => {
    const v = s.trim();
    const n = /^\d{1,6}$/.test(v) ? Number(v) : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return good(n);
    return bad(`\`--limit\` must be a whole number from ${min} to ${max}, got ${code(s)}.`);
  };
}

function checkDuration(label: string) {
  return (s: string): Checked<number> => {
    const r = parseDuration(s, label);
    return r.ok ? good(r.ms) : bad(r.error);
  };
}

function checkKmsKey(s: string): Checked<string> {
  const v = s.trim();
  const lower = /^arn:|^alias\//.test(v) ? v : v.toLowerCase();
  if (KMS_KEY_RES.some((re) => re.test(lower))) return good(lower);
  const hint =
    /^[a-zA-Z0-9/_-]{1,250}$/.test(v) && !/^[0-9a-f-]{20,}$/i.test(v) ? ` Did you mean \`alias/${v}\`?` : '';
  return bad(
    `\`--kms-key\` must be a KMS key id, a key ARN, \`alias/<name>\` or an alias ARN, got ${code(s)}.${hint}`,
  );
}

function checkImageName(s: string): Checked<string> {
  const v = s.trim().replace(/[\u2018\u2019]/g, "'");
  if (IMAGE_NAME_RE.test(v)) return good(v);
  if (v.length < 3 || v.length > 128) {
    return bad(`\`--name\` must be 3 to 128 characters long, got ${v.length}.`);
  }
  const odd = [...new Set([...v].filter((c) => !/[A-Za-z0-9()[\] ./'@_-]/.test(c)))].join(' ');
  return bad(
    `\`--name\` may only use letters, digits, spaces and ( ) [ ] . / - ' @ _ — ${code(s)} contains ${code(odd)}.`,
  );
}

function checkShareTarget(s: string): Checked<ShareTarget> {
  const v = normaliseAccountId(s);
  const lower = v.toLowerCase();
  if (lower === 'all' || lower === 'public') return good({ kind: 'public' });
  if (ACCOUNT_ID_RE.test(v)) return good({ kind: 'account', accountId: v });
  if (ORG_ARN_RE.test(v)) return good({ kind: 'organization', arn: v });
  if (OU_ARN_RE.test(v)) return good({ kind: 'ou', arn: v });
  const why = /^\d+$/.test(v)
    ? ` (it has ${v.length} digits, an account id has 12)`
    : /^arn:/.test(v)
      ? ' (that ARN is not an organization or OU ARN)'
      : '';
  return bad(
    `\`--with\` takes 12-digit account ids, organization or OU ARNs, or \`all\` for public; ${code(s)} is none of those${why}.`,
  );
}

function checkRequestId(cmd: Subcommand) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (REQUEST_ID_RE.test(v)) return good(v);
    if (IMAGE_ID_RE.test(v)) {
      return bad(
        `\`${cmd}\` needs a request id like \`req-k3j9x0a2b1\`, not an image id. \`/ami requests\` lists yours.`,
      );
    }
    return bad(`\`${cmd}\` needs a request id like \`req-k3j9x0a2b1\`, got ${code(s)}.`);
  };
}

// ---------------------------------------------------------------------------------------------
// Positional arguments

function noArgs(cmd: Subcommand) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx) => {
      if (args.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes no words, but got ${code(args.join(' '))}.`,
        });
        return z.NEVER;
      }
      return undefined;
    });
}

function oneArg<T>(cmd: Subcommand, what: string, missing: string, check: (s: string) => Checked<T>) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx): T => {
      const first = args[0];
      if (first === undefined) {
        ctx.addIssue({ code: 'custom', message: missing });
        return z.NEVER;
      }
      const r = check(first);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      if (args.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes one ${what}; I don't know what to do with ${code(args.slice(1).join(' '))}.`,
        });
      }
      return r.ok && args.length === 1 ? r.value : z.NEVER;
    });
}

function imageArg(cmd: Subcommand) {
  return oneArg(cmd, 'image id', `\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}.`, checkImageId(cmd));
}

function optionalArg<T>(cmd: Subcommand, what: string, check: (s: string) => Checked<T>) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx): T | undefined => {
      const first = args[0];
      if (first === undefined) return undefined;
      const r = check(first);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      if (args.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes at most one ${what}; I don't know what to do with ${code(args.slice(1).join(' '))}.`,
        });
      }
      return r.ok && args.length === 1 ? r.value : z.NEVER;
    });
}

// ---------------------------------------------------------------------------------------------
// Shared flag fields

const region = field(checkRegion('`--region`')).optional();
const account = field(checkAccount('`--account`')).optional();
const flag = z.boolean().default(false);

function limit(min: number, max: number, dflt: number) {
  return field(checkLimit(min, max)).optional().default(dflt);
}

function targetsList(label: string, missing: string | undefined) {
  return z
    .array(z.string(), { error: missing ?? 'A list is missing.' })
    .transform((items, ctx): ShareTarget[] => {
      if (items.length === 0) {
        ctx.addIssue({ code: 'custom', message: `${label} needs at least one target.` });
        return z.NEVER;
      }
      const out = new Map<string, ShareTarget>();
      for (const item of items) {
        const r = checkShareTarget(item);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
        else out.set(JSON.stringify(r.value), r.value);
      }
      return [...out.values()];
    });
}

function whenField(cmd: 'deprecate' | 'expire') {
  return z.object({ at: z.string().optional(), in: z.string().optional() }).transform((w, ctx): When => {
    if (w.at !== undefined && w.in !== undefined) {
      ctx.addIssue({ code: 'custom', message: `Give \`${cmd}\` either \`--at\` or \`--in\`, not both.` });
      return z.NEVER;
    }
    if (w.at !== undefined) {
      const r = parseDate(w.at, '`--at`');
      if (r.ok) return { kind: 'at', iso: r.iso };
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    if (w.in !== undefined) {
      const r = parseDuration(w.in, '`--in`');
      if (r.ok) return { kind: 'in', ms: r.ms };
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    ctx.addIssue({
      code: 'custom',
      message: `\`${cmd}\` needs a time: \`--at 2025-06-30\` (a date) or \`--in 30d\` (from now).`,
    });
    return z.NEVER;
  });
}

/** Drops keys whose value is `undefined`, so commands carry only what was given. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Subcommand schemas. Input: `{ name, args: positional words, <flag-name>: value | list | boolean }`
// as produced by `rawInput`; output: the typed command.

const helpSchema = z
  .object({
    name: z.literal('help'),
    args: optionalArg('help', 'topic', (s): Checked<Subcommand> => {
      const v = s.trim().toLowerCase();
      if (isSubcommand(v)) return good(v);
      const hint = suggestSubcommand(v);
      return bad(
        `There is no help topic ${code(s)}.${hint ? ` Did you mean \`${hint}\`?` : ''} Topics: ${SUBCOMMANDS.map((t) => `\`${t}\``).join(', ')}.`,
      );
    }),
  })
  .transform((o): HelpCommand => compact({ name: 'help', topic: o.args }));

const findSchema = z
  .object({
    name: z.literal('find'),
    args: z.array(z.string()).default([]),
    region,
    owner: field(checkOwner).optional(),
    arch: field(checkArch).optional(),
    limit: limit(1, 20, 5),
    'include-deprecated': flag,
    account,
  })
  .transform((o, ctx): FindCommand => {
    const words = o.args.map((w) => w.trim()).filter((w) => w !== '');
    if (words.length === 0 && o.owner === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Tell `find` what to look for, like `/ami find ubuntu 24.04 arm64`, or give `--owner`.',
      });
      return z.NEVER;
    }
    return compact({
      name: 'find',
      words,
      region: o.region,
      owner: o.owner,
      arch: o.arch,
      limit: o.limit,
      includeDeprecated: o['include-deprecated'],
      account: o.account,
    });
  });

function onImageSchema<N extends 'show' | 'undeprecate' | 'disable' | 'enable'>(name: N) {
  return z
    .object({ name: z.literal(name), args: imageArg(name), region, account })
    .transform((o) => compact({ name, imageId: o.args, region: o.region, account: o.account }));
}

const showSchema = onImageSchema('show');
const undeprecateSchema = onImageSchema('undeprecate');
const disableSchema = onImageSchema('disable');
const enableSchema = onImageSchema('enable');

const listSchema = z
  .object({
    name: z.literal('list'),
    args: noArgs('list'),
    region,
    account,
    'older-than': field(checkDuration('`--older-than`')).optional(),
    tag: z
      .array(z.string())
      .default([])
      .transform((items, ctx) => {
        // A Map, then fromEntries: a tag key such as `__proto__` stays an ordinary own key.
        const tags = new Map<string, string>();
        for (const item of items) {
          const eq = item.indexOf('=');
          const key = eq > 0 ? item.slice(0, eq).trim() : '';
          if (key === '' || key.length > 128 || item.length - eq - 1 > 256) {
            ctx.addIssue({
              code: 'custom',
              message: `\`--tag\` must look like \`key=value\` (for example \`--tag team=web\`), got ${code(item)}.`,
            });
            continue;
          }
          tags.set(key, item.slice(eq + 1).trim());
        }
        return Object.fromEntries(tags) as Record<string, string>;
      }),
    limit: limit(1, 100, 25),
  })
  .transform(
    (o): ListCommand =>
      compact({
        name: 'list',
        region: o.region,
        account: o.account,
        olderThanMs: o['older-than'],
        tags: o.tag,
        limit: o.limit,
      }),
  );

const copySchema = z
  .object({
    name: z.literal('copy'),
    args: imageArg('copy'),
    to: z
      .array(z.string(), {
        error: '`copy` needs `--to` with the destination region(s), like `--to eu-west-1,us-west-2`.',
      })
      .transform((items, ctx): string[] => {
        const out: string[] = [];
        for (const item of items) {
          const r = checkRegion('`--to`')(item);
          if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
          else if (!out.includes(r.value)) out.push(r.value);
        }
        if (items.length === 0) {
          ctx.addIssue({
            code: 'custom',
            message: '`--to` needs at least one region, like `--to eu-west-1`.',
          });
        } else if (out.length > 10) {
          ctx.addIssue({
            code: 'custom',
            message: `\`--to\` can name at most 10 regions, got ${out.length}.`,
          });
        }
        return out;
      }),
    region,
    account,
    name_: field(checkImageName).optional(),
    encrypt: flag,
    'kms-key': field(checkKmsKey).optional(),
    'with-permissions': flag,
  })
  .transform(
    (o): CopyCommand =>
      compact({
        name: 'copy',
        imageId: o.args,
        toRegions: o.to,
        region: o.region,
        account: o.account,
        newName: o.name_,
        encrypt: o.encrypt || o['kms-key'] !== undefined,
        kmsKeyId: o['kms-key'],
        withPermissions: o['with-permissions'],
      }),
  );

const encryptSchema = z
  .object({
    name: z.literal('encrypt'),
    args: imageArg('encrypt'),
    'kms-key': field(checkKmsKey).optional(),
    region,
    account,
    replace: flag,
  })
  .transform(
    (o): EncryptCommand =>
      compact({
        name: 'encrypt',
        imageId: o.args,
        kmsKeyId: o['kms-key'],
        region: o.region,
        account: o.account,
        replace: o.replace,
      }),
  );

const scanSchema = z
  .object({ name: z.literal('scan'), args: imageArg('scan'), region, account, deep: flag })
  .transform(
    (o): ScanCommand =>
      compact({ name: 'scan', imageId: o.args, region: o.region, account: o.account, deep: o.deep }),
  );

const shareSchema = z
  .object({
    name: z.literal('share'),
    args: imageArg('share'),
    with: targetsList(
      '`--with`',
      '`share` needs `--with` and who to share with: account ids, organization/OU ARNs, or `all` for public.',
    ),
    region,
    account,
  })
  .transform(
    (o): ShareCommand =>
      compact({ name: 'share', imageId: o.args, targets: o.with, region: o.region, account: o.account }),
  );

const unshareSchema = z
  .object({
    name: z.literal('unshare'),
    args: imageArg('unshare'),
    with: targetsList('`--with`', undefined).optional(),
    all: flag,
    region,
    account,
  })
  .transform((o, ctx): UnshareCommand => {
    if ((o.with === undefined) === !o.all) {
      ctx.addIssue({
        code: 'custom',
        message: o.all
          ? 'Give `unshare` either `--with <targets>` or `--all`, not both.'
          : '`unshare` needs `--with <targets>` (who to remove) or `--all` (remove every launch permission).',
      });
      return z.NEVER;
    }
    return compact({
      name: 'unshare',
      imageId: o.args,
      targets: o.all ? 'all' : (o.with ?? []),
      region: o.region,
      account: o.account,
    });
  });

function whenSchema<N extends 'deprecate' | 'expire'>(name: N) {
  return z
    .object({ name: z.literal(name), args: imageArg(name), when: whenField(name), region, account })
    .transform((o) => compact({ name, imageId: o.args, when: o.when, region: o.region, account: o.account }));
}

const deprecateSchema = whenSchema('deprecate');
const expireSchema = whenSchema('expire');

const deregisterSchema = z
  .object({
    name: z.literal('deregister'),
    args: imageArg('deregister'),
    'keep-snapshots': flag,
    force: flag,
    region,
    account,
  })
  .transform(
    (o): DeregisterCommand =>
      compact({
        name: 'deregister',
        imageId: o.args,
        keepSnapshots: o['keep-snapshots'],
        force: o.force,
        region: o.region,
        account: o.account,
      }),
  );

const requestsSchema = z
  .object({ name: z.literal('requests'), args: noArgs('requests'), all: flag })
  .transform((o): RequestsCommand => ({ name: 'requests', all: o.all }));

const jobsSchema = z
  .object({ name: z.literal('jobs'), args: noArgs('jobs') })
  .transform((): JobsCommand => ({ name: 'jobs' }));

const cancelSchema = z
  .object({
    name: z.literal('cancel'),
    args: oneArg(
      'cancel',
      'request id',
      '`cancel` needs a request id like `req-k3j9x0a2b1`. `/ami requests` lists yours.',
      checkRequestId('cancel'),
    ),
  })
  .transform((o): CancelCommand => ({ name: 'cancel', requestId: o.args }));

const auditSchema = z
  .object({
    name: z.literal('audit'),
    args: optionalArg('audit', 'image id or request id', (s): Checked<string> => {
      const v = s.trim().toLowerCase();
      if (IMAGE_ID_RE.test(v) || REQUEST_ID_RE.test(v)) return good(v);
      return bad(
        `\`audit\` takes an image id like ${IMAGE_EXAMPLE} or a request id like \`req-k3j9x0a2b1\`, got ${code(s)}.`,
      );
    }),
    limit: limit(1, 50, 20),
  })
  .transform((o): AuditCommand => compact({ name: 'audit', target: o.args, limit: o.limit }));

const expiringSchema = z
  .object({
    name: z.literal('expiring'),
    args: noArgs('expiring'),
    within: field(checkDuration('`--within`'))
      .optional()
      .transform((ms) => ms ?? 30 * DAY_MS),
    account,
    region,
  })
  .transform(
    (o): ExpiringCommand =>
      compact({ name: 'expiring', withinMs: o.within, account: o.account, region: o.region }),
  );

/** Each subcommand's schema: raw input (see `rawInput`) → typed command. */
export const COMMAND_SCHEMAS: { [N in Subcommand]: z.ZodType<CommandOf<N>> } = {
  help: helpSchema,
  find: findSchema,
  show: showSchema,
  list: listSchema,
  copy: copySchema,
  encrypt: encryptSchema,
  scan: scanSchema,
  share: shareSchema,
  unshare: unshareSchema,
  deprecate: deprecateSchema,
  undeprecate: undeprecateSchema,
  disable: disableSchema,
  enable: enableSchema,
  expire: expireSchema,
  deregister: deregisterSchema,
  requests: requestsSchema,
  jobs: jobsSchema,
  cancel: cancelSchema,
  audit: auditSchema,
  expiring: expiringSchema,
};

// ---------------------------------------------------------------------------------------------
// Flag specs

const WHERE_FLAGS: FlagSpec = { region: 'value', account: 'value' };

export const FLAGS: Record<Subcommand, FlagSpec> = {
  help: {},
  find: {
    ...WHERE_FLAGS,
    owner: 'value',
    arch: 'value',
    limit: 'value',
    'include-deprecated': 'boolean',
  },
  show: WHERE_FLAGS,
  list: { ...WHERE_FLAGS, 'older-than': 'value', tag: 'multi', limit: 'value' },
  copy: {
    to: 'list',
    ...WHERE_FLAGS,
    name: 'value',
    encrypt: 'boolean',
    'kms-key': 'value',
    'with-permissions': 'boolean',
  },
  encrypt: { 'kms-key': 'value', replace: 'boolean', ...WHERE_FLAGS },
  scan: { deep: 'boolean', ...WHERE_FLAGS },
  share: { with: 'list', ...WHERE_FLAGS },
  unshare: { with: 'list', all: 'boolean', ...WHERE_FLAGS },
  deprecate: { at: 'value', in: 'value', ...WHERE_FLAGS },
  undeprecate: WHERE_FLAGS,
  disable: WHERE_FLAGS,
  enable: WHERE_FLAGS,
  expire: { at: 'value', in: 'value', ...WHERE_FLAGS },
  deregister: { 'keep-snapshots': 'boolean', force: 'boolean', ...WHERE_FLAGS },
  requests: { all: 'boolean' },
  jobs: {},
  cancel: {},
  audit: { limit: 'value' },
  expiring: { within: 'value', ...WHERE_FLAGS },
};

const FLAG_EXAMPLES: Record<string, string> = {
  region: 'us-east-1',
  account: 'prod',
  owner: 'canonical',
  arch: 'arm64',
  limit: '10',
  'older-than': '90d',
  tag: 'team=web',
  to: 'eu-west-1,us-west-2',
  name: '"web base 2025-01"',
  'kms-key': 'alias/ami-copies',
  with: '123456789012',
  at: '2025-06-30',
  in: '30d',
  within: '14d',
};

/** Flags that take a value in some subcommand: used to find the subcommand word past them. */
const VALUE_FLAGS = new Set(
  Object.values(FLAGS).flatMap((spec) =>
    Object.entries(spec)
      .filter(([, k]) => k !== 'boolean')
      .map(([n]) => n),
  ),
);

/** Maps parsed args onto the raw input of a subcommand's schema. */
export function rawInput(name: Subcommand, args: ParsedArgs): Record<string, unknown> {
  const raw: Record<string, unknown> = { name, args: args.positionals };
  const spec = FLAGS[name];
  for (const [flagName, kind] of Object.entries(spec)) {
    const key = name === 'copy' && flagName === 'name' ? 'name_' : flagName;
    if (kind === 'value' && args.values[flagName] !== undefined) raw[key] = args.values[flagName];
    if (kind === 'list' && args.lists[flagName] !== undefined) raw[key] = args.lists[flagName];
    if (kind === 'multi' && args.multis[flagName] !== undefined) raw[key] = args.multis[flagName];
    if (kind === 'boolean' && args.booleans[flagName] !== undefined) raw[key] = args.booleans[flagName];
  }
  if (name === 'deprecate' || name === 'expire') {
    raw['when'] = { at: raw['at'], in: raw['in'] };
    delete raw['at'];
    delete raw['in'];
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// parseCommand

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
