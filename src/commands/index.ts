import { renderError } from '../blocks/error.js';
import type { Command } from '../domain/grammar/index.js';
import { USAGE } from '../domain/grammar/index.js';
import type { AppError } from '../errors.js';
import { accessCommand } from './access.js';
import { costCommand } from './cost.js';
import { expiringCommand } from './expiring.js';
import { findCommand } from './find.js';
import { goldenCommand } from './golden.js';
import { helpCommand } from './help.js';
import { listCommand } from './list.js';
import { orphansCommand } from './orphans.js';
import { promoteCommand, rollbackCommand } from './promote.js';
import { pruneCommand } from './prune.js';
import { auditCommand, cancelCommand, jobsCommand, requestsCommand } from './request-admin.js';
import { copyRequestCommand, quickRequestCommand } from './request-commands.js';
import { scanCommand } from './scan.js';
import { showCommand } from './show.js';
import type { CommandContext, CommandReply } from './types.js';
import { unusedCommand } from './unused.js';
import { waiveCommand } from './waive.js';
import { whyCommand } from './why.js';

/** Routes a parsed command to its handler. Every subcommand the grammar knows has an entry. */
export async function runCommand(cmd: Command, ctx: CommandContext): Promise<CommandReply> {
  switch (cmd.name) {
    case 'help':
      return helpCommand(cmd);
    case 'find':
      return findCommand(cmd, ctx);
    case 'show':
      return showCommand(cmd, ctx);
    case 'list':
      return listCommand(cmd, ctx);
    case 'share':
    case 'unshare':
    case 'deprecate':
    case 'undeprecate':
    case 'disable':
    case 'enable':
    case 'expire':
    case 'deregister':
      return quickRequestCommand(cmd, ctx);
    case 'copy':
    case 'encrypt':
      return copyRequestCommand(cmd, ctx);
    case 'scan':
      return scanCommand(cmd, ctx);
    case 'jobs':
      return jobsCommand(cmd, ctx);
    case 'requests':
      return requestsCommand(cmd, ctx);
    case 'cancel':
      return cancelCommand(cmd, ctx);
    case 'audit':
      return auditCommand(cmd, ctx);
    case 'expiring':
      return expiringCommand(cmd, ctx);
    case 'prune':
      return pruneCommand(cmd, ctx);
    case 'orphans':
      return orphansCommand(cmd, ctx);
    case 'unused':
      return unusedCommand(cmd, ctx);
    case 'cost':
      return costCommand(cmd, ctx);
    case 'promote':
      return promoteCommand(cmd, ctx);
    case 'golden':
      return goldenCommand(cmd, ctx);
    case 'rollback':
      return rollbackCommand(cmd, ctx);
    case 'why':
      return whyCommand(cmd, ctx);
    case 'access':
      return accessCommand(cmd, ctx);
    case 'waive':
      return waiveCommand(cmd, ctx);
    default: {
      // Every subcommand the grammar knows is handled above; the compiler checks it.
      const unhandled: never = cmd;
      throw new Error(`no handler for ${JSON.stringify(unhandled)}`);
    }
  }
}

export function errorReply(err: AppError, subcommand?: Command['name']): CommandReply {
  return {
    message: renderError({
      message: err.userMessage,
      usage: err.code === 'bad_input' && subcommand ? USAGE[subcommand] : undefined,
      retry: err.retry,
    }),
  };
}
