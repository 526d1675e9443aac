/**
 * What scheduled rescans post in an image's channel: the findings that are new since its previous
 * scan (or came back when their waiver ended), each with its fix-by date and what the account's
 * Critical policy did; and the reminders of a finding's fix-by date. Pure; finding titles come from
 * the deep scanner and are escaped here.
 */
import type { KnownBlock } from '@slack/types';
import { formatDate, formatDateTime } from '../domain/age.js';
import { expiryPhrase } from '../domain/reminders.js';
import type { CriticalOutcome, FindingPost, PostedFinding } from '../store/findings.js';
import { imageIdCode } from './format.js';
import { bold, code, context, esc, message, packLines, type SlackMessage, section } from './message.js';
import { ownerText } from './reminder.js';
import { SEVERITY_EMOJI } from './scan-report.js';

/** `fix by 2026-12-03 (in 7 days)`, `blocks use: fix before using the image`, `noted`. */
export function fixByText(f: Pick<PostedFinding, 'due' | 'blocks'>, now: Date): string {
  if (f.blocks) return '*blocks use*: fix before using the image';
  if (!f.due) return 'noted (no deadline)';
  const left = Date.parse(f.due) - now.getTime();
  const days = Math.ceil(left / 86_400_000);
  const rel = left <= 0 ? 'overdue' : days <= 1 ? 'within a day' : `in ${days} days`;
  return `fix by *${esc(formatDate(f.due), 20)}* (${rel})`;
}

function findingLine(f: PostedFinding, now: Date): string {
  const back = f.waiverEnded ? ` · waiver ended ${esc(formatDate(f.waiverEnded), 20)}` : '';
  return `• ${SEVERITY_EMOJI[f.severity]} ${code(f.id, 120)} ${esc(f.title, 300)} — ${fixByText(f, now)}${back}`;
}

function criticalText(c: CriticalOutcome): string {
  if (c.action === 'notify')
    return '🚨 *Critical finding*: the account’s policy is to notify (`scan.onCritical: notify`); nothing was changed.';
  const what = c.action === 'deprecate' ? 'deprecate' : 'disable';
  if (c.requestId) {
    return c.autoApproved
      ? `🚨 *Critical finding*: per the account’s policy (\`scan.onCritical: ${what}\`) amibot filed request ${code(c.requestId, 40)} to ${what} the image; the policy approves it without a person, so it runs now.`
      : `🚨 *Critical finding*: per the account’s policy (\`scan.onCritical: ${what}\`) amibot filed request ${code(c.requestId, 40)} to ${what} the image; it waits for an approver.`;
  }
  return `🚨 *Critical finding*: the account’s policy is to ${what} the image (\`scan.onCritical: ${what}\`), but no request was filed: ${esc(c.note ?? 'unknown reason', 400)}.`;
}

function where(p: FindingPost): string {
  return `${bold(p.imageName || p.imageId, 120)} ${imageIdCode(p.imageId)} · ${esc(p.account, 40)}/${esc(p.region, 30)}`;
}

function waiveHint(p: FindingPost): string {
  return `Accept one for a while with ${code(`/ami waive ${p.imageId} <finding-id> --until YYYY-MM-DD --reason "…"`, 200)} (approved like any request) · scan ${code(p.scanId, 40)}`;
}

/** The notice of a scheduled scan: new and re-opened findings, with their fix-by dates. */
export function renderFindingNotice(p: FindingPost, now: Date): SlackMessage {
  const added = p.added ?? [];
  const reopened = p.reopened ?? [];
  const n = added.length + reopened.length;
  const blocks: KnownBlock[] = [
    section(
      `🔎 *Scheduled scan*: ${where(p)} has ${n} finding${n === 1 ? '' : 's'} ${reopened.length === 0 ? 'new since its last scan' : added.length === 0 ? 're-opened' : 'new or re-opened'}.\nOwner: ${ownerText(p.owner ?? {})}`,
    ),
  ];
  if (p.critical) blocks.push(section(criticalText(p.critical)));
  blocks.push(
    ...packLines(
      added.map((f) => findingLine(f, now)),
      {
        maxSections: 6,
        heading: added.length ? '*New findings*' : undefined,
        more: (k) => `_+${k} more new findings_`,
      },
    ).texts.map((t) => section(t)),
    ...packLines(
      reopened.map((f) => findingLine(f, now)),
      {
        maxSections: 3,
        heading: reopened.length ? '*Re-opened* (their waiver ended: they count again)' : undefined,
        more: (k) => `_+${k} more re-opened findings_`,
      },
    ).texts.map((t) => section(t)),
    context([waiveHint(p)]),
  );
  const text = `Scheduled scan of ${esc(p.imageId, 64)}: ${added.length} new, ${reopened.length} re-opened finding${n === 1 ? '' : 's'}`;
  return message(text, blocks);
}

/** A reminder of one finding's fix-by date. */
export function renderFindingReminder(p: FindingPost, now: Date): SlackMessage {
  const f = p.finding;
  if (!f)
    return message('A finding reminder without its finding', [
      section('A finding reminder without its finding.'),
    ]);
  const due = f.due
    ? esc(
        expiryPhrase(f.due, now)
          .replace(/^expires/, 'is due')
          .replace(/^expired/, 'was due'),
        200,
      )
    : 'has no date';
  const icon = (p.milestone ?? 0) <= 0 ? '🔴' : (p.milestone ?? 0) <= 1 ? '🟠' : '⏰';
  const blocks: KnownBlock[] = [
    section(
      `${icon} Finding ${code(f.id, 120)} of ${where(p)} ${due}.\n${SEVERITY_EMOJI[f.severity]} ${esc(f.severity, 10)}: ${esc(f.title, 500)}\nOwner: ${ownerText(p.owner ?? {})}`,
    ),
    context([
      `Fixed images stop being reminded at their next scan. ${waiveHint(p)}${f.due ? ` · due ${esc(formatDateTime(f.due), 30)}` : ''}`,
    ]),
  ];
  return message(`Finding ${esc(f.id, 120)} of ${esc(p.imageId, 64)} ${due}`, blocks);
}
