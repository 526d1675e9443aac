import { renderExpiryDigest } from '../blocks/expiry-digest.js';
import type { resolveAccount } from '../config.js';
import type { ExpiringCommand } from '../domain/grammar/index.js';
import { DAY_MS } from '../domain/reminders.js';
import { accountRegions } from '../domain/targets.js';
import { AppError } from '../errors.js';
import { collectInventory } from '../expiry/inventory.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/**
 * `/ami expiring [--within 30d] [--account A] [--region R]`: the digest's list on demand,
 * ephemeral. Without `--account`, every configured account; without `--region`, each account's
 * regions (else the default region).
 */
export async function expiringCommand(cmd: ExpiringCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const config = deps.config;
  let account: ReturnType<typeof resolveAccount>;
  if (cmd.account) {
    account = resolveTarget(config, cmd.account, cmd.region).account;
  } else if (cmd.region) {
    const inRegion = config.accounts.filter(
      (a) => a.regions.length === 0 || a.regions.includes(cmd.region as string),
    );
    if (inRegion.length === 0) {
      throw new AppError('bad_input', `No configured account covers region \`${cmd.region}\`.`);
    }
  }
  const targets = accountRegions(config, { account, region: cmd.region }).filter(
    (t) => t.account.regions.length === 0 || t.account.regions.includes(t.region),
  );
  const inv = await collectInventory(deps, { targets, withinMs: cmd.withinMs, byChannel: false });
  const withinDays = Math.max(1, Math.round(cmd.withinMs / DAY_MS));
  const accounts = [...new Set(targets.map((t) => t.account.alias))];
  const regions = [...new Set(targets.map((t) => t.region))];
  if (inv.errors.length === targets.length && targets.length > 0) {
    throw new AppError('internal', `Could not read any images: ${inv.errors[0]}`, { retry: true });
  }
  const empty = {
    count: 0,
    gib: 0,
    monthlyUsd: 0,
    items: [],
  };
  const inventory = inv.channels.get('*') ?? {
    expired: empty,
    expiring: empty,
    noExpiry: empty,
    malformed: empty,
    missingTags: empty,
    total: { count: 0, gib: 0, monthlyUsd: 0 },
  };
  return {
    message: renderExpiryDigest({
      title: `Images expiring within ${withinDays} days`,
      scope: `Account${accounts.length === 1 ? '' : 's'} ${accounts.map((a) => `*${a.replace(/[*<>&`]/g, '')}*`).join(', ')} · region${regions.length === 1 ? '' : 's'} ${regions.map((r) => `\`${r}\``).join(', ')}`,
      inventory,
      withinDays,
      now: deps.clock(),
      expiryTagKey: config.expiryTagKey,
      requiredTags: config.expiry.requiredTags,
      errors: inv.errors,
    }),
  };
}
