/**
 * Golden-image promotions in the approval message: the plan approvers decide on (regions, keys,
 * who gets access, grants, parameters) and, once running, one row per region with each step's
 * state. Also the answer to `/ami promote` when the image still needs a scan. Pure.
 */
import type { KnownBlock } from '@slack/types';
import { describeTargets } from '../domain/describe-request.js';
import { PROMOTION_STEPS, STEP_LABELS } from '../domain/golden.js';
import type { AmiRequest } from '../domain/request.js';
import { amiRefValue } from './actions.js';
import { actions, button, code, esc, message, packLines, type SlackMessage, section } from './message.js';

/** The *Scan now* button of `/ami promote`. Value: an AMI ref (ids only). */
export const GOLDEN_SCAN_ACTION = 'golden_scan';

const STEP_ICON: Record<string, string> = {
  pending: '▫️',
  running: '🔄',
  done: '✅',
  skipped: '➖',
  failed: '❌',
};

function packed(lines: string[], heading: string, noun: string): KnownBlock[] {
  if (lines.length === 0) return [];
  return packLines(lines, { maxSections: 2, heading, more: (n) => `_+${n} more ${noun}_` }).texts.map((t) =>
    section(t),
  );
}

/** What the promotion will do, for the approvers (and kept on the message after). */
export function promotionPlanBlocks(r: AmiRequest): KnownBlock[] {
  if (r.params.kind === 'rollback') {
    return packed(
      r.params.regions.map(
        (x) =>
          `• ${code(x.region, 40)}: ${code(x.parameter, 200)} ${code(x.current, 64)} → ${code(x.previous, 64)} (un-deprecated); ${code(x.current, 64)} deprecated`,
      ),
      `*Rollback of family ${code(r.params.family, 60)}*`,
      'regions',
    );
  }
  if (r.params.kind !== 'promote') return [];
  const p = r.params;
  const grantsBy = new Map<string, string[]>();
  for (const g of p.kmsGrants) grantsBy.set(g.region, [...(grantsBy.get(g.region) ?? []), g.accountId]);
  const lines = p.regions.map((x) => {
    const grants = grantsBy.get(x.region) ?? [];
    return (
      `• ${code(x.region, 40)}: encrypted copy with key ${code(x.keyArn, 120)}; ` +
      `${code(x.parameter, 200)} ← the copy${x.previousImageId ? ` (now ${code(x.previousImageId, 64)}, kept at …/previous and deprecated in ${p.deprecatePreviousAfterDays} days)` : ''}` +
      (grants.length ? `; KMS grants for ${grants.map((a) => code(a, 20)).join(', ')}` : '')
    );
  });
  const tags = Object.entries(p.tags)
    .map(([k, v]) => code(`${k}=${v}`, 120))
    .join(', ');
  return [
    ...packed(
      [
        `Shared with ${describeTargets(p.targets)}; snapshots usable by the accounts (create-volume permission and KMS grants).`,
        `Tags: ${tags}`,
        ...lines,
      ],
      `*Promotion to family ${code(p.family, 60)}*`,
      'regions',
    ),
  ];
}

/** One row per region: each step's state, the copy, and why a failed region stopped. */
export function promotionProgressLines(r: Pick<AmiRequest, 'params' | 'progress'>): string[] {
  if (r.params.kind !== 'promote') return [];
  const progress = r.progress ?? {};
  return r.params.regions.map(({ region }) => {
    const g = progress[region];
    const steps = PROMOTION_STEPS.map(
      (s) => `${STEP_ICON[g?.steps?.[s] ?? 'pending'] ?? '❔'} ${STEP_LABELS[s]}`,
    ).join(' · ');
    const percent =
      g?.state === 'copying' && g.steps?.copy === 'running' && g.percent !== undefined
        ? ` ${g.percent}%`
        : '';
    const img = g?.imageId ? ` → ${code(g.imageId, 64)}` : '';
    const why =
      g?.state === 'failed' || g?.state === 'cancelled'
        ? `\n   ${g.state === 'failed' ? '❌' : '🛑'} ${esc(g.reason ?? g.state, 600)}`
        : '';
    return `${code(region, 40)}${percent}${img}: ${steps}${why}`;
  });
}

/** `/ami promote` refused for want of a passing recent scan, with a button that runs one. */
export function renderScanNeeded(input: {
  imageId: string;
  account: string;
  region: string;
  family: string;
  reason: string;
  running: boolean;
}): SlackMessage {
  const value = amiRefValue({ account: input.account, region: input.region, imageId: input.imageId });
  const blocks: KnownBlock[] = [
    section(
      `🔍 ${esc(input.reason, 500)}\nA promotion to ${code(input.family, 60)} needs a passing scan of the image first. ${input.running ? 'Promote again once the running scan has passed.' : 'Run one, then promote again once it has passed.'}`,
    ),
  ];
  if (!input.running && value) {
    blocks.push(
      actions([button({ text: 'Scan it now', actionId: GOLDEN_SCAN_ACTION, value, style: 'primary' })]),
    );
  }
  return message(`${esc(input.imageId, 64)} needs a passing scan before it can be promoted`, blocks);
}
