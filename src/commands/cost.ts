import { renderCost } from '../blocks/cost.js';
import type { CostCommand } from '../domain/grammar/index.js';
import { costReport } from '../hygiene/cost.js';
import type { CommandContext, CommandReply } from './types.js';
import { scopeTargets } from './unused.js';

/** `/ami cost [--by …]`: where the snapshot storage money goes. */
export async function costCommand(cmd: CostCommand, ctx: CommandContext): Promise<CommandReply> {
  const { targets, scope } = scopeTargets(ctx, cmd.account, cmd.region);
  const report = await costReport(ctx.deps, targets, cmd.by);
  return { message: renderCost(report, scope) };
}
