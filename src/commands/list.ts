import { renderImageList } from '../blocks/image-list.js';
import { storageTotals } from '../domain/cost.js';
import { formatDuration } from '../domain/duration.js';
import type { ListCommand } from '../domain/grammar/index.js';
import type { AmiImage } from '../domain/image.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/** How many DescribeImageAttribute calls run at once when marking shared images. */
const SHARE_LOOKUP_CONCURRENCY = 8;

/** `/ami list`: the account's own images, newest first, with size, cost, expiry and sharing. */
export async function listCommand(cmd: ListCommand, { deps }: CommandContext): Promise<CommandReply> {
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const now = deps.clock();
  const filters = Object.entries(cmd.tags).map(([k, v]) => ({ name: `tag:${k}`, values: [v] }));
  let images = await deps.images.listAll(account, region, {
    owners: ['self'],
    state: 'any',
    filters,
    includeDeprecated: true,
  });
  images = images.filter((i) => i.state !== 'deregistered');
  if (cmd.olderThanMs !== undefined) {
    const cutoff = now.getTime() - cmd.olderThanMs;
    images = images.filter((i) => i.creationDate !== undefined && Date.parse(i.creationDate) < cutoff);
  }
  const totals = storageTotals(images, deps.config.snapshotPricePerGbMonth);
  const shown = images.slice(0, cmd.limit);
  const sharedWith = await countShares(cmd, { deps } as CommandContext, account, region, shown);

  const described = [
    cmd.olderThanMs !== undefined ? `older than ${formatDuration(cmd.olderThanMs)}` : undefined,
    ...Object.entries(cmd.tags).map(([k, v]) => `tag ${k}=${v}`),
  ].filter((s): s is string => Boolean(s));
  return {
    message: renderImageList({
      account: account.alias,
      region,
      images: shown,
      totalMatched: images.length,
      totals,
      sharedWith,
      pricePerGbMonth: deps.config.snapshotPricePerGbMonth,
      expiryTagKey: deps.config.expiryTagKey,
      now,
      filtersDescription: described.length ? described.join(', ') : undefined,
      limit: cmd.limit,
    }),
  };
}

async function countShares(
  _cmd: ListCommand,
  { deps }: CommandContext,
  account: Parameters<CommandContext['deps']['images']['getLaunchPermissions']>[0],
  region: string,
  images: AmiImage[],
): Promise<Map<string, number>> {
  const shared = new Map<string, number>();
  const queue = [...images];
  const worker = async () => {
    for (let img = queue.shift(); img; img = queue.shift()) {
      try {
        const perms = await deps.images.getLaunchPermissions(account, region, img.imageId);
        const n = perms.accounts.length + perms.organizations.length + perms.organizationalUnits.length;
        if (n > 0) shared.set(img.imageId, n);
      } catch (err) {
        // Sharing is a marker, not the point of the list: show the list without it.
        deps.logger.warn('could not read launch permissions for list', { imageId: img.imageId, error: err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SHARE_LOOKUP_CONCURRENCY, images.length) }, worker));
  return shared;
}
