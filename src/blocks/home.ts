/**
 * amibot's App Home tab for one person: the requests waiting for their approval (with Approve and
 * Reject buttons), their own open requests, the work in progress they filed or approved, their
 * teams' images expiring soon and the golden families. Pure: the publisher (`home/`) gathers the
 * state and passes `now`. Every string not written here is escaped (mrkdwn.ts); the view stays
 * within Slack's Home limit of 100 blocks.
 */
import type { KnownBlock } from '@slack/types';
import { describeOperation, relativeTime, stateLabel } from '../domain/describe-request.js';
import type { AmiRequest } from '../domain/request.js';
import { progressLines } from './approval.js';
import { actions, button, context, divider, header, packLines, section } from './message.js';
import { bold, code, esc, userMention } from './mrkdwn.js';

/** Slack's limit for a Home tab view. */
export const HOME_MAX_BLOCKS = 100;

/** Home buttons, numbered per request (`home_approve:0`, …). Value: the request id only. */
export const HOME_ACTION_IDS = {
  approve: 'home_approve',
  reject: 'home_reject',
} as const;

/** At most this many requests per list; the rest are counted. */
export const HOME_LIST_MAX = 10;

export interface HomeExpiringImage {
  account: string;
  region: string;
  imageId: string;
  name: string;
  /** ISO 8601. */
  expiryAt: string;
  team?: string;
  /** The owner tag when it is a Slack user id. */
  ownerUserId?: string;
}

export interface HomeGoldenFamily {
  name: string;
  description: string;
  account: string;
  regions: readonly string[];
}

export interface HomeInput {
  userId: string;
  now: Date;
  /** Pending requests this person may approve now (policy-checked by the caller). */
  awaiting: readonly AmiRequest[];
  /** Pending requests this person filed. */
  mine: readonly AmiRequest[];
  /** Approved, queued or running requests this person filed or approved. */
  running: readonly AmiRequest[];
  /** Their own and their teams' images expiring within `expiringDays`, soonest first. */
  expiring: readonly HomeExpiringImage[];
  expiringDays: number;
  /** Why the expiring list may be incomplete (an account or region that could not be read). */
  expiringNote?: string;
  golden: readonly HomeGoldenFamily[];
}

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

function more(n: number, what: string): KnownBlock {
  return context([`_+${n} more ${what}; \`/ami requests\` lists them all._`]);
}

function requestLine(r: AmiRequest, now: Date): string {
  return [
    `${stateLabel(r.state)} ${code(r.id, 40)} · ${describeOperation(r)}`,
    `requested by ${userMention(r.requester)} ${relativeTime(r.createdAt, now)} · account ${bold(r.account, 64)} · ${code(r.region, 32)}`,
  ].join('\n');
}

export function renderHome(input: HomeInput): HomeView {
  const { now } = input;
  const blocks: KnownBlock[] = [
    header('amibot'),
    context([
      `Hello ${userMention(input.userId)}. Updated ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC · \`/ami help\` lists every command; the *File a request* shortcut files copy, share and deprecate requests.`,
    ]),
    divider(),
  ];

  blocks.push(header(`Waiting for your approval (${input.awaiting.length})`));
  if (input.awaiting.length === 0) blocks.push(section('_Nothing is waiting for you._'));
  for (const [i, r] of input.awaiting.slice(0, HOME_LIST_MAX).entries()) {
    const approvals =
      r.approvalsNeeded > 1 ? `\n${r.approvals.length} of ${r.approvalsNeeded} approvals so far` : '';
    blocks.push(section(`${requestLine(r, now)}${approvals}\nexpires ${relativeTime(r.expiresAt, now)}`));
    blocks.push(
      actions([
        button({
          text: 'Approve',
          actionId: `${HOME_ACTION_IDS.approve}:${i}`,
          value: r.id,
          style: 'primary',
        }),
        button({ text: 'Reject', actionId: `${HOME_ACTION_IDS.reject}:${i}`, value: r.id, style: 'danger' }),
      ]),
    );
  }
  if (input.awaiting.length > HOME_LIST_MAX)
    blocks.push(more(input.awaiting.length - HOME_LIST_MAX, 'waiting'));
  blocks.push(divider());

  blocks.push(header(`Your open requests (${input.mine.length})`));
  if (input.mine.length === 0) blocks.push(section('_You have no requests waiting for approval._'));
  for (const r of input.mine.slice(0, HOME_LIST_MAX)) {
    const got = `${r.approvals.length} of ${r.approvalsNeeded} approvals · \`/ami cancel ${r.id}\` withdraws it`;
    blocks.push(section(`${requestLine(r, now)}\n${got}`));
  }
  if (input.mine.length > HOME_LIST_MAX) blocks.push(more(input.mine.length - HOME_LIST_MAX, 'requests'));
  blocks.push(divider());

  blocks.push(header(`In progress (${input.running.length})`));
  if (input.running.length === 0) blocks.push(section('_Nothing you filed or approved is running._'));
  for (const r of input.running.slice(0, HOME_LIST_MAX)) {
    blocks.push(section([requestLine(r, now), ...progressLines(r)].join('\n')));
  }
  if (input.running.length > HOME_LIST_MAX) blocks.push(more(input.running.length - HOME_LIST_MAX, 'jobs'));
  blocks.push(divider());

  blocks.push(
    header(`Your teams’ images expiring within ${input.expiringDays} days (${input.expiring.length})`),
  );
  const expiringLines = input.expiring.map((e) => {
    const whose = e.ownerUserId
      ? ` · owner ${userMention(e.ownerUserId)}`
      : e.team
        ? ` · team ${bold(e.team, 64)}`
        : '';
    return `• ${code(e.imageId, 32)} ${bold(e.name, 100)} · ${bold(e.account, 64)} ${code(e.region, 32)} · expires ${relativeTime(e.expiryAt, now)}${whose}`;
  });
  if (expiringLines.length === 0) {
    blocks.push(section('_None of your or your teams’ images expire soon._'));
  } else {
    const packed = packLines(expiringLines, {
      maxSections: 3,
      more: (n) => `_+${n} more; \`/ami expiring\` lists them all_`,
    });
    for (const text of packed.texts) blocks.push(section(text));
  }
  if (input.expiringNote) blocks.push(context([`⚠️ ${esc(input.expiringNote, 500)}`]));
  blocks.push(divider());

  blocks.push(header(`Golden families (${input.golden.length})`));
  if (input.golden.length === 0) {
    blocks.push(section('_No golden families are configured._'));
  } else {
    const lines = input.golden.map(
      (f) =>
        `• ${bold(f.name, 64)} · account ${bold(f.account, 64)} · ${f.regions.map((r) => code(r, 32)).join(', ')}${f.description ? ` — ${esc(f.description, 200)}` : ''}`,
    );
    const packed = packLines(lines, {
      maxSections: 3,
      heading: '`/ami golden` shows each family’s current images.',
      more: (n) => `_+${n} more; \`/ami golden\` lists them all_`,
    });
    for (const text of packed.texts) blocks.push(section(text));
  }

  if (blocks.length > HOME_MAX_BLOCKS) {
    const kept = blocks.slice(0, HOME_MAX_BLOCKS - 1);
    kept.push(context([`_+${blocks.length - kept.length} more blocks not shown_`]));
    return { type: 'home', blocks: kept };
  }
  return { type: 'home', blocks };
}
