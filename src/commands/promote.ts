import { renderScanNeeded } from '../blocks/promotion.js';
import type { PromoteCommand, RollbackCommand } from '../domain/grammar/index.js';
import type { AmiImage } from '../domain/image.js';
import { AppError } from '../errors.js';
import { findFamily } from '../golden/families.js';
import { preparePromotion } from '../golden/plan.js';
import { prepareRollback } from '../golden/rollback.js';
import { buildRequest } from '../requests/build.js';
import { authorise } from './authorise.js';
import { fileRequest } from './request-commands.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/**
 * `/ami promote <ami> --as <family>`: the family's account and the image's region, the promoter's
 * permission, then every check of `golden/plan.ts`; files one request whose approval message shows
 * the whole plan. Without a passing recent scan it answers with a button that runs one.
 */
export async function promoteCommand(cmd: PromoteCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { family, account: familyAccount } = findFamily(deps.config, cmd.family);
  const { account, region } = resolveTarget(deps.config, cmd.account ?? familyAccount.alias, cmd.region);
  if (account.alias !== familyAccount.alias) {
    throw new AppError(
      'bad_input',
      `Family \`${family.name}\` lives in account *${familyAccount.alias}*; promote an image of that account (drop \`--account\`).`,
    );
  }
  await authorise(ctx, { account, region, kind: 'promote', target: cmd.imageId });
  const image = await deps.images.getImage(account, region, cmd.imageId);
  const accountId = await deps.aws.accountId(account, region);
  const filing = await preparePromotion(deps, { account, accountId, region, image, family });
  if (!filing.ok) {
    return {
      message: renderScanNeeded({
        imageId: image.imageId,
        account: account.alias,
        region,
        family: family.name,
        reason: filing.scan.reason,
        running: Boolean(filing.scan.running),
      }),
    };
  }
  const request = buildRequest(deps, {
    userId: ctx.userId,
    channelId: ctx.channelId,
    account,
    accountId,
    region,
    image,
    prepared: { params: filing.params, warnings: filing.warnings },
    kind: 'promote',
  });
  return fileRequest(ctx, request);
}

/**
 * `/ami rollback <family>`: a request to point the family's parameters back at the previous image
 * in every region (refused when a region has none). The request's image is the current one in the
 * family's first region.
 */
export async function rollbackCommand(cmd: RollbackCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { family, account } = findFamily(deps.config, cmd.family);
  const region = family.regions[0] as string;
  await authorise(ctx, { account, region, kind: 'rollback', target: family.name });
  const plans = await prepareRollback(deps, account, family);
  const first = plans[0];
  if (!first) throw new AppError('conflict', `Family \`${family.name}\` has no regions to roll back.`);
  let image: AmiImage;
  try {
    image = await deps.images.getImage(account, first.region, first.current);
  } catch {
    image = {
      imageId: first.current,
      region: first.region,
      name: '',
      ownerId: '',
      state: 'unknown',
      architecture: '',
      public: false,
      blockDevices: [],
      tags: {},
    };
  }
  const accountId = await deps.aws.accountId(account, first.region);
  const request = buildRequest(deps, {
    userId: ctx.userId,
    channelId: ctx.channelId,
    account,
    accountId,
    region: first.region,
    image,
    prepared: {
      params: { kind: 'rollback', family: family.name, regions: plans },
      warnings: [
        `Every region of \`${family.name}\` goes back to its previous image; the current images are deprecated.`,
      ],
    },
    kind: 'rollback',
  });
  return fileRequest(ctx, request);
}
