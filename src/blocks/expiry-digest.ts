/** The expiry digest (daily, per channel) and `/ami expiring` (on demand). Pure. */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { daysUntil } from '../domain/expiry.js';
import type { Waiver } from '../domain/findings.js';
import type { ImageOwner } from '../domain/reminders.js';
import type { Grants } from '../domain/sharing.js';
import { count } from '../domain/words.js';
import { imageIdCode } from './format.js';
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
import { grantsText } from './prune-items.js';
import { ownerText } from './reminder.js';

export interface InventoryEntry {
  account: string;
  region: string;
  imageId: string;
  name: string;
  expiryAt?: string;
  expirySource?: 'tag' | 'deprecation';
  invalid?: string;
  sizeGiB: number;
  monthlyUsd: number;
  missing: string[];
  owner: ImageOwner;
}

export interface InventoryGroup {
  count: number;
  gib: number;
  monthlyUsd: number;
  /** The top entries, in the group's order (the rest are counted only). */
  items: InventoryEntry[];
}

export interface ChannelInventory {
  /** Expired already; most recently expired first. */
  expired: InventoryGroup;
  /** Expiring within the window; soonest first. */
  expiring: InventoryGroup;
  /** No expiry tag and no deprecation time; biggest first. */
  noExpiry: InventoryGroup;
  /** Expiry tag present but unreadable. */
  malformed: InventoryGroup;
  /** Lacking one or more required tags; biggest first. */
  missingTags: InventoryGroup;
  /** Every image counted. */
  total: { count: number; gib: number; monthlyUsd: number };
}

/** Snapshot storage and what could be saved, for the accounts whose digest this is (see hygiene/digest.ts). */
export interface HygieneDigest {
  /** `retention.unusedDays`. */
  days: number;
  storageGiB: number;
  storageUsd: number;
  imagesUsd: number;
  orphanCount: number;
  orphanGiB: number;
  orphanUsd: number;
  /** Images nobody launched in `days`. */
  unusedCount: number;
  unusedUsd: number;
  errors: string[];
}

/** One account's images shared outside the allowlist (see hygiene/access.ts). */
export interface SharingDigestLine {
  account: string;
  public: number;
  outside: number;
  examples: Array<{ imageId: string; name: string; region: string; outside: Grants }>;
  unchecked: number;
  errors: string[];
}

/** One account's scan finding waivers (see hygiene/waivers.ts). */
export interface WaiverDigestLine {
  account: string;
  active: Waiver[];
  activeCount: number;
  /** Ended since the last digest: the findings count again. */
  ended: Waiver[];
}

export interface ExpiryDigestView {
  /** `Daily expiry digest`, `Images expiring within 30 days`. */
  title: string;
  /** Which accounts/regions (escaped by the caller). */
  scope: string;
  inventory: ChannelInventory;
  withinDays: number;
  now: Date;
  expiryTagKey: string;
  requiredTags: readonly string[];
  /** Account/region walks that failed. */
  errors?: readonly string[];
  /** Storage cost and possible savings of the accounts whose channel this is. */
  hygiene?: HygieneDigest;
  /** Accounts whose channel this is with images public or shared outside the allowlist. */
  sharing?: SharingDigestLine[];
  /** Accounts whose channel this is with waived findings (active, or ended since the last digest). */
  waivers?: WaiverDigestLine[];
}

function sharingBlocks(lines: readonly SharingDigestLine[]): KnownBlock[] {
  const out: string[] = [];
  for (const l of lines) {
    const head = `*${esc(l.account, 40)}*: ${count(l.public, 'public image')}, ${count(l.outside, 'image')} shared outside the allowlist${l.unchecked ? ` (${count(l.unchecked, 'image')} not checked)` : ''}`;
    out.push(head);
    for (const e of l.examples.slice(0, 5)) {
      out.push(
        `   • ${code(e.imageId, 30)} ${bold(e.name || '(no name)', 60)} · ${esc(e.region, 30)} · ${grantsText(e.outside, 3)}`,
      );
    }
    for (const err of l.errors.slice(0, 2)) out.push(`   ⚠️ ${esc(err, 200)}`);
  }
  if (out.length === 0) return [];
  return packLines(out, {
    maxSections: 2,
    heading: `🔓 *Sharing outside the allowlist* — review with ${code('/ami access')}`,
    more: (n) => `_+${n} more lines_`,
  }).texts.map((t) => section(t));
}

function waiverLine(w: Waiver, ended: boolean): string {
  return `   • ${code(w.findingId, 80)} of ${code(w.imageId, 30)} (${esc(w.region, 30)}) ${ended ? 'waiver ended' : 'waived until'} ${esc(formatDate(w.until), 20)} (request ${code(w.requestId, 40)}): ${esc(w.reason, 150)}`;
}

function waiverBlocks(lines: readonly WaiverDigestLine[]): KnownBlock[] {
  const out: string[] = [];
  for (const l of lines) {
    out.push(
      `*${esc(l.account, 40)}*: ${count(l.activeCount, 'waived finding')}${l.ended.length ? `, ${count(l.ended.length, 'waiver')} ended (re-opened: they count again)` : ''}`,
    );
    for (const w of l.ended) out.push(waiverLine(w, true));
    for (const w of l.active) out.push(waiverLine(w, false));
  }
  if (out.length === 0) return [];
  return packLines(out, {
    maxSections: 2,
    heading: '🛡️ *Waived scan findings*',
    more: (n) => `_+${n} more lines_`,
  }).texts.map((t) => section(t));
}

