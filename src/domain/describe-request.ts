/**
 * Requests in words (Slack mrkdwn): what a request will change, its state with an emoji, mentions
 * and relative times. Pure; every string returned is escaped and bounded in length.
 */
import { formatDate, formatDateTime } from './age.js';
import { formatDuration } from './duration.js';
import type { ShareTarget } from './grammar/index.js';
import type { AmiRequest, RequestState } from './request.js';
import { noun } from './words.js';

// ---------------------------------------------------------------------------------------------
// Escaping (mirrors blocks/message.ts, which the domain layer does not import)

function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

function escText(s: string, max = 200): string {
  return cut(s, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function codeText(s: string, max = 200): string {
  return '`' + escText(s, max).replace(/`/g, 'ˋ') + '`';
}

function boldText(s: string, max = 200): string {
  return `*${escText(s, max).replace(/\*/g, '∗')}*`;
}

// ---------------------------------------------------------------------------------------------
// Mentions and times

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** `<@U123>` for a Slack user id, `<!subteam^S123>` for a group, `*` → `everyone`, else the text escaped. */
export function userMention(id: string): string {
  if (USER_ID.test(id)) return `<@${id}>`;
  if (GROUP_ID.test(id)) return `<!subteam^${id}>`;
  if (id === '*') return 'everyone';
  return escText(id, 64);
}

/** `<#C123>` for a channel id, else the text escaped. */
export function channelMention(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : escText(id, 64);
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A span as `less than a minute`, `12 min`, `23 h`, `3 days` (rounded down). */
export function formatSpan(ms: number): string {
  const a = Math.abs(ms);
  if (a < MINUTE_MS) return 'less than a minute';
  if (a < HOUR_MS) return `${Math.floor(a / MINUTE_MS)} min`;
  if (a < 48 * HOUR_MS) return `${Math.floor(a / HOUR_MS)} h`;
  const d = Math.floor(a / DAY_MS);
  return `${d} days`;
}

/** `just now`, `5 min ago`, `3 h ago`, `4 days ago`; `in 2 h` for the future; `at an unknown time`. */
export function relativeTime(iso: string, now: Date): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'at an unknown time';
  const ms = now.getTime() - t;
  if (Math.abs(ms) < MINUTE_MS) return 'just now';
  return ms > 0 ? `${formatSpan(ms)} ago` : `in ${formatSpan(ms)}`;
}

// ---------------------------------------------------------------------------------------------
// States

export const STATE_EMOJI: Record<RequestState, string> = {
  pending: '⏳',
  approved: '👍',
  queued: '📥',
  running: '🏃',
  succeeded: '✅',
  failed: '❌',
  rejected: '🚫',
  expired: '⌛',
  cancelled: '🛑',
};

/** `⏳ pending`, `✅ succeeded`, … */
export function stateLabel(state: RequestState): string {
  return `${STATE_EMOJI[state] ?? '❔'} ${state}`;
}

// ---------------------------------------------------------------------------------------------
// Operations

/** What a request acts on, in plain words: its image id, or for a batch its summary. */
export function requestSubject(request: Pick<AmiRequest, 'imageId' | 'image' | 'kind'>): string {
  return request.kind === 'prune' || request.kind === 'delete-snapshots' || request.kind === 'revoke-sharing'
    ? request.image.name
    : request.imageId;
}

/** `` `ami-0abc` (*team-base*) `` — the image as the request saw it. */
export function imageLabel(request: Pick<AmiRequest, 'imageId' | 'image'>): string {
  const name = request.image?.name?.trim();
  return name ? `${codeText(request.imageId, 64)} (${boldText(name, 128)})` : codeText(request.imageId, 64);
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The `o-…` / `ou-…` part of an organization or OU ARN (the ARN itself when it has none). */
function orgPart(arn: string, re: RegExp): string {
  return re.exec(arn)?.[0] ?? arn;
}

const MAX_LISTED = 10;

function listed(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => codeText(v, 80));
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : joinAnd(shown);
}

/** `account `1`, accounts `1` and `2`, organization `o-…`, OU `ou-…` and everyone (public)`. */
export function describeTargets(targets: readonly ShareTarget[]): string {
  const accounts: string[] = [];
  const orgs: string[] = [];
  const ous: string[] = [];
  let pub = false;
  for (const t of targets) {
    if (t.kind === 'account') accounts.push(t.accountId);
    else if (t.kind === 'organization') orgs.push(orgPart(t.arn, /o-[a-z0-9]+$/));
    else if (t.kind === 'ou') ous.push(orgPart(t.arn, /ou-[a-z0-9]+-[a-z0-9]+$/));
    else pub = true;
  }
  const parts: string[] = [];
  if (accounts.length > 0) parts.push(`${noun(accounts.length, 'account', 'accounts')} ${listed(accounts)}`);
  if (orgs.length > 0) parts.push(`${noun(orgs.length, 'organization', 'organizations')} ${listed(orgs)}`);
  if (ous.length > 0) parts.push(`${noun(ous.length, 'OU', 'OUs')} ${listed(ous)}`);
  if (pub) parts.push('*everyone* (public)');
  return parts.length > 0 ? joinAnd(parts) : 'nobody';
}

function keyPhrase(kmsKeyId: string | undefined): string {
  return kmsKeyId ? `encrypted with ${codeText(kmsKeyId, 120)}` : 'encrypted with the default EBS key';
}

export interface DescribeOptions {
  /** For `deregister`: how many snapshots the image has (the request does not record it). */
  snapshotCount?: number;
}

/**
 * One mrkdwn sentence (no final period) saying what the request will change, e.g.
 * "Share `ami-…` (*team-base*) with account `222222222222` and organization `o-abc…`".
 */
export function describeOperation(request: AmiRequest, opts: DescribeOptions = {}): string {
  const img = imageLabel(request);
  const region = codeText(request.region, 40);
  const p = request.params;
  switch (p.kind) {
    case 'share':
      return `Share ${img} with ${describeTargets(p.targets)}`;
    case 'unshare':
      return p.targets === 'all'
        ? `Remove every launch permission of ${img}, public included`
        : `Stop sharing ${img} with ${describeTargets(p.targets)}`;
    case 'deprecate':
      return `Deprecate ${img} at ${escText(formatDateTime(p.deprecateAt), 40)}`;
    case 'undeprecate':
      return `Cancel the deprecation of ${img}`;
    case 'disable':
      return `Disable ${img} (nobody can launch it until it is enabled again)`;
    case 'enable':
      return `Re-enable ${img}`;
    case 'expire':
      return `Set expiry tag ${codeText(p.tagKey, 128)} of ${img} to ${escText(formatDate(p.expiresAt), 40)}`;
    case 'deregister': {
      const n = opts.snapshotCount;
      const snaps = n === undefined ? 'its snapshots' : `its ${n} ${noun(n, 'snapshot', 'snapshots')}`;
      const what = p.keepSnapshots ? `and keep ${snaps}` : `and delete ${snaps}`;
      return `Deregister ${img} ${what}${p.force ? ' (even if instances still use it)' : ''}`;
    }
    case 'copy': {
      const to = listed(p.toRegions);
      const extras = [
        p.encrypt ? keyPhrase(p.kmsKeyId) : undefined,
        p.newName ? `named ${boldText(p.newName, 128)}` : undefined,
        p.withPermissions ? 'with its launch permissions' : undefined,
      ].filter((s): s is string => s !== undefined);
      return `Copy ${img} from ${region} to ${to}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}`;
    }
    case 'encrypt':
      return p.replace
        ? `Encrypt ${img} in ${region} in place of the original, ${keyPhrase(p.kmsKeyId)}, with the original’s launch permissions (the unencrypted original is deregistered after, unless something still uses it)`
        : `Make an encrypted copy of ${img} in ${region}, ${keyPhrase(p.kmsKeyId)}`;
    case 'prune': {
      const older =
        p.olderThanMs !== undefined ? `, older than ${escText(formatDuration(p.olderThanMs), 40)}` : '';
      const n = p.images.length;
      return `Prune family ${codeText(p.family, 140)} in ${region}: deregister ${n} ${noun(n, 'image', 'images')} beyond the newest ${p.keep}${older}, and delete their snapshots (unless another image uses them)`;
    }
    case 'delete-snapshots': {
      const n = p.snapshots.length;
      return `Delete ${n} orphaned ${noun(n, 'snapshot', 'snapshots')} in ${region} that no image uses`;
    }
    case 'promote':
      return `Promote ${img} to golden-image family ${codeText(p.family, 60)} in ${listed(p.regions.map((r) => r.region))}`;
    case 'rollback':
      return `Roll golden-image family ${codeText(p.family, 60)} back to its previous image in ${listed(p.regions.map((r) => r.region))} (current image ${img})`;
    case 'revoke-sharing': {
      const n = p.images.length;
      const regions = listed([...new Set(p.images.map((i) => i.region))]);
      const what = p.offboard
        ? `Stop sharing ${n} ${noun(n, 'image', 'images')} in ${regions} with account ${codeText(p.offboard, 20)}${p.images.some((i) => i.remove.public || i.remove.organizations.length + i.remove.organizationalUnits.length > 0 || i.remove.accounts.some((a) => a !== p.offboard)) ? ', and remove the shares outside the allowlist' : ''}`
        : `Remove the launch permissions outside the allowlist from ${n} ${noun(n, 'image', 'images')} in ${regions}`;
      return `${what} (each image is read again right before; only what is still there is removed)`;
    }
    case 'waive':
      return `Waive finding ${codeText(p.findingId, 200)} (${escText(p.severity, 10)}: ${escText(p.title, 300)}) of ${img} until ${escText(formatDateTime(p.until), 40)}, because: ${escText(p.reason, 500)}`;
    default:
      return `Change ${img}`;
  }
}

/**
 * Every launch permission the request will grant, one mrkdwn line each (no bullet), for `share`,
 * `copy --with-permissions` and `encrypt --replace`; undefined for requests that grant none.
 * Unlike {@link describeTargets}, nothing is left out: approvers see each account, organization and
 * OU. A public permission the policy keeps back is listed as not granted.
 */
export function grantLines(request: Pick<AmiRequest, 'params'>): string[] | undefined {
  const p = request.params;
  let accounts: readonly string[] = [];
  let orgs: readonly string[] = [];
  let ous: readonly string[] = [];
  let pub = false;
  let dropped = false;
  if (p.kind === 'share') {
    accounts = p.targets.flatMap((t) => (t.kind === 'account' ? [t.accountId] : []));
    orgs = p.targets.flatMap((t) => (t.kind === 'organization' ? [t.arn] : []));
    ous = p.targets.flatMap((t) => (t.kind === 'ou' ? [t.arn] : []));
    pub = p.targets.some((t) => t.kind === 'public');
  } else if ((p.kind === 'copy' && p.withPermissions) || (p.kind === 'encrypt' && p.replace)) {
    if (!p.grants) return undefined; // filed before grants were recorded
    ({ accounts, organizations: orgs, organizationalUnits: ous, public: pub } = p.grants.permissions);
    dropped = p.grants.publicDropped;
  } else {
    return undefined;
  }
  const lines = [
    ...accounts.map((a) => `account ${codeText(a, 20)}`),
    ...orgs.map((arn) => `organization ${codeText(orgPart(arn, /o-[a-z0-9]+$/), 80)}`),
    ...ous.map((arn) => `OU ${codeText(orgPart(arn, /ou-[a-z0-9]+-[a-z0-9]+$/), 80)}`),
    ...(pub ? ['*everyone* (public): any AWS account can launch it'] : []),
    ...(dropped ? ['~everyone (public)~ not granted: public sharing is off for this account'] : []),
  ];
  return lines.length > 0 ? lines : ['none: the source image is shared with nobody'];
}

/** The regions a request touches: `us-east-1`, or `us-east-1 → eu-west-1, eu-central-1` for copies. */
export function describeRegions(request: Pick<AmiRequest, 'region' | 'params'>): string {
  const from = codeText(request.region, 40);
  if (request.params.kind === 'promote')
    return `${from} → ${listed(request.params.regions.map((r) => r.region))}`;
  if (request.params.kind !== 'copy') return from;
  return `${from} → ${listed(request.params.toRegions)}`;
}
