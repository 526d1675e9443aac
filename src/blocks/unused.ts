/** `/ami unused`: own images nobody launched in N days, with their cost. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { count } from '../domain/words.js';
import type { UnusedReport } from '../hygiene/unused.js';
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

export function renderUnused(r: UnusedReport, scope: string): SlackMessage {
  const blocks: KnownBlock[] = [
    header(`Images not launched in ${r.days} days`),
    section(
      r.images.length === 0
        ? `✅ Every own image older than ${r.days} days was launched within them (${esc(scope, 200)}; ${count(r.checked, 'image')} checked).`
        : `${bold(count(r.images.length, 'image'))} nobody launched in ${r.days} days (${esc(scope, 200)}): ${bold(formatGiB(r.gib))} · could save ~${bold(formatUsd(r.monthlyUsd))}/month.`,
    ),
  ];
  const lines = r.images.map(
    (i) =>
      `• ${code(i.imageId, 30)} ${bold(i.name || '(no name)', 80)} · ${esc(i.account, 40)}/${esc(i.region, 30)} · ${i.lastLaunched ? `last launched ${esc(formatDate(i.lastLaunched), 20)}` : 'never launched'} · ${formatGiB(i.sizeGiB)} · ~${formatUsd(i.monthlyUsd)}/month`,
  );
  if (lines.length > 0) {
    blocks.push(
      ...packLines(lines, {
        maxSections: 6,
        heading: '*Biggest first*',
        more: (n) => `_+${n} more_`,
      }).texts.map((t) => section(t)),
    );
  }
  blocks.push(
    context([
      r.unchecked > 0
        ? `⚠️ ${count(r.unchecked, 'older image')} not checked (too many to ask EC2 about at once).`
        : undefined,
      r.errors.length > 0
        ? `⚠️ Could not read: ${r.errors
            .slice(0, 3)
            .map((e) => esc(e, 200))
            .join('; ')}`
        : undefined,
      `Retire them with \`/ami prune\` or \`/ami deregister\`. Costs are estimates (full snapshot size × price per GB-month).`,
    ]),
  );
  return message(
    `${r.images.length} images not launched in ${r.days} days: could save ${formatUsd(r.monthlyUsd)}/month`,
    blocks,
  );
}
