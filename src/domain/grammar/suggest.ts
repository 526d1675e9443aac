/**
 * "Did you mean …?": edit distance, the closest candidate, and the words people reach for that
 * are not subcommands. Only ever used to suggest; nothing here is accepted as input.
 */
import { own } from '../own.js';
import { isSubcommand, SUBCOMMANDS, type Subcommand } from './types.js';

/** Real regions, used only to suggest a fix for a typo; any region matching `REGION_RE` (ids.ts) is accepted. */
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
export function suggestSubcommand(word: string): Subcommand | undefined {
  const synonym = own(SUBCOMMAND_SYNONYMS, word);
  if (synonym) return synonym;
  const hint = suggest(word, [...SUBCOMMANDS, ...Object.keys(SUBCOMMAND_SYNONYMS)]);
  if (hint === undefined) return undefined;
  return isSubcommand(hint) ? hint : own(SUBCOMMAND_SYNONYMS, hint);
}
