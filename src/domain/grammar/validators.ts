/**
 * Field checks: each takes the text of one word or flag value and returns the normalised value
 * or the complete error sentence (`Checked<T>`). The formats themselves are in `../ids.ts` and
 * the architecture words in `../arch.ts`; what is here is how the grammar reads and explains them.
 */
import { type Arch, archOfWord } from '../arch.js';
import { parseDate, parseDuration } from '../duration.js';
import {
  isAccountAlias,
  isAccountId,
  isFindingId,
  isImageId,
  isKmsKeyRef,
  isOrgArn,
  isOuArn,
  isRegion,
  isRequestId,
} from '../ids.js';
import { KNOWN_REGIONS, suggest, suggestSubcommand } from './suggest.js';
import { isSubcommand, type ShareTarget, SUBCOMMANDS, type Subcommand } from './types.js';

/** EC2's rule for AMI names: 3–128 of letters, digits, ( ) [ ] space . / - ' @ _ */
export const IMAGE_NAME_RE = /^[A-Za-z0-9()[\] ./'@_-]{3,128}$/;

/** The `--owner` keywords `find` knows (find-query.ts maps them to EC2 owner values). */
export const OWNER_KEYWORDS = [
  'amazon',
  'canonical',
  'debian',
  'redhat',
  'microsoft',
  'self',
  'aws-marketplace',
] as const;

/** What the user typed, quoted as code in an error message (shortened, backticks defused). */
export function code(text: string): string {
  const t = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return `\`${t.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

/** A checked value, or the complete error sentence to show. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
const good = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (error: string): Checked<never> => ({ ok: false, error });

export const IMAGE_EXAMPLE = '`ami-0abc1234def567890`';
const REQUEST_EXAMPLE = '`req-k3j9x0a2b1`';

export function checkImageId(cmd: Subcommand) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (isImageId(v)) return good(v);
    if (isRequestId(v)) {
      return bad(`\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}; ${code(s)} is a request id.`);
    }
    return bad(`\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}, got ${code(s)}.`);
  };
}

export function checkRegion(label: string) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (isRegion(v)) return good(v);
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

export function checkAccount(label: string) {
  return (s: string): Checked<string> => {
    const v = normaliseAccountId(s);
    if (/^\d+$/.test(v) && v.length !== 12) {
      return bad(
        `${label} must be an account alias or a 12-digit account id; ${code(s)} has ${v.length} digits.`,
      );
    }
    if (isAccountAlias(v)) return good(/^\d+$/.test(v) ? v : v.toLowerCase());
    return bad(`${label} must be an account alias like \`prod\` or a 12-digit account id, got ${code(s)}.`);
  };
}

export function checkOwner(s: string): Checked<string> {
  const v = normaliseAccountId(s).toLowerCase();
  if ((OWNER_KEYWORDS as readonly string[]).includes(v) || isAccountId(v)) return good(v);
  const hint = suggest(v, OWNER_KEYWORDS);
  return bad(
    `\`--owner\` must be one of ${OWNER_KEYWORDS.map((o) => `\`${o}\``).join(', ')} or a 12-digit account id, got ${code(s)}.` +
      (hint ? ` Did you mean \`${hint}\`?` : ''),
  );
}

/** `--arch`: any word of the architecture table (arch.ts), the same words `find` understands. */
export function checkArch(s: string): Checked<Arch> {
  const v = archOfWord(s);
  if (v) return good(v);
  return bad(
    `\`--arch\` must be \`x86_64\` or \`arm64\` (\`amd64\` and \`aarch64\` work too), got ${code(s)}.`,
  );
}

export function checkLimit(min: number, max: number) {
  return (s: string): Checked<number> => {
    const v = s.trim();
    const n = /^\d{1,6}$/.test(v) ? Number(v) : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return good(n);
    return bad(`\`--limit\` must be a whole number from ${min} to ${max}, got ${code(s)}.`);
  };
}

export function checkDuration(label: string) {
  return (s: string): Checked<number> => {
    const r = parseDuration(s, label);
    return r.ok ? good(r.ms) : bad(r.error);
  };
}

export function checkKmsKey(s: string): Checked<string> {
  const v = s.trim();
  const lower = /^arn:|^alias\//.test(v) ? v : v.toLowerCase();
  if (isKmsKeyRef(lower)) return good(lower);
  const hint =
    /^[a-zA-Z0-9/_-]{1,250}$/.test(v) && !/^[0-9a-f-]{20,}$/i.test(v) ? ` Did you mean \`alias/${v}\`?` : '';
  return bad(
    `\`--kms-key\` must be a KMS key id, a key ARN, \`alias/<name>\` or an alias ARN, got ${code(s)}.${hint}`,
  );
}

