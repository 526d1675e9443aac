import { renderOrphans } from '../blocks/orphans.js';
import type { OrphansCommand } from '../domain/grammar/index.js';
import { AppError } from '../errors.js';
import { fileSnapshotDeletion } from '../hygiene/file-batch.js';
import { findOrphans } from '../hygiene/orphans.js';
import { authoriseBatch, confirmation } from './prune.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/** `/ami orphans [--delete]`: the snapshots no image uses; `--delete` files a request to delete them. */
export async function orphansCommand(cmd: OrphansCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  if (cmd.delete) await authoriseBatch(ctx, 'delete-snapshots', account, region);
  const report = await findOrphans(deps, { account, region });
  if (!cmd.delete) return { message: renderOrphans(report, deps.config.snapshotPricePerGbMonth) };
  if (report.orphans.length === 0) {
    throw new AppError(
      'not_found',
      `There are no orphaned snapshots in *${account.alias}*/\`${region}\` to delete.`,
    );
  }
  const max = deps.config.retention.maxPerRequest;
  const items = report.orphans.slice(0, max).map(({ startTime: _s, ...item }) => item);
  const more = report.orphans.length - items.length;
  const request = await fileSnapshotDeletion(deps, {
    requester: ctx.userId,
    channelId: ctx.channelId,
    account,
    region,
    items,
    warnings:
      more > 0
        ? [`${more} more orphaned snapshots wait for a later request (at most ${max} per request).`]
        : [],
  });
  return confirmation(deps, request);
}
