/**
 * The scan message in the channel (queued → progress → report, or failure) and the ephemeral
 * "scan started" answer. Pure. Findings are packed into a bounded number of sections per
 * severity, so the message stays within Slack's limits however many findings there are.
 */
import type { KnownBlock } from '@slack/types';
import { formatDate, formatDateTime } from '../domain/age.js';
import {
  type DeepFinding,
  type DeepScanResult,
  GRADED_SEVERITIES,
  SCAN_DATE_TAG,
  SCAN_VERDICT_TAG,
  type ScanFinding,
  type ScanProgress,
  type ScanRecord,
  type ScanReport,
  SEVERITIES,
  type Severity,
  type Verdict,
} from '../domain/scan.js';
import {
  bold,
  code,
  context,
  divider,
  esc,
  fields,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';
import { channelMention, userMention } from './mrkdwn.js';

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: '🔴',
  high: '🟠',
  medium: '🟡',
  low: '🔵',
  info: '⚪',
};

const VERDICT_LABEL: Record<Verdict, { emoji: string; label: string }> = {
  pass: { emoji: '✅', label: 'passed' },
  'pass-with-deadlines': { emoji: '⚠️', label: 'passed with deadlines' },
  fail: { emoji: '⛔', label: 'failed' },
};

/** Sections per severity group (each up to 3000 chars). */
const SECTIONS_PER_GROUP = 2;

/** `45s`, `2m`, `1h 5m`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

/** `built-in checks done, deep scan running (state RUNNING, 2m)`. */
export function describeProgress(progress: ScanProgress | undefined, state: ScanRecord['state']): string {
  if (!progress) return state === 'queued' ? 'queued' : 'running built-in checks';
  if (!progress.builtInDone) return 'running built-in checks';
  if (progress.deepStatus === undefined) return 'built-in checks done';
  const elapsed = progress.deepElapsedMs !== undefined ? `, ${formatElapsed(progress.deepElapsedMs)}` : '';
  return `built-in checks done, deep scan running (state ${esc(progress.deepStatus, 40)}${elapsed})`;
}

function where(scan: ScanRecord): string {
  return `account ${bold(scan.account, 64)} · ${esc(scan.region, 30)}`;
}

function imageLine(scan: ScanRecord): string {
  const name = scan.report?.image.name ?? scan.imageName;
  return `${code(scan.imageId, 64)}${name ? ` ${bold(name, 200)}` : ''} · ${where(scan)}`;
}

function footer(scan: ScanRecord, finishedAt?: string): KnownBlock {
  return context([
    `Scan ${code(scan.id, 64)} · requested by ${userMention(scan.requester)}${finishedAt ? ` · finished ${esc(formatDateTime(finishedAt), 40)}` : ''}`,
  ]);
}

/** The channel message of a scan in any state. */
export function renderScanMessage({ scan }: { scan: ScanRecord }): SlackMessage {
  if (scan.state === 'done' && scan.report) return renderReport(scan, scan.report);
  if (scan.state === 'failed' || scan.state === 'done') {
    const reason = scan.error ?? 'the scan ended without a report';
    return message(`❌ Scan of ${esc(scan.imageId, 64)} failed: ${esc(reason, 500)}`, [
      section(`❌ *Scan failed:* ${imageLine(scan)}\n${esc(reason, 2000)}`),
      footer(scan, scan.updatedAt),
    ]);
  }
  const status = describeProgress(scan.progress, scan.state);
  return message(`🔍 Scanning ${esc(scan.imageId, 64)}: ${status}`, [
    section(`🔍 *Scanning* ${imageLine(scan)}\n_${status}_`),
    footer(scan),
  ]);
}

/** ` _(waived until 2026-12-31)_` after a finding that has an active waiver. */
type WaivedMark = (id: string) => string;

function findingLine(f: ScanFinding, mark: WaivedMark = () => ''): string {
  return `• ${bold(f.title, 200)} ${code(f.id, 100)}${mark(f.id)}: ${esc(f.detail, 600)}\n      _Fix:_ ${esc(f.remediation, 500)}`;
}

