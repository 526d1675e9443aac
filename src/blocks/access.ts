/**
 * The answer to `/ami access`: public images, shares outside the allowlist and (`--with`) what is
 * shared with one account, with a *File request* button whose value is the id of the stored audit
 * (never the list). Pure; image names and ARNs are escaped here.
 */
import type { KnownBlock } from '@slack/types';
import { count } from '../domain/words.js';
import type { AccessEntry, AccessReport } from '../hygiene/access.js';
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
import { channelMention } from './mrkdwn.js';
import { grantsText } from './prune-items.js';

export interface AccessView {
  report: AccessReport;
  /** Id of the stored audit; absent when there is nothing to unshare. */
  planId?: string;
  ttlMinutes: number;
  /** Images one request takes at most. */
  maxPerRequest: number;
  /** How the allowlist reads, e.g. `2 accounts, 1 organization and the configured accounts`. */
  allowlist: string;
}

function line(e: AccessEntry): string {
  const kept = e.allowed > 0 ? ` _(${count(e.allowed, 'allowed share')} left alone)_` : '';
  return `• ${code(e.imageId, 30)} ${bold(e.name || '(no name)', 80)} · ${esc(e.account, 40)}/${esc(e.region, 30)} · ${grantsText(e.remove)}${kept}`;
}

function group(heading: string, entries: AccessEntry[], maxSections: number): KnownBlock[] {
  if (entries.length === 0) return [];
  return packLines(entries.map(line), {
    maxSections,
    heading,
    more: (n) => `_+${n.toLocaleString('en-US')} more_`,
  }).texts.map((t) => section(t));
}

export function renderAccessAudit(v: AccessView): SlackMessage {
  const r = v.report;
  const pub = r.entries.filter((e) => e.outside.public);
  const offboarded = r.offboard ? r.entries.filter((e) => !e.outside.public && e.sharedWithOffboarded) : [];
  const outside = r.entries.filter((e) => !e.outside.public && !offboarded.includes(e));
  const title = r.offboard ? `Access of account ${r.offboard}` : 'Sharing audit';
  const counts = [
    `${bold(count(pub.length, 'public image'))}`,
    `${bold(count(r.entries.filter((e) => countOutside(e) > 0).length, 'image'))} shared outside the allowlist`,
    ...(r.offboard
      ? [
          `${bold(count(r.entries.filter((e) => e.sharedWithOffboarded).length, 'image'))} shared with ${code(r.offboard, 20)}`,
        ]
      : []),
  ];
  const blocks: KnownBlock[] = [
    header(title),
    section(
      `Read ${count(r.scanned, 'own image')} in ${count(r.targets, 'account/region', 'accounts/regions')}: ${counts.join(', ')}.\nAllowlist: ${esc(v.allowlist, 500)}.`,
    ),
  ];
  if (r.entries.length === 0) {
    blocks.push(
      section(
        r.offboard
          ? `✅ Nothing is shared with ${code(r.offboard, 20)}, nothing is public and nothing is shared outside the allowlist.`
          : '✅ Nothing is public and nothing is shared outside the allowlist.',
      ),
    );
  }
  blocks.push(
    ...group('🌐 *Public* (anyone can launch these)', pub, 4),
    ...(r.offboard ? group(`🚪 *Shared with ${code(r.offboard, 20)}*`, offboarded, 4) : []),
    ...group('🔓 *Shared outside the allowlist*', outside, 5),
  );
  const warn: string[] = [];
  if (r.unchecked > 0) {
    warn.push(
      `⚠️ ${count(r.unchecked, 'image')} could not be checked (their launch permissions were not read): they are not known to be fine.`,
    );
  }
  for (const e of r.errors.slice(0, 5)) warn.push(`⚠️ ${esc(e, 300)}`);
  if (warn.length > 0) blocks.push(context(warn));
  if (v.planId && r.entries.length > 0) {
    const accounts = new Set(r.entries.map((e) => e.account)).size;
    blocks.push(
      actions([
        button({
          text: `File unshare request (${r.entries.length})`,
          actionId: ACTION_IDS.accessFile,
          value: v.planId,
          style: 'danger',
        }),
      ]),
      context([
        `The button files ${accounts === 1 ? 'one request' : `one request per account (${accounts})`} that removes exactly the permissions listed, approved like any other; each image's permissions are read again right before, and only what is still there is removed. At most ${v.maxPerRequest} images per request. It works for ${v.ttlMinutes} minutes.`,
      ]),
    );
  }
  const text = `${esc(title, 80)}: ${pub.length} public, ${r.entries.length} image${r.entries.length === 1 ? '' : 's'} to review`;
  return message(text, blocks);
}

function countOutside(e: AccessEntry): number {
  return e.outside.accounts.length + e.outside.organizations.length + e.outside.organizationalUnits.length;
}

export interface AccessFiledView {
  filed: Array<{
    requestId: string;
    account: string;
    images: number;
    channel: string;
    autoApproved: boolean;
  }>;
  /** Accounts whose request could not be filed, with the reason (the reason may hold AWS's words). */
  refused: Array<{ account: string; reason: string }>;
}

/** The answer to the *File request* button when the audit spanned several accounts. */
export function renderAccessFiled(v: AccessFiledView): SlackMessage {
  const lines = v.filed.map(
    (f) =>
      `📝 Request ${code(f.requestId, 40)} for account ${bold(f.account, 64)} (${count(f.images, 'image')}): ${f.autoApproved ? 'needs no approval and has been started' : `approvers have been asked in ${channelMention(f.channel)}`}.`,
  );
  const refused = v.refused.map((r) => `⚠️ Account ${bold(r.account, 64)}: ${esc(r.reason, 500)}`);
  return message(`${v.filed.length} unshare request${v.filed.length === 1 ? '' : 's'} filed`, [
    ...packLines([...lines, ...refused], { maxSections: 10, more: (n) => `_+${n} more_` }).texts.map((t) =>
      section(t),
    ),
    context([
      `Cancel one with ${code('/ami cancel <request-id>', 60)} · see yours with ${code('/ami requests')}`,
    ]),
  ]);
}
