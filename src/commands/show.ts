import { renderImageDetails } from '../blocks/image-details.js';
import type { AccountConfig } from '../config.js';
import type { LaunchPermissions } from '../domain/image.js';
import { isAppError } from '../errors.js';
import { resolveTarget } from './target.js';
import { trustChecker } from './trust.js';
import type { CommandContext, CommandReply } from './types.js';

export interface ShowArgs {
  imageId: string;
  region?: string;
  account?: string;
}

/** `/ami show` (and the Details button): one image in depth. */
export async function showCommand(cmd: ShowArgs, { deps }: CommandContext): Promise<CommandReply> {
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const image = await deps.images.getImage(account, region, cmd.imageId);
  const ownerId = await ownAccountId(deps, account, region);
  const owned = ownerId !== undefined && image.ownerId === ownerId;

  // Launch permissions and last launch are readable by the owner only; for others say so.
  let launchPermissions: LaunchPermissions | undefined;
  let lastLaunchedTime: string | undefined;
  if (owned) {
    [launchPermissions, lastLaunchedTime] = await Promise.all([
      deps.images.getLaunchPermissions(account, region, image.imageId),
      deps.images.getLastLaunchedTime(account, region, image.imageId).catch((err: unknown) => {
        if (isAppError(err) && err.code !== 'aws_access_denied') throw err;
        return undefined;
      }),
    ]);
  }
  const isTrusted = await trustChecker(deps, account, region);
  return {
    message: renderImageDetails({
      image,
      account: account.alias,
      launchPermissions,
      lastLaunchedTime,
      trusted: isTrusted(image),
      pricePerGbMonth: deps.config.snapshotPricePerGbMonth,
      expiryTagKey: deps.config.expiryTagKey,
      now: deps.clock(),
    }),
  };
}

async function ownAccountId(
  deps: CommandContext['deps'],
  account: AccountConfig,
  region: string,
): Promise<string | undefined> {
  return account.accountId ?? deps.aws.accountId(account, region);
}