function deepFindingLine(f: DeepFinding, mark: WaivedMark = () => ''): string {
  const pkg = f.package ? ` · ${code(f.package, 100)}` : '';
  const fixed = f.fixedIn ? ` → fixed in ${code(f.fixedIn, 100)}` : '';
  const detail = f.detail ? `\n      ${esc(f.detail, 300)}` : '';
  return `• ${code(f.id, 100)}${mark(f.id) || mark(`deep:${f.id}`)} ${esc(f.title, 300)}${pkg}${fixed}${detail}`;
}

/** The waived and re-opened findings of a report (waivers: `/ami waive`). */
function waiverBlocks(report: ScanReport): KnownBlock[] {
  const waived = (report.waived ?? []).map(
    (w) =>
      `• ${SEVERITY_EMOJI[w.severity]} ${code(w.id, 120)} ${esc(w.title, 200)} — waived until *${esc(formatDateTime(w.until), 30)}* (request ${code(w.requestId, 40)}): ${esc(w.reason, 300)}`,
  );
  const reopened = (report.reopened ?? []).map(
    (r) =>
      `• ${SEVERITY_EMOJI[r.severity]} ${code(r.id, 120)} ${esc(r.title, 200)} — its waiver (request ${code(r.requestId, 40)}) ended ${esc(formatDateTime(r.waiverEnded), 30)}: it counts again`,
  );
  return [
    ...packLines(waived, {
      maxSections: 1,
      heading: waived.length ? '🛡️ *Waived* (shown, not counted in the verdict)' : undefined,
      more: (n) => `_+${n} more waived_`,
    }).texts.map((t) => section(t)),
    ...packLines(reopened, {
      maxSections: 1,
      heading: reopened.length ? '♻️ *Re-opened* (waiver ended)' : undefined,
      more: (n) => `_+${n} more re-opened_`,
    }).texts.map((t) => section(t)),
  ];
}

function groupSections<T extends { severity: Severity }>(
  items: readonly T[],
  label: string,
  line: (item: T) => string,
  total?: (severity: Severity) => number,
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (const severity of SEVERITIES) {
    const group = items.filter((i) => i.severity === severity);
    if (group.length === 0) continue;
    const all = total?.(severity) ?? group.length;
    const count = all > group.length ? `${group.length} of ${all} listed` : `${group.length}`;
    const packed = packLines(group.map(line), {
      maxSections: SECTIONS_PER_GROUP,
      heading: `${SEVERITY_EMOJI[severity]} *${label} — ${severity}* (${count})`,
      more: (n) => `_+${n} more ${severity} finding${n === 1 ? '' : 's'} not shown_`,
    });
    for (const text of packed.texts) blocks.push(section(text));
  }
  return blocks;
}

function deepStatusLine(deep: DeepScanResult): string {
  const took = deep.durationMs !== undefined ? ` after ${formatElapsed(deep.durationMs)}` : '';
  const why = deep.message ? `: ${esc(deep.message, 1500)}` : '';
  switch (deep.status) {
    case 'succeeded': {
      const c = deep.counts;
      const counts = c
        ? GRADED_SEVERITIES.map((s) => `${SEVERITY_EMOJI[s]} ${c[s]} ${s}`).join(' · ')
        : 'no counts';
      return `🔬 *Deep scan finished*${took}: ${counts}`;
    }
    case 'failed':
      return `❌ *Deep scan failed*${took}${why}`;
    case 'timed-out':
      return `⏱️ *Deep scan timed out*${took}${why}`;
    case 'aborted':
      return `🛑 *Deep scan was aborted*${took}${why}`;
    case 'malformed':
      return `⚠️ *Deep scan returned output amibot cannot read*${why}`;
    case 'error':
      return `⚠️ *Deep scan could not run*${why}`;
    case 'not-configured':
      return 'ℹ️ *Deep scan:* not configured (no `SCAN_STATE_MACHINE_ARN`); only the built-in checks ran.';
  }
}

function verdictText(report: ScanReport): string {
  const lines: string[] = [];
  if (report.verdict === 'fail') {
    const what = report.blocking.map((b) => `${b.count} ${b.severity}`).join(', ');
    lines.push(`*Blocked:* ${what} finding(s) must be fixed before this image is used.`);
  } else if (report.verdict === 'pass-with-deadlines') {
    lines.push('*Usable*, but findings must be fixed by the deadlines below.');
  } else {
    lines.push('*Usable:* no finding blocks use or needs fixing.');
  }
  if (!report.complete) {
    lines.push('⚠️ The deep scan gave no result: this verdict rests on the built-in checks only.');
  }
  return lines.join('\n');
}

