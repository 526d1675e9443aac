import type { KnownBlock } from '@slack/types';
import { describeOperation, relativeTime, stateLabel } from '../domain/describe-request.js';
import type { AmiRequest } from '../domain/request.js';
import { progressLines } from './approval.js';
import { bold, code, context, message, type SlackMessage, section } from './message.js';
import { userMention } from './mrkdwn.js';

export interface JobsInput {
  /** Queue name → job counts by state (waiting, active, delayed, failed, completed). */
  queues: Record<string, Record<string, number>>;
  /** Requests that are approved, queued or running, newest first. */
  active: AmiRequest[];
  now: Date;
}

const MAX_ACTIVE = 20;

/** `/ami jobs`: what the workers are doing now. */
export function renderJobs(input: JobsInput): SlackMessage {
  const queueLine = Object.entries(input.queues)
    .map(
      ([name, c]) =>
        `${bold(name, 60)}: ${c.active ?? 0} running, ${(c.waiting ?? 0) + (c.delayed ?? 0)} waiting, ${c.failed ?? 0} failed`,
    )
    .join(' · ');
  const blocks: KnownBlock[] = [section(`⚙️ *Work queues* — ${queueLine || 'no queues yet'}`)];
  if (input.active.length === 0) {
    blocks.push(section('Nothing is being carried out right now.'));
  }
  for (const r of input.active.slice(0, MAX_ACTIVE)) {
    const lines = [
      `${stateLabel(r.state)} ${code(r.id, 40)} · ${describeOperation(r)}`,
      `requested by ${userMention(r.requester)} ${relativeTime(r.createdAt, input.now)}`,
      ...progressLines(r),
    ];
    blocks.push(section(lines.join('\n')));
  }
  if (input.active.length > MAX_ACTIVE) {
    blocks.push(
      context([`+${input.active.length - MAX_ACTIVE} more; \`/ami requests --all\` lists them all.`]),
    );
  }
  const text = `Work queues: ${input.active.length} request(s) in progress`;
  return message(text, blocks);
}
