import { renderUnused } from '../blocks/unused.js';
import { resolveAccount } from '../config.js';
import type { UnusedCommand } from '../domain/grammar/index.js';
import { accountRegions } from '../domain/targets.js';
import { AppError } from '../errors.js';
import { findUnused } from '../hygiene/unused.js';
import type { CommandContext, CommandReply } from './types.js';

/** Every configured account and region, narrowed by `--account` / `--region` (checked against config). */
export function scopeTargets(ctx: CommandContext, accountFlag?: string, region?: string) {
  const { config } = ctx.deps;
  const account = accountFlag ? resolveAccount(config, accountFlag) : undefined;
  if (accountFlag && !account) {
    const known = config.accounts.map((a) => `\`${a.alias}\``).join(', ');
    throw new AppError('bad_input', `Unknown account \`${accountFlag}\`. Configured accounts: ${known}.`);
  }
  const targets = accountRegions(config, {
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
  }).filter((t) => t.account.regions.length === 0 || t.account.regions.includes(t.region));
  if (targets.length === 0) throw new AppError('bad_input', `No configured account uses \`${region}\`.`);
  const scope =
    accountFlag || region
      ? `${account?.alias ?? 'every account'}${region ? ` in ${region}` : ''}`
      : `every configured account and region (${targets.length})`;
  return { targets, scope };
}

/** `/ami unused --days N`: own images nobody launched in N days. */
export async function unusedCommand(cmd: UnusedCommand, ctx: CommandContext): Promise<CommandReply> {
  const { targets, scope } = scopeTargets(ctx, cmd.account, cmd.region);
  const report = await findUnused(ctx.deps, targets, { days: cmd.days });
  return { message: renderUnused(report, scope) };
}
