import { renderCatalogue } from '../blocks/golden.js';
import type { GoldenCommand } from '../domain/grammar/index.js';
import { readCatalogue } from '../golden/catalogue.js';
import { findFamily } from '../golden/families.js';
import type { CommandContext, CommandReply } from './types.js';

/** `/ami golden [family]`: read-only, the catalogue from SSM and EC2 as they are now. */
export async function goldenCommand(cmd: GoldenCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const families = cmd.family ? [findFamily(deps.config, cmd.family).family] : deps.config.golden.families;
  const catalogue = await readCatalogue(deps, families);
  return { message: renderCatalogue({ families: catalogue, now: deps.clock() }) };
}
