/** `/ami requests`: open requests first (newest first), then finished ones (latest change first). Pure. */
import type { KnownBlock } from '@slack/types';
import { relativeTime, stateLabel, userMention } from '../domain/describe-request.js';
import { type AmiRequest, isFinal } from '../domain/request.js';
import { bold, code, context, message, packLines, type SlackMessage, section } from './message.js';

export interface RequestsListInput {
  /** In any order; the renderer sorts. */
  requests: AmiRequest[];
  now: Date;
  /** `--all`: the caller included everything, not only open and recent requests. */
  all: boolean;
}

/** At most this many sections of lines (the rest is summarised as "+N more"). */
const MAX_SECTIONS = 10;

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** Open requests first (newest created first), then finished ones (most recently updated first). */
export function sortRequests(requests: readonly AmiRequest[]): AmiRequest[] {
  const open = requests.filter((r) => !isFinal(r.state));
  const done = requests.filter((r) => isFinal(r.state));
  open.sort((a, b) => time(b.createdAt) - time(a.createdAt));
  done.sort((a, b) => time(b.updatedAt) - time(a.updatedAt));
  return [...open, ...done];
}

function line(r: AmiRequest, now: Date): string {
  const image =
    r.kind === 'prune' || r.kind === 'delete-snapshots' || r.kind === 'revoke-sharing'
      ? bold(r.image.name, 80)
      : r.image?.name
        ? `${code(r.imageId, 64)} ${bold(r.image.name, 80)}`
        : code(r.imageId, 64);
  const approvals =
    r.state === 'pending' && r.approvalsNeeded > 0 ? ` (${r.approvals.length}/${r.approvalsNeeded})` : '';
  return [
    `${code(r.id, 40)} ${stateLabel(r.state)}${approvals}`,
    code(r.kind, 20),
    `${image} in ${bold(r.account, 64)}`,
    userMention(r.requester),
    relativeTime(r.createdAt, now),
  ].join(' · ');
}

export function renderRequestsList(input: RequestsListInput): SlackMessage {
  const { now, all } = input;
  const hint = all ? undefined : 'Older requests: `/ami requests --all`';
  if (input.requests.length === 0) {
    const text = all ? 'There are no requests yet.' : 'No open or recent requests.';
    return message(text, [
      section(
        `${text} Changes such as \`/ami copy\`, \`/ami share\` or \`/ami deregister\` are filed as requests that approvers decide on.`,
      ),
      ...(hint ? [context([hint])] : []),
    ]);
  }
  const sorted = sortRequests(input.requests);
  const openCount = sorted.filter((r) => !isFinal(r.state)).length;
  const doneCount = sorted.length - openCount;
  const summary = `*${openCount} open* · ${doneCount} ${all ? 'finished' : 'recently finished'}`;
  const packed = packLines(
    sorted.map((r) => line(r, now)),
    { maxSections: MAX_SECTIONS, heading: summary, more: (n) => `_+${n} more requests_` },
  );
  const blocks: KnownBlock[] = packed.texts.map((t) => section(t));
  blocks.push(context([`Cancel with ${code('/ami cancel <request-id>')}`, hint]));
  return message(
    `${openCount} open and ${doneCount} ${all ? 'finished' : 'recently finished'} requests`,
    blocks,
  );
}
