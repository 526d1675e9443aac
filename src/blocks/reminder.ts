/** Expiry reminders: the reminder with its buttons, the message after a click, the malformed-tag notice. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatAge, formatDateTime } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import { expiryDateText, expiryPhrase, type ImageOwner } from '../domain/reminders.js';
import { ACTION_IDS } from './actions.js';
import { imageIdCode } from './format.js';
import {
  actions,
  bold,
  button,
  code,
  context,
  esc,
  fields,
  message,
  type SlackMessage,
  section,
} from './message.js';
import { channelMention, userMention } from './mrkdwn.js';

export type ReminderButton = 'extend' | 'snooze' | 'deregister';

export interface ReminderView {
  reminderId: string;
  account: string;
  region: string;
  imageId: string;
  imageName: string;
  creationDate?: string;
  sizeGiB: number;
  monthlyCostUsd: number;
  expiry: { at: string; source: 'tag' | 'deprecation' };
  milestone: number;
  owner: ImageOwner;
  now: Date;
  extendDays: number;
  snoozeHours: number;
  /** One line under the facts: what the account's expired-image policy did ({@link reminderNoteText}). */
  note?: string;
  /** Default: all three. */
  buttons?: readonly ReminderButton[];
}

/** `<@U123>` for a Slack user id, else the escaped label; team appended. */
export function ownerText(owner: ImageOwner): string {
  const who = owner.userId ? userMention(owner.userId) : owner.label ? esc(owner.label, 80) : undefined;
  const team = owner.team ? `team ${esc(owner.team, 60)}` : undefined;
  return [who, team].filter(Boolean).join(' · ') || '_unknown (no Owner/Team tag)_';
}

