import { renderWhy } from '../blocks/why.js';
import { diagnoseLaunch } from '../domain/golden-why.js';
import type { WhyCommand } from '../domain/grammar/index.js';
import { gatherLaunchFacts } from '../golden/why.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/** `/ami why <ami> --for <account>`: read-only; every lookup on its own, ❔ where one fails. */
export async function whyCommand(cmd: WhyCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const facts = await gatherLaunchFacts(deps, {
    account,
    region,
    imageId: cmd.imageId,
    forAccount: cmd.forAccount,
  });
  return {
    message: renderWhy({
      imageId: cmd.imageId,
      region,
      forAccount: cmd.forAccount,
      checks: diagnoseLaunch(facts),
    }),
  };
}
