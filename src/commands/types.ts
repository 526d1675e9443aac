import type { SlackMessage } from '../blocks/message.js';
import type { Deps } from '../deps.js';

/** Who asked, and where: what every subcommand handler receives besides its parsed command. */
export interface CommandContext {
  deps: Deps;
  userId: string;
  channelId: string;
}

/** What a subcommand hands back: a message, and whether the whole channel should see it. */
export interface CommandReply {
  message: SlackMessage;
  /** Default: ephemeral (only the person who asked sees it). */
  inChannel?: boolean;
}
