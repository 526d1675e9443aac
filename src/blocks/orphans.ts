/** `/ami orphans`: snapshots no image uses, with size and cost. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { count } from '../domain/words.js';
import type { OrphanReport } from '../hygiene/orphans.js';
import {
  bold,
  code,
  context,
  esc,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';

export function renderOrphans(r: OrphanReport, price: number): SlackMessage {
  const where = `${bold(r.account, 64)}/${code(r.region, 30)}`;
  const blocks: KnownBlock[] = [
    header(`Orphaned snapshots: ${r.account}/${r.region}`.slice(0, 150)),
    section(
      r.orphans.length === 0
        ? `✅ No orphaned snapshots in ${where} (${count(r.snapshots, 'own snapshot')} looked at, ${r.used.toLocaleString('en-US')} used by images).`
        : `${bold(count(r.orphans.length, 'snapshot'))} in ${where} that no image uses: ${bold(formatGiB(r.gib))} · ~${bold(formatUsd(r.monthlyUsd))}/month.\n` +
            `${count(r.imageGone, 'snapshot')} made for images that no longer exist, ${count(r.unused, 'other snapshot')} no image uses.`,
    ),
  ];
  const lines = r.orphans.map(
    (o) =>
      `• ${code(o.snapshotId, 30)} · ${formatGiB(o.sizeGiB)} · ~${formatUsd(o.sizeGiB * price)}/month · ${o.startTime ? esc(formatDate(o.startTime), 20) : ''} · ${o.reason === 'image-gone' ? `made for ${code(o.imageId ?? '?', 30)} (gone)` : 'no image uses it'}`,
  );
  if (lines.length > 0) {
    blocks.push(
      ...packLines(lines, { maxSections: 6, more: (n) => `_+${n} more_` }).texts.map((t) => section(t)),
    );
  }
  const skipped = r.skipped;
  const left = skipped.pending + skipped.recent + skipped.hold + skipped.managed;
  blocks.push(
    context([
      left > 0
        ? `Left alone: ${[
            skipped.managed ? `${skipped.managed} from AWS Backup or Data Lifecycle Manager` : '',
            skipped.hold ? `${skipped.hold} on hold (\`amibot:keep\`)` : '',
            skipped.recent ? `${skipped.recent} younger than a day` : '',
            skipped.pending ? `${skipped.pending} still being made` : '',
          ]
            .filter(Boolean)
            .join(', ')}.`
        : undefined,
      r.orphans.length > 0
        ? `Delete them with \`/ami orphans --delete --account ${esc(r.account, 64)} --region ${esc(r.region, 30)}\` (a request; each is checked again right before).`
        : undefined,
      'Costs are estimates (full snapshot size × price per GB-month; upper bounds).',
    ]),
  );
  return message(
    `${r.orphans.length} orphaned snapshots in ${esc(r.account, 64)}/${esc(r.region, 30)}: ${formatGiB(r.gib)}`,
    blocks,
  );
}
