import { renderHelp, renderHelpTopic } from '../blocks/help.js';
import type { HelpCommand } from '../domain/grammar/index.js';
import { helpFor, helpTopics } from '../domain/help.js';
import type { CommandReply } from './types.js';

/** `/ami help [subcommand]`. */
export function helpCommand(cmd: HelpCommand): CommandReply {
  return { message: cmd.topic ? renderHelpTopic(helpFor(cmd.topic)) : renderHelp(helpTopics()) };
}
