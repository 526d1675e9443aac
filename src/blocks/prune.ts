/**
 * The dry run of `/ami prune`: per family what goes and what stays and why, the storage it frees,
 * and a *File request* button whose value is the id of the stored dry run (never the list). Pure.
 */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { formatDuration } from '../domain/duration.js';
import { formatFamilySelector } from '../domain/families.js';
import { type KeepReason, keepReasonLabel } from '../domain/retention.js';
import { count } from '../domain/words.js';
import type { FamilyPlan, PrunePlan } from '../hygiene/prune-plan.js';
import { ACTION_IDS } from './actions.js';
import {
  actions,
  bold,
  button,
  code,
  context,
  esc,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';

export interface PruneDryRunView {
  plan: PrunePlan;
  /** Id of the stored dry run; absent when nothing goes. */
  planId?: string;
  ttlMinutes: number;
  now: Date;
}

/** Users named by the in-use guard are already mrkdwn-safe; anything else is escaped. */
function reasonDetail(r: KeepReason): string | undefined {
  if (r.kind === 'in-use') {
    const shown = r.users.slice(0, 2).map((u) => esc(u, 120));
    return `${shown.join(', ')}${r.users.length > 2 ? ` and ${r.users.length - 2} more` : ''}`;
  }
  if (r.kind === 'usage-unknown' || r.kind === 'sharing-unknown') return esc(r.reason, 200);
  return undefined;
}

function familyLines(f: FamilyPlan): string[] {
  const counts = new Map<string, number>();
  const notable: string[] = [];
  for (const s of f.stays) {
    const first = s.reasons[0];
    const label = first ? keepReasonLabel(first) : 'kept';
    counts.set(label, (counts.get(label) ?? 0) + 1);
    const worth = s.reasons.find(
      (r) =>
        r.kind === 'in-use' ||
        r.kind === 'usage-unknown' ||
        r.kind === 'sharing-unknown' ||
        r.kind === 'golden' ||
        r.kind === 'hold' ||
        r.kind === 'shared',
    );
    if (worth && notable.length < 3) {
      const detail = reasonDetail(worth);
      notable.push(
        `    ↳ ${code(s.image.imageId, 30)} ${esc(s.image.name, 60)}: ${esc(keepReasonLabel(worth), 60)}${detail ? ` — ${detail}` : ''}`,
      );
    }
  }
  const stays = [...counts.entries()].map(([label, n]) => `${n} ${esc(label, 60)}`).join(', ');
  const goes =
    f.goes.length > 0
      ? `🗑 ${count(f.goes.length, 'goes', 'go')} (${formatGiB(f.freedGiB)} · ~${formatUsd(f.monthlyUsd)}/month)`
      : 'nothing goes';
  return [
    `• ${bold(f.family, 120)} (${count(f.total, 'image')}): ${goes}${f.stays.length ? ` · ✋ ${f.stays.length} stay: ${stays}` : ''}`,
    ...notable,
  ];
}

export function renderPruneDryRun(v: PruneDryRunView): SlackMessage {
  const { plan } = v;
  const rule = plan.rule;
  const sel = formatFamilySelector(rule.selector);
  const older =
    rule.olderThanMs !== undefined
      ? `, only images older than ${esc(formatDuration(rule.olderThanMs), 30)}`
      : '';
  const blocks: KnownBlock[] = [
    header(`Prune dry run: ${sel}`.slice(0, 150)),
    section(
      `Family ${code(sel, 140)} in ${bold(plan.account, 64)}/${code(plan.region, 30)} — keep the newest ${rule.keep}${older}.\n` +
        (plan.goes.length > 0
          ? `*${count(plan.goes.length, 'image')} would go* of ${count(plan.selected, 'image')} in ${count(plan.families.length, 'family', 'families')}, freeing ${bold(formatGiB(plan.freedGiB))} (~${bold(formatUsd(plan.monthlyUsd))}/month).`
          : plan.selected === 0
            ? `No own image matches ${code(sel, 140)} (${count(plan.scanned, 'own image')} looked at).`
            : `*Nothing to prune*: every one of the ${count(plan.selected, 'image')} stays.`) +
        '\nNothing changes until a request is filed and approved.',
    ),
  ];
  const lines = plan.families.flatMap(familyLines);
  if (lines.length > 0) {
    blocks.push(
      ...packLines(lines, {
        maxSections: 12,
        heading: '*By family*',
        more: (n) => `_+${n} more lines_`,
      }).texts.map((t) => section(t)),
    );
  }
  if (plan.goes.length > 0) {
    const goes = plan.goes.map(
      (i) =>
        `${code(i.imageId, 30)} ${esc(i.name, 80)} · ${i.creationDate ? esc(formatDate(i.creationDate), 20) : 'no date'} · ${formatGiB(i.sizeGiB)}`,
    );
    blocks.push(
      ...packLines(goes, {
        maxSections: 4,
        heading: '*What goes* (oldest first)',
        more: (n) => `_+${n} more_`,
      }).texts.map((t) => section(t)),
    );
  }
  if (plan.overLimit > 0) {
    blocks.push(
      context([
        `⚠️ ${count(plan.overLimit, 'more image')} could go but one request takes at most ${plan.goes.length}; prune again once this one is done.`,
      ]),
    );
  }
  if (v.planId && plan.goes.length > 0) {
    blocks.push(
      actions([
        button({
          text: `File request (${plan.goes.length})`,
          actionId: ACTION_IDS.pruneFile,
          value: v.planId,
          style: 'primary',
        }),
      ]),
    );
    blocks.push(
      context([
        `The button files one request for the images listed, approved like any other; each image is checked again right before it is deregistered. It works for ${v.ttlMinutes} minutes.`,
      ]),
    );
  }
  blocks.push(context(['Costs are estimates (full snapshot size × price per GB-month; upper bounds).']));
  const text = `Prune dry run for ${esc(sel, 140)}: ${plan.goes.length} of ${plan.selected} images would go, freeing ${formatGiB(plan.freedGiB)}`;
  return message(text, blocks);
}