function span(hours: number): string {
  if (hours % 24 === 0) return `${hours / 24} day${hours === 24 ? '' : 's'}`;
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/** The milestone picks the icon; the words say the real time left and the date ({@link expiryPhrase}). */
function title(v: Pick<ReminderView, 'imageName' | 'imageId' | 'milestone' | 'expiry' | 'now'>): string {
  const icon = v.milestone <= 0 ? '🔴' : v.milestone <= 1 ? '🟠' : '⏰';
  return `${icon} ${bold(v.imageName || v.imageId, 200)} ${imageIdCode(v.imageId)} ${esc(expiryPhrase(v.expiry.at, v.now), 120)}`;
}

function facts(v: Omit<ReminderView, 'reminderId' | 'extendDays' | 'snoozeHours'>): KnownBlock {
  const src = v.expiry.source === 'deprecation' ? ' (EC2 deprecation time)' : '';
  return fields([
    `*Account / region*\n${esc(v.account, 64)} / ${esc(v.region, 40)}`,
    `*Expiry*\n${esc(expiryDateText(v.expiry.at), 60)}${src}`,
    `*Age*\n${v.creationDate ? esc(formatAge(v.creationDate, v.now), 40) : 'unknown'}`,
    `*Size / cost*\n${formatGiB(v.sizeGiB)} · ~${formatUsd(v.monthlyCostUsd)}/month`,
    `*Owner*\n${ownerText(v.owner)}`,
  ]);
}

export function renderReminder(v: ReminderView): SlackMessage {
  const wanted = v.buttons ?? ['extend', 'snooze', 'deregister'];
  const buttons = [];
  if (wanted.includes('extend'))
    buttons.push(
      button({
        text: `Extend ${v.extendDays} days`,
        actionId: ACTION_IDS.reminderExtend,
        value: v.reminderId,
        style: 'primary',
      }),
    );
  if (wanted.includes('snooze'))
    buttons.push(
      button({
        text: `Snooze ${span(v.snoozeHours)}`,
        actionId: ACTION_IDS.reminderSnooze,
        value: v.reminderId,
      }),
    );
  if (wanted.includes('deregister'))
    buttons.push(
      button({
        text: 'Deregister…',
        actionId: ACTION_IDS.reminderDeregister,
        value: v.reminderId,
        style: 'danger',
      }),
    );
  const blocks: KnownBlock[] = [section(title(v)), facts(v)];
  if (v.note) blocks.push(section(v.note));
  if (buttons.length > 0) blocks.push(actions(buttons, { blockId: `reminder:${v.reminderId}` }));
  blocks.push(
    context([
      `Extend moves the expiry tag ${v.extendDays} days on · Snooze silences this image for ${span(v.snoozeHours)} · Deregister files a request that needs approval. Only the image’s owner or an approver of *${esc(v.account, 64)}* can use these.`,
    ]),
  );
  const text = `${esc(v.imageName || v.imageId, 200)} (${esc(v.imageId, 64)}, ${esc(v.account, 64)}/${esc(v.region, 40)}) ${esc(expiryPhrase(v.expiry.at, v.now), 120)}`;
  return message(text, blocks);
}

export interface ReminderOutcomeView extends Omit<ReminderView, 'reminderId' | 'buttons' | 'note'> {
  /** What was done and by whom: {@link reminderOutcomeText}. */
  outcome: string;
}

/** The reminder after someone acted on it: same facts, no buttons, what was done and by whom. */
export function renderReminderOutcome(v: ReminderOutcomeView): SlackMessage {
  const blocks: KnownBlock[] = [section(title(v)), facts(v), section(v.outcome)];
  return message(`${esc(v.imageName || v.imageId, 200)} (${esc(v.imageId, 64)}): ${v.outcome}`, blocks);
}

/** What someone did with a reminder's button. */
export type ReminderOutcome =
  | {
      kind: 'extended';
      by: string;
      tagKey: string;
      value: string;
      days: number;
      deprecationUnchanged: boolean;
    }
  | { kind: 'snoozed'; by: string; until: string }
  | { kind: 'deregister-requested'; by: string; requestId: string; pending: boolean; channel?: string };

/** The outcome line of a reminder after a click (mrkdwn; every value escaped). */
export function reminderOutcomeText(o: ReminderOutcome): string {
  const who = userMention(o.by);
  switch (o.kind) {
    case 'extended':
      return `✅ *Extended* by ${who}: ${code(o.tagKey, 128)} is now ${code(o.value, 64)} (+${o.days} days). Reminders start afresh for the new date.${o.deprecationUnchanged ? ' The EC2 deprecation time is unchanged.' : ''}`;
    case 'snoozed':
      return `😴 *Snoozed* by ${who} until ${esc(formatDateTime(o.until), 40)}: no reminders for this image until then.`;
    case 'deregister-requested':
      return o.pending
        ? `🗑️ ${who} *requested deregistration*: ${code(o.requestId, 40)}, waiting for approval${o.channel ? ` in ${channelMention(o.channel)}` : ''}.`
        : `🗑️ ${who} *requested deregistration*: ${code(o.requestId, 40)} (no approval needed in this account; it is queued).`;
  }
}

/** What the account's expired-image policy did, shown under a reminder. */
export type ReminderNote =
  | { kind: 'already-deprecated' }
  | { kind: 'deprecated'; at: string }
  | { kind: 'deprecate-failed'; error: string }
  | { kind: 'deregister-requested'; requestId: string; channel?: string }
  | { kind: 'deregister-failed'; error: string };

/** The note line (mrkdwn; the error, AWS's words, escaped). */
export function reminderNoteText(n: ReminderNote): string {
  switch (n.kind) {
    case 'already-deprecated':
      return '🚫 The image is already deprecated in EC2.';
    case 'deprecated':
      return `🚫 amibot deprecated the image in EC2 (as of ${esc(formatDateTime(n.at), 40)}), per the account’s \`deprecate\` policy for expired images.`;
    case 'deprecate-failed':
      return `⚠️ amibot could not deprecate the image: ${esc(n.error, 1000)}`;
    case 'deregister-requested':
      return `🗑️ amibot requested its deregistration (${code(n.requestId, 40)}), per the account’s \`request-deregister\` policy; it waits for approval${n.channel ? ` in ${channelMention(n.channel)}` : ''}.`;
    case 'deregister-failed':
      return `⚠️ amibot did not request its deregistration: ${esc(n.error, 1000)}`;
  }
}

export interface MalformedExpiryView {
  account: string;
  region: string;
  imageId: string;
  imageName: string;
  tagKey: string;
  value: string;
  owner: ImageOwner;
}

/** An image whose expiry tag cannot be read: said once per image and value. */
export function renderMalformedExpiry(v: MalformedExpiryView): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      `⚠️ ${bold(v.imageName || v.imageId, 200)} ${imageIdCode(v.imageId)} in ${esc(v.account, 64)} / ${esc(v.region, 40)} has a malformed expiry tag: ${code(v.tagKey, 128)} = ${code(v.value, 256)}`,
    ),
    section(
      `amibot cannot tell when it expires, so it sends no reminders for it. Fix the tag with a date such as \`2027-01-31\` (or \`/ami expire ${esc(v.imageId, 64)} --at 2027-01-31\`).`,
    ),
    context([`Owner: ${ownerText(v.owner)}`]),
  ];
  return message(
    `Malformed expiry tag on ${esc(v.imageName || v.imageId, 200)} (${esc(v.imageId, 64)}): ${esc(`${v.tagKey}=${v.value}`, 200)}`,
    blocks,
  );
}
