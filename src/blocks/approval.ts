/**
 * The approval message of a request, posted in the account's approval channel and updated as the
 * request moves on (approvals, decision, progress, result). Approve / Reject buttons appear only
 * while the request is pending; their value is the request id and nothing else. Pure.
 */
import type { KnownBlock } from '@slack/types';
import { formatDateTime } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import {
  describeOperation,
  describeRegions,
  formatSpan,
  grantLines,
  relativeTime,
  requestSubject,
  STATE_EMOJI,
  userMention,
} from '../domain/describe-request.js';
import {
  type AmiRequest,
  type Decision,
  isBatch,
  type RegionProgress,
  type RequestState,
} from '../domain/request.js';
import { ACTION_IDS } from './actions.js';
import {
  actions,
  bold,
  button,
  code,
  context,
  esc,
  fields,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';
import { quote } from './mrkdwn.js';
import { promotionPlanBlocks, promotionProgressLines } from './promotion.js';
import { batchFields, batchProgressLine } from './prune-items.js';

export interface ApprovalMessageInput {
  request: AmiRequest;
  now: Date;
  /** Mrkdwn, e.g. `Approvers: <@U1>, <!subteam^S1>` (see {@link approverHint}). Shown while pending. */
  approverHint?: string;
  /** For `deregister` descriptions, when the caller knows it. */
  snapshotCount?: number;
}

/** Block ids of the approval message (stable, so handlers can find the buttons). */
export const APPROVAL_BLOCK_IDS = { actions: 'request_actions' } as const;

const TITLES: Record<RequestState, string> = {
  pending: 'Approval needed',
  approved: 'Approved',
  queued: 'Approved, queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/** `Approvers: <@U1>, <!subteam^S1>`; undefined when there are none. `*` reads "anyone but the requester". */
export function approverHint(approvers: readonly string[]): string | undefined {
  if (approvers.length === 0) return undefined;
  if (approvers.includes('*')) return 'Approvers: anyone but the requester';
  const shown = approvers.slice(0, 20).map(userMention);
  const more = approvers.length - shown.length;
  return `Approvers: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const BAR_CELLS = 8;

/** `▓▓▓▓░░░░ 50%` (clamped to 0–100; not a number counts as 0). */
export function progressBar(percent: number | undefined): string {
  const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, Math.round(percent as number))) : 0;
  const filled = Math.round((p / 100) * BAR_CELLS);
  return `${'▓'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${p}%`;
}

const PROGRESS_ICON: Record<RegionProgress['state'], string> = {
  queued: '📥',
  copying: '🔄',
  available: '✅',
  failed: '❌',
  cancelled: '🛑',
};

/** One line per destination region: `` `eu-west-1` 🔄 copying ▓▓▓▓░░░░ 50% → `ami-…` ``. */
export function progressLines(request: Pick<AmiRequest, 'params' | 'progress'>): string[] {
  if (request.params.kind === 'promote') return promotionProgressLines(request);
  const progress = request.progress ?? {};
  const keys = Object.keys(progress);
  const order = request.params.kind === 'copy' ? request.params.toRegions : [];
  keys.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib);
  });
  return keys.map((region) => {
    const p = progress[region]!;
    const icon = PROGRESS_ICON[p.state] ?? '❔';
    const parts = [`${code(region, 40)} ${icon} ${esc(String(p.state), 20)}`];
    if (p.state === 'copying' || (p.state === 'queued' && p.percent !== undefined)) {
      parts.push(progressBar(p.percent));
    }
    if (p.imageId) parts.push(`→ ${code(p.imageId, 64)}`);
    if (p.reason) parts.push(`— ${esc(p.reason, 300)}`);
    return parts.join(' ');
  });
}

function when(iso: string, now: Date): string {
  return `${esc(formatDateTime(iso), 40)} (${relativeTime(iso, now)})`;
}

function decisionLine(d: Decision, now: Date): string {
  return `${userMention(d.userId)} ${when(d.at, now)}`;
}

function imageFields(r: AmiRequest): KnownBlock {
  const img = r.image;
  const regionsLabel = r.params.kind === 'copy' ? '*Regions*' : '*Region*';
  return fields([
    `*Image*\n${img.name ? `${bold(img.name, 150)}\n` : ''}${code(r.imageId, 64)}`,
    `*Account*\n${bold(r.account, 64)} (${code(r.accountId, 20)})`,
    `*Size*\n${formatGiB(img.sizeGiB)} · ~${formatUsd(img.monthlyCostUsd)}/month`,
    `${regionsLabel}\n${describeRegions(r)}`,
    `*Encrypted*\n${img.encrypted ? '🔒 yes' : '⚠️ no'}`,
    `*Visibility*\n${img.public ? '🌐 public' : 'private'}`,
  ]);
}

function approvalsLine(r: AmiRequest, now: Date): string | undefined {
  if (r.approvalsNeeded <= 0) {
    return r.approvals.length === 0 ? '👍 No approval needed' : undefined;
  }
  const names = r.approvals.slice(0, 10).map((d) => decisionLine(d, now));
  const more = r.approvals.length - names.length;
  return (
    `Approvals: *${r.approvals.length} of ${r.approvalsNeeded}*` +
    (names.length > 0 ? ` — ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : '')
  );
}

/** The sections of a list of lines, at most `maxSections`, with a "+N more" tail. */
function packed(lines: string[], maxSections: number, heading?: string, noun = 'lines'): KnownBlock[] {
  if (lines.length === 0) return [];
  return packLines(lines, {
    maxSections,
    ...(heading !== undefined ? { heading } : {}),
    more: (n) => `_+${n} more ${noun}_`,
  }).texts.map((t) => section(t));
}

function stateBlocks(r: AmiRequest, input: ApprovalMessageInput): KnownBlock[] {
  const { now } = input;
  const out: KnownBlock[] = [];
  switch (r.state) {
    case 'pending': {
      const left = Date.parse(r.expiresAt) - now.getTime();
      const open = Number.isNaN(left) || left > 0;
      out.push(
        context([
          Number.isNaN(left)
            ? undefined
            : open
              ? `⌛ Expires in ${formatSpan(left)} (${esc(formatDateTime(r.expiresAt), 40)})`
              : `⌛ Expired ${relativeTime(r.expiresAt, now)} (${esc(formatDateTime(r.expiresAt), 40)}); closing it`,
          input.approverHint ? input.approverHint : undefined,
        ]),
      );
      if (open) {
        out.push(
          actions(
            [
              button({ text: 'Approve', actionId: ACTION_IDS.requestApprove, value: r.id, style: 'primary' }),
              button({ text: 'Reject', actionId: ACTION_IDS.requestReject, value: r.id, style: 'danger' }),
            ],
            { blockId: APPROVAL_BLOCK_IDS.actions },
          ),
        );
      }
      break;
    }
    case 'approved':
      out.push(section('👍 Approved. The job starts shortly.'));
      break;
    case 'rejected': {
      const rej = r.rejection;
      const reason = rej?.reason?.trim() ? `\n${quote(rej.reason, 500)}` : '';
      out.push(section(rej ? `🚫 Rejected by ${decisionLine(rej, now)}${reason}` : '🚫 Rejected.'));
      break;
    }
    case 'expired':
      out.push(
        section(
          `⌛ Expired ${when(r.expiresAt, now)} with ${r.approvals.length} of ${r.approvalsNeeded} approval${r.approvalsNeeded === 1 ? '' : 's'}. Nothing was changed.`,
        ),
      );
      break;
    case 'cancelled':
      out.push(
        section(r.cancellation ? `🛑 Cancelled by ${decisionLine(r.cancellation, now)}` : '🛑 Cancelled.'),
      );
      break;
    case 'queued':
      out.push(section('📥 Queued: a worker picks it up shortly.'));
      break;
    case 'running':
      out.push(section('🏃 Running…'));
      break;
    default:
      break;
  }
  out.push(...packed(progressLines(r), 2, '*Progress*', 'regions'));
  const batch = batchProgressLine(r);
  if (batch) out.push(section(batch));
  if (r.result) {
    const icon = r.result.ok ? '✅' : '❌';
    out.push(section(`${icon} ${esc(r.result.summary, 1000)}`));
    out.push(
      ...packed(
        (r.result.details ?? []).map((d) => `• ${esc(d, 1000)}`),
        2,
        undefined,
        'details',
      ),
    );
  }
  return out;
}

/** The approval message for `request` as of `now`. */
export function renderApprovalMessage(input: ApprovalMessageInput): SlackMessage {
  const r = input.request;
  const { now } = input;
  const emoji = STATE_EMOJI[r.state] ?? '❔';
  const title = TITLES[r.state] ?? String(r.state);
  const asks = r.state === 'pending' ? 'asks to' : 'asked to';
  const describeOpts = input.snapshotCount !== undefined ? { snapshotCount: input.snapshotCount } : {};
  const warnings = r.warnings.map((w) => `⚠️ ${esc(w, 1000)}`);
  // Mrkdwn built by the domain from escaped values.
  const grants = (grantLines(r) ?? []).map((line) => `• ${line}`);
  const approvals = approvalsLine(r, now);
  const blocks: KnownBlock[] = [
    section(`${emoji} ${bold(title, 40)} · request ${code(r.id, 40)} · ${code(r.kind, 20)}`),
    section(
      `${r.requester === 'amibot' ? 'A retention rule' : userMention(r.requester)} ${asks}: ${describeOperation(r, describeOpts)}.`,
    ),
    isBatch(r.kind) ? batchFields(r) : imageFields(r),
    ...(isBatch(r.kind) && r.state === 'pending' ? [context(['The full list is in the thread.'])] : []),
    ...promotionPlanBlocks(r),
    ...packed(
      grants,
      3,
      `*Launch permissions${['pending', 'approved', 'queued', 'running'].includes(r.state) ? ' it grants' : ''}*`,
      'permissions',
    ),
    ...packed(warnings, 2, undefined, 'warnings'),
    ...(approvals ? [context([approvals])] : []),
    ...stateBlocks(r, input),
    context([
      `Requested ${when(r.createdAt, now)}`,
      r.updatedAt !== r.createdAt ? `updated ${relativeTime(r.updatedAt, now)}` : undefined,
    ]),
  ];
  const subject = requestSubject(r);
  const text = `${esc(title, 40)}: ${esc(r.kind, 20)} ${esc(subject, 64)} in ${esc(r.account, 64)} (${esc(r.region, 40)}) — request ${esc(r.id, 40)}`;
  return message(text, blocks);
}
