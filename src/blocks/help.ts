/** `/ami help` and `/ami help <topic>`. Pure. */
import type { KnownBlock } from '@slack/types';
import {
  bold,
  code,
  codeBlock,
  context,
  esc,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';

export interface HelpTopicSummary {
  name: string;
  summary: string;
  usage: string;
}

export interface HelpTopicDetail extends HelpTopicSummary {
  details: string[];
  examples: string[];
}

/** Help sections take at most this many blocks. */
const MAX_TOPIC_SECTIONS = 45;

export function renderHelp(topics: ReadonlyArray<HelpTopicSummary>): SlackMessage {
  const lines = topics.map((t) => `${bold(t.name, 60)} — ${esc(t.summary, 300)}\n${code(t.usage, 400)}`);
  const packed = packLines(lines.length > 0 ? lines : ['_No commands available._'], {
    maxSections: MAX_TOPIC_SECTIONS,
    more: (n) => `_+${n} more commands — see ${code('/ami help <command>')}_`,
  });
  const blocks: KnownBlock[] = [
    header('amibot — AMI chat-ops'),
    ...packed.texts.map((t) => section(t)),
    context([`${code('/ami help <command>')} for details and examples of one command`]),
  ];
  const names = esc(topics.map((t) => t.name).join(', '), 1000);
  return message(
    `amibot commands: ${names || 'none'}. Use ${code('/ami help <command>')} for details.`,
    blocks,
  );
}

export function renderHelpTopic(topic: HelpTopicDetail): SlackMessage {
  const blocks: KnownBlock[] = [
    header(`/ami ${topic.name}`),
    section(`${esc(topic.summary, 1500)}\n${codeBlock(topic.usage, 1400)}`),
  ];
  if (topic.details.length > 0) {
    const packed = packLines(
      topic.details.map((d) => `• ${esc(d, 1000)}`),
      { maxSections: 10, more: (n) => `_+${n} more_` },
    );
    for (const t of packed.texts) blocks.push(section(t));
  }
  if (topic.examples.length > 0) {
    const ex = topic.examples.slice(0, 60);
    const body = ex.join('\n');
    const omitted = topic.examples.length - ex.length;
    blocks.push(section(`*Examples*\n${codeBlock(body, 2900)}${omitted > 0 ? `\n_+${omitted} more_` : ''}`));
  }
  return message(
    `/ami ${esc(topic.name, 60)}: ${esc(topic.summary, 1000)} Usage: ${code(topic.usage, 1000)}`,
    blocks,
  );
}
