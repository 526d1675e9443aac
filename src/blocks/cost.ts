/** `/ami cost`: snapshot storage by team, account, region or family, and where else it goes. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { count } from '../domain/words.js';
import type { CostReport } from '../hygiene/cost.js';
import {
  bold,
  context,
  esc,
  fields,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';

const BY_LABEL: Record<CostReport['by'], string> = {
  team: 'team',
  account: 'account',
  region: 'region',
  family: 'image family',
};

export function renderCost(r: CostReport, scope: string): SlackMessage {
  const share = (usd: number) =>
    r.total.monthlyUsd > 0 ? ` (${Math.round((usd / r.total.monthlyUsd) * 100)} %)` : '';
  const blocks: KnownBlock[] = [
    header('Snapshot storage cost'),
    section(
      `${esc(scope, 200)}: ${bold(formatGiB(r.total.gib))} of snapshots · ~${bold(formatUsd(r.total.monthlyUsd))}/month in all.`,
    ),
    fields([
      `*Images*\n${count(r.images.count, 'image')} · ${formatGiB(r.images.gib)} · ~${formatUsd(r.images.monthlyUsd)}/month${share(r.images.monthlyUsd)}`,
      `*Orphaned snapshots*\n${count(r.orphaned.count, 'snapshot')} · ${formatGiB(r.orphaned.gib)} · ~${formatUsd(r.orphaned.monthlyUsd)}/month${share(r.orphaned.monthlyUsd)}`,
      `*Other snapshots*\n${count(r.other.count, 'snapshot')} · ${formatGiB(r.other.gib)} · ~${formatUsd(r.other.monthlyUsd)}/month (backups, on hold, recent)`,
    ]),
  ];
  const lines = r.groups.map(
    (g) =>
      `• ${bold(g.key, 100)} · ${count(g.images, 'image')} · ${formatGiB(g.gib)} · ~${formatUsd(g.monthlyUsd)}/month${share(g.monthlyUsd)}`,
  );
  if (lines.length > 0) {
    blocks.push(
      ...packLines(lines, {
        maxSections: 5,
        heading: `*Image storage by ${BY_LABEL[r.by]}*`,
        more: (n) => `_+${n} more_`,
      }).texts.map((t) => section(t)),
    );
  }
  blocks.push(
    context([
      r.errors.length > 0
        ? `⚠️ Could not read: ${r.errors
            .slice(0, 3)
            .map((e) => esc(e, 200))
            .join('; ')}`
        : undefined,
      'A snapshot two images share is counted once. Costs are estimates (full snapshot size × price per GB-month; upper bounds). `/ami orphans` lists the orphaned snapshots, `/ami unused` the images nobody launches.',
    ]),
  );
  return message(
    `Snapshot storage: ${formatGiB(r.total.gib)}, ~${formatUsd(r.total.monthlyUsd)}/month`,
    blocks,
  );
}
