import { renderImageDetails, type Unknown } from '../blocks/image-details.js';
import type { AccountConfig } from '../config.js';
import type { LaunchPermissions } from '../domain/image.js';
import { toAppError } from '../errors.js';
import { resolveTarget } from './target.js';
import { trustChecker } from './trust.js';
import type { CommandContext, CommandReply } from './types.js';

export interface ShowArgs {
  imageId: string;
  region?: string;
  account?: string;
}

/**
 * `/ami show` (and the Details button): one image in depth. The image itself (DescribeImages) must
 * be read, or the answer is an error; the secondary lookups — whether the account owns it, its
 * launch permissions, when it was last launched — each degrade on their own: a lookup that fails
 * leaves its field "unknown" with the reason, and the rest of the answer stands.
 */
export async function showCommand(cmd: ShowArgs, { deps }: CommandContext): Promise<CommandReply> {
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const image = await deps.images.getImage(account, region, cmd.imageId);
  const log = deps.logger.child({ imageId: image.imageId, account: account.alias, region });
  const secondary = async <T>(what: string, run: () => Promise<T>): Promise<T | Unknown> => {
    try {
      return await run();
    } catch (err) {
      const appErr = toAppError(err);
      log.warn('/ami show: a secondary lookup failed; the field says unknown', {
        lookup: what,
        code: appErr.code,
        awsCode: appErr.context.awsCode,
        ...(appErr.code === 'internal' ? { error: err } : {}),
      });
      return { unknown: appErr.userMessage };
    }
  };

  // Launch permissions and last launch are readable by the owner only; for others say so.
  const ownerId = await secondary('account id', () => ownAccountId(deps, account, region));
  let launchPermissions: LaunchPermissions | Unknown | undefined;
  let lastLaunchedTime: string | Unknown | undefined;
  if (isUnknown(ownerId)) {
    const why = `amibot could not tell whether account ${account.alias} owns this image: ${ownerId.unknown}`;
    launchPermissions = { unknown: why };
    lastLaunchedTime = { unknown: why };
  } else if (ownerId !== undefined && image.ownerId === ownerId) {
    [launchPermissions, lastLaunchedTime] = await Promise.all([
      secondary('launch permissions', () => deps.images.getLaunchPermissions(account, region, image.imageId)),
      secondary('last launched time', () => deps.images.getLastLaunchedTime(account, region, image.imageId)),
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

function isUnknown(v: unknown): v is Unknown {
  return typeof v === 'object' && v !== null && 'unknown' in v;
}

async function ownAccountId(
  deps: CommandContext['deps'],
  account: AccountConfig,
  region: string,
): Promise<string | undefined> {
  return account.accountId ?? deps.aws.accountId(account, region);
}