function hygieneBlock(h: HygieneDigest): KnownBlock {
  const save = h.unusedUsd + h.orphanUsd;
  return section(
    `🧹 *Storage*: ${formatGiB(h.storageGiB)} of snapshots · ~${formatUsd(h.storageUsd)}/month (images ~${formatUsd(h.imagesUsd)}, orphaned snapshots ~${formatUsd(h.orphanUsd)}).
` +
      (save > 0
        ? `*Could save ~${formatUsd(save)}/month*: ${count(h.unusedCount, 'image')} nobody launched in ${h.days} days (~${formatUsd(h.unusedUsd)}), ${count(h.orphanCount, 'orphaned snapshot')} (~${formatUsd(h.orphanUsd)}). See ${code('/ami unused')}, ${code('/ami orphans')}, ${code('/ami prune')}.`
        : 'Nothing to save: no unused images, no orphaned snapshots.'),
  );
}

function totals(g: { count: number; gib: number; monthlyUsd: number }): string {
  return `${count(g.count, 'image')} · ${formatGiB(g.gib)} · ~${formatUsd(g.monthlyUsd)}/month`;
}

function when(e: InventoryEntry, now: Date): string {
  if (!e.expiryAt) return '';
  const d = daysUntil(e.expiryAt, now);
  const rel = d === 0 ? 'today' : d > 0 ? (d === 1 ? 'tomorrow' : `in ${d} days`) : `${-d} days ago`;
  const src = e.expirySource === 'deprecation' ? ', deprecation time' : '';
  return `${esc(formatDate(e.expiryAt), 40)} (${rel}${src})`;
}

function line(e: InventoryEntry, detail: string): string {
  const where = `${esc(e.account, 40)}/${esc(e.region, 30)}`;
  return `• ${bold(e.name || e.imageId, 120)} ${imageIdCode(e.imageId)} ${where} · ${detail} · ${formatGiB(e.sizeGiB)} · ${ownerText(e.owner)}`;
}

function groupBlocks(
  heading: string,
  g: InventoryGroup,
  detail: (e: InventoryEntry) => string,
  maxSections: number,
): KnownBlock[] {
  if (g.count === 0) return [];
  const lines = g.items.map((e) => line(e, detail(e)));
  const packed = packLines(lines, {
    maxSections,
    heading: `${heading} — ${totals(g)}`,
    more: (n) => `_+${(n + g.count - g.items.length).toLocaleString('en-US')} more_`,
  });
  const blocks: KnownBlock[] = packed.texts.map((t) => section(t));
  if (packed.omitted === 0 && g.count > g.items.length) {
    blocks.push(context([`_+${(g.count - g.items.length).toLocaleString('en-US')} more not listed_`]));
  }
  return blocks;
}

export function renderExpiryDigest(v: ExpiryDigestView): SlackMessage {
  const inv = v.inventory;
  const blocks: KnownBlock[] = [header(v.title)];
  const attention = inv.expired.count + inv.expiring.count;
  blocks.push(
    section(
      `${v.scope}\n${bold(count(inv.expiring.count, 'image'))} expiring within ${v.withinDays} days, ${bold(`${inv.expired.count.toLocaleString('en-US')} expired`)}, ${inv.noExpiry.count.toLocaleString('en-US')} without an expiry` +
        (v.requiredTags.length > 0
          ? `, ${inv.missingTags.count.toLocaleString('en-US')} missing required tags`
          : '') +
        `.\nAll images: ${totals(inv.total)}.`,
    ),
  );
  if (v.hygiene) blocks.push(hygieneBlock(v.hygiene));
  blocks.push(...sharingBlocks(v.sharing ?? []), ...waiverBlocks(v.waivers ?? []));
  if (
    attention === 0 &&
    inv.noExpiry.count === 0 &&
    inv.malformed.count === 0 &&
    inv.missingTags.count === 0
  ) {
    blocks.push(section('✅ Nothing needs attention.'));
  }
  blocks.push(
    ...groupBlocks('🔴 *Expired*', inv.expired, (e) => when(e, v.now), 3),
    ...groupBlocks(`🟠 *Expiring within ${v.withinDays} days*`, inv.expiring, (e) => when(e, v.now), 4),
    ...groupBlocks(
      '⚠️ *Malformed expiry tag*',
      inv.malformed,
      (e) => `${code(v.expiryTagKey, 64)} = ${code(e.invalid ?? '', 80)}`,
      1,
    ),
    ...groupBlocks(
      `❔ *No expiry* (no ${code(v.expiryTagKey, 64)} tag, no deprecation time)`,
      inv.noExpiry,
      () => 'no expiry',
      2,
    ),
  );
  if (v.requiredTags.length > 0) {
    blocks.push(
      ...groupBlocks(
        `🏷️ *Missing required tags* (${v.requiredTags.map((t) => code(t, 64)).join(', ')})`,
        inv.missingTags,
        (e) => `missing ${e.missing.map((t) => code(t, 64)).join(', ')}`,
        2,
      ),
    );
  }
  const foot = [
    `Costs are estimates (full snapshot size × price per GB-month; upper bounds). Set an expiry with ${code('/ami expire <ami-id> --in 90d')}.`,
  ];
  if (v.errors && v.errors.length > 0) {
    foot.push(
      `⚠️ Could not read: ${v.errors
        .slice(0, 5)
        .map((e) => esc(e, 200))
        .join('; ')}`,
    );
  }
  blocks.push(context(foot));
  const text = `${esc(v.title, 150)}: ${inv.expiring.count} expiring within ${v.withinDays} days, ${inv.expired.count} expired, ${inv.noExpiry.count} without an expiry`;
  return message(text, blocks);
}
