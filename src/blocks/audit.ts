/** `/ami audit [<ami-id>|<request-id>]`: the audit trail, newest first as given. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatDateTime } from '../domain/age.js';
import { type AuditEntry, type AuditResult, BOT_ACTOR } from '../domain/audit.js';
import { relativeTime, userMention } from '../domain/describe-request.js';
import { code, context, esc, message, packLines, type SlackMessage, section } from './message.js';

export interface AuditEntriesInput {
  /** In display order (the caller reads the stream newest first). */
  entries: AuditEntry[];
  /** The image id or request id the trail is for; undefined for the latest entries overall. */
  target?: string;
  now: Date;
}

const RESULT_ICON: Record<AuditResult, string> = { ok: '✅', refused: '🚫', failed: '❌' };

const MAX_SECTIONS = 12;

function actor(a: string): string {
  return a === BOT_ACTOR ? '🤖 amibot' : userMention(a);
}

/** One entry: `` `2026-11-21 12:00 UTC` ✅ `request.approved` by <@U1> · `req-…` · `ami-…` · prod/us-east-1 — detail ``. */
export function auditLine(e: AuditEntry, now: Date): string {
  const where = [e.account, e.region].filter((s): s is string => !!s).join('/');
  const refs = [...new Set([e.target, e.requestId, e.imageId].filter((s): s is string => !!s))];
  const parts = [
    `${code(formatDateTime(e.at), 40)} ${RESULT_ICON[e.result] ?? '❔'} ${code(e.action, 60)} by ${actor(e.actor)} (${relativeTime(e.at, now)})`,
    ...refs.map((r) => code(r, 64)),
    where ? esc(where, 80) : undefined,
  ].filter((s): s is string => s !== undefined);
  const detail = e.detail?.trim() ? ` — ${esc(e.detail.trim().replace(/\s+/g, ' '), 400)}` : '';
  return parts.join(' · ') + detail;
}

export function renderAuditEntries(input: AuditEntriesInput): SlackMessage {
  const { target, now } = input;
  const forTarget = target ? ` for ${code(target, 64)}` : '';
  if (input.entries.length === 0) {
    const text = target ? `No audit entries for ${code(target, 64)}.` : 'No audit entries yet.';
    return message(target ? `No audit entries for ${esc(target, 64)}.` : 'No audit entries yet.', [
      section(`${text} Requests, decisions and jobs are recorded here as they happen.`),
    ]);
  }
  const n = input.entries.length;
  const heading = `*Audit trail${forTarget}* · ${n} ${n === 1 ? 'entry' : 'entries'}, newest first`;
  const packed = packLines(
    input.entries.map((e) => auditLine(e, now)),
    { maxSections: MAX_SECTIONS, heading, more: (k) => `_+${k} more entries_` },
  );
  const blocks: KnownBlock[] = packed.texts.map((t) => section(t));
  blocks.push(context([`${code('/ami audit <ami-id|request-id>')} narrows the trail · times in UTC`]));
  return message(
    `Audit trail${target ? ` for ${esc(target, 64)}` : ''}: ${n} ${n === 1 ? 'entry' : 'entries'}`,
    blocks,
  );
}