export function checkImageName(s: string): Checked<string> {
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

export function checkShareTarget(s: string): Checked<ShareTarget> {
  const v = normaliseAccountId(s);
  const lower = v.toLowerCase();
  if (lower === 'all' || lower === 'public') return good({ kind: 'public' });
  if (isAccountId(v)) return good({ kind: 'account', accountId: v });
  if (isOrgArn(v)) return good({ kind: 'organization', arn: v });
  if (isOuArn(v)) return good({ kind: 'ou', arn: v });
  const why = /^\d+$/.test(v)
    ? ` (it has ${v.length} digits, an account id has 12)`
    : /^arn:/.test(v)
      ? ' (that ARN is not an organization or OU ARN)'
      : '';
  return bad(
    `\`--with\` takes 12-digit account ids, organization or OU ARNs, or \`all\` for public; ${code(s)} is none of those${why}.`,
  );
}

/** A golden-image family name (`--as`, `golden`, `rollback`): lower-case letters, digits and "-". */
export function checkFamily(s: string): Checked<string> {
  const v = s.trim().toLowerCase();
  if (/^[a-z0-9][a-z0-9-]{0,47}$/.test(v)) return good(v);
  return bad(
    `${code(s)} is not a family name; families look like \`web-base\` (\`/ami golden\` lists them).`,
  );
}

/** The account of `why --for`: a 12-digit account id. */
export function checkForAccount(s: string): Checked<string> {
  const v = normaliseAccountId(s);
  if (isAccountId(v)) return good(v);
  return bad(
    `\`--for\` takes the 12-digit id of the account that cannot launch the image; ${code(s)} is not one.`,
  );
}

export function checkRequestId(cmd: Subcommand) {
  return (s: string): Checked<string> => {
    const v = s.trim().toLowerCase();
    if (isRequestId(v)) return good(v);
    if (isImageId(v)) {
      return bad(
        `\`${cmd}\` needs a request id like ${REQUEST_EXAMPLE}, not an image id. \`/ami requests\` lists yours.`,
      );
    }
    return bad(`\`${cmd}\` needs a request id like ${REQUEST_EXAMPLE}, got ${code(s)}.`);
  };
}

/** `audit`'s optional target: an image id or a request id. */
export function checkAuditTarget(s: string): Checked<string> {
  const v = s.trim().toLowerCase();
  if (isImageId(v) || isRequestId(v)) return good(v);
  return bad(
    `\`audit\` takes an image id like ${IMAGE_EXAMPLE} or a request id like ${REQUEST_EXAMPLE}, got ${code(s)}.`,
  );
}

/** `help`'s optional topic: a subcommand. */
export function checkHelpTopic(s: string): Checked<Subcommand> {
  const v = s.trim().toLowerCase();
  if (isSubcommand(v)) return good(v);
  const hint = suggestSubcommand(v);
  return bad(
    `There is no help topic ${code(s)}.${hint ? ` Did you mean \`${hint}\`?` : ''} Topics: ${SUBCOMMANDS.map((t) => `\`${t}\``).join(', ')}.`,
  );
}

/** `access --with`: the one account id being offboarded (12 digits; `1234-5678-9012` works too). */
export function checkOffboardAccount(s: string): Checked<string> {
  const v = normaliseAccountId(s);
  if (isAccountId(v)) return good(v);
  const why = /^\d+$/.test(v) ? ` (it has ${v.length} digits, an account id has 12)` : '';
  return bad(
    `\`--with\` takes the 12-digit id of the account whose access to check, like \`123456789012\`; ${code(s)} is not one${why}.`,
  );
}

/** `waive`'s finding: an id as the scan report shows it. */
export function checkFindingId(s: string): Checked<string> {
  const v = s.trim();
  if (isImageId(v.toLowerCase())) {
    return bad(
      '`waive` takes the image id first, then the finding id: `/ami waive ami-… unencrypted-snapshot …`.',
    );
  }
  if (isFindingId(v)) return good(v);
  return bad(
    `\`waive\` needs a finding id as the scan report shows it (like \`unencrypted-snapshot\` or \`CVE-2026-12345\`), got ${code(s)}.`,
  );
}

/** `--until`: a date (the waiver ends at 00:00 UTC that day) or a timestamp. */
export function checkUntil(s: string): Checked<string> {
  const r = parseDate(s, '`--until`');
  if (r.ok) return good(r.iso);
  if (/^\s*\d+\s*[a-z]+\s*$/i.test(s) && parseDuration(s, '`--until`').ok) {
    return bad(`\`--until\` takes a date like \`2026-12-31\`, not a duration; got ${code(s)}.`);
  }
  return bad(r.error);
}

export const REASON_MAX = 500;

/** `--reason`: why the finding is accepted, for the approvers and the record (3–500 characters). */
export function checkReason(s: string): Checked<string> {
  const v = s.replace(/\s+/g, ' ').trim();
  if (v.length < 3) {
    return bad(
      '`--reason` must say why the finding is accepted (at least 3 characters), in quotes: `--reason "fix ships with the next base image"`.',
    );
  }
  if (v.length > REASON_MAX)
    return bad(`\`--reason\` must be at most ${REASON_MAX} characters, got ${v.length}.`);
  return good(v);
}