function rulesText(report: ScanReport): string | undefined {
  const lines = [
    ...report.blocking.map(
      (b) =>
        `• ${SEVERITY_EMOJI[b.severity]} ${b.severity} (${b.count}): *blocks use*, fix before using the image`,
    ),
    ...report.deadlines.map(
      (d) =>
        `• ${SEVERITY_EMOJI[d.severity]} ${d.severity} (${d.count}): fix by *${esc(d.due, 20)}* (${d.days} day${d.days === 1 ? '' : 's'})`,
    ),
    ...report.noted.map((n) => `• ${SEVERITY_EMOJI[n.severity]} ${n.severity} (${n.count}): noted`),
  ];
  return lines.length > 0 ? `*Deadlines*\n${lines.join('\n')}` : undefined;
}

function tagsText(report: ScanReport): string {
  if (report.tags.written) {
    const pairs = Object.entries(report.tags.values).map(([k, v]) => code(`${k}=${v}`, 120));
    return `🏷️ Tagged the image ${pairs.join(', ')}`;
  }
  return `🏷️ Not tagged (${code(SCAN_DATE_TAG)}, ${code(SCAN_VERDICT_TAG)}): ${esc(report.tags.reason, 500)}`;
}

function renderReport(scan: ScanRecord, report: ScanReport): SlackMessage {
  const v = VERDICT_LABEL[report.verdict];
  const c = report.counts;
  const info = report.builtIn.filter((f) => f.severity === 'info').length;
  const blocks: KnownBlock[] = [
    header(`${v.emoji} Scan ${v.label}: ${scan.imageId}`),
    section(`${imageLine(scan)}\n${verdictText(report)}`),
    fields([
      ...GRADED_SEVERITIES.map((s) => `${SEVERITY_EMOJI[s]} *${s[0]?.toUpperCase()}${s.slice(1)}*\n${c[s]}`),
      `${SEVERITY_EMOJI.info} *Info*\n${info}`,
    ]),
  ];
  const rules = rulesText(report);
  if (rules) blocks.push(section(rules));
  blocks.push(...waiverBlocks(report));
  const waivedUntil = new Map((report.waived ?? []).map((w) => [w.id, w.until]));
  const mark: WaivedMark = (id) => {
    const until = waivedUntil.get(id);
    return until ? ` _(waived until ${esc(formatDate(until), 20)})_` : '';
  };
  blocks.push(divider());
  if (report.builtIn.length === 0) blocks.push(section('✅ *Built-in checks:* nothing found.'));
  else blocks.push(...groupSections(report.builtIn, 'Built-in', (f) => findingLine(f, mark)));
  if (report.deep) {
    const deep = report.deep;
    blocks.push(section(deepStatusLine(deep)));
    if (deep.status === 'succeeded' && deep.findings?.length) {
      blocks.push(
        ...groupSections(
          deep.findings,
          'Deep scan',
          (f) => deepFindingLine(f, mark),
          (s) => (s === 'info' ? 0 : (deep.counts?.[s] ?? 0)),
        ),
      );
    }
  }
  blocks.push(context([tagsText(report)]));
  blocks.push(footer(scan, report.finishedAt));
  const counts = GRADED_SEVERITIES.map((s) => `${s} ${c[s]}`).join(', ');
  return message(`${v.emoji} Scan of ${esc(scan.imageId, 64)} ${v.label}: ${counts}`, blocks);
}

export interface ScanStartedInput {
  scan: ScanRecord;
  deepConfigured: boolean;
}

/** The ephemeral answer to `/ami scan`: it runs, and where the report will appear. */
export function renderScanStarted({ scan, deepConfigured }: ScanStartedInput): SlackMessage {
  const notes: string[] = [];
  if (deepConfigured) notes.push('The deep scan runs too; it takes a few minutes.');
  else if (scan.deep)
    notes.push('`--deep` was asked for, but no deep scanner is configured: only the built-in checks run.');
  return message(`Scan ${esc(scan.id, 64)} of ${esc(scan.imageId, 64)} is running`, [
    section(
      `🔍 Scan ${code(scan.id, 64)} of ${code(scan.imageId, 64)} is running; the report will appear in ${channelMention(scan.channel)}.${notes.length ? `\n${notes.join('\n')}` : ''}`,
    ),
  ]);
}
