/** One line of the doctor's table. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckRow {
  check: string;
  status: CheckStatus;
  detail: string;
}

export interface DoctorReport {
  rows: CheckRow[];
  /** Lines printed under the table (what was not checked, and why). */
  notes: string[];
}

/** Non-zero when any check failed; warnings alone pass. */
export function exitCodeFor(rows: readonly CheckRow[]): number {
  return rows.some((r) => r.status === 'fail') ? 1 : 0;
}

/** Slack mrkdwn from the shared error messages (`*bold*`, `` `code` ``) read as plain text here. */
export function plain(text: string): string {
  return text
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

const WIDTH = { check: 40, status: 6 };

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** A fixed-width table: check, status, detail (the detail is never cut). */
export function renderTable(report: DoctorReport): string {
  const lines = [
    `${cell('CHECK', WIDTH.check)}  ${cell('STATUS', WIDTH.status)}  DETAIL`,
    `${'-'.repeat(WIDTH.check)}  ${'-'.repeat(WIDTH.status)}  ${'-'.repeat(40)}`,
    ...report.rows.map((r) => `${cell(r.check, WIDTH.check)}  ${cell(r.status, WIDTH.status)}  ${r.detail}`),
  ];
  const counts = (['ok', 'warn', 'fail'] as const).map(
    (s) => `${report.rows.filter((r) => r.status === s).length} ${s}`,
  );
  lines.push('', counts.join(', '));
  if (report.notes.length > 0) lines.push('', ...report.notes);
  return `${lines.join('\n')}\n`;
}
