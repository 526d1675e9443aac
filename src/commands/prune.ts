import { renderPruneDryRun } from '../blocks/prune.js';
import { renderAutoApproved, renderRequestConfirmation } from '../blocks/request-confirmation.js';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { formatFamilySelector } from '../domain/families.js';
import type { PruneCommand } from '../domain/grammar/index.js';
import { isPrunePlanId } from '../domain/ids.js';
import type { AmiRequest, OperationKind } from '../domain/request.js';
import { AppError } from '../errors.js';
import { filePrune } from '../hygiene/file-batch.js';
import { planPrune } from '../hygiene/prune-plan.js';
import { approvalChannel } from '../requests/build.js';
import { PrunePlanStore } from '../store/prune-plans.js';
import { authorise } from './authorise.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/** Permission first: the user may request `kind` in the account (refusals are audited). */
export function authoriseBatch(
  ctx: CommandContext,
  kind: OperationKind,
  account: AccountConfig,
  region: string,
): Promise<void> {
  return authorise(ctx, { account, region, kind, target: `${account.alias}/${region}` });
}

function planId(deps: Pick<Deps, 'randomBytes'>): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let id = 'prn-';
  for (const b of deps.randomBytes(10)) id += alphabet[b % 36];
  return id;
}

/** `/ami prune`: the dry run, stored so its *File request* button can file it. */
export async function pruneCommand(cmd: PruneCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  await authoriseBatch(ctx, 'prune', account, region);
  const settings = deps.config.retention;
  const now = deps.clock();
  const plan = await planPrune(
    deps,
    { account, region },
    {
      selector: cmd.family,
      keep: cmd.keep,
      ...(cmd.olderThanMs !== undefined ? { olderThanMs: cmd.olderThanMs } : {}),
    },
    { maxPerRequest: settings.maxPerRequest, pricePerGbMonth: deps.config.snapshotPricePerGbMonth, now },
  );
  let id: string | undefined;
  if (plan.goes.length > 0) {
    id = planId(deps);
    await new PrunePlanStore(deps.redis, deps.config.redis.keyPrefix).save(
      {
        id,
        requester: ctx.userId,
        channelId: ctx.channelId,
        account: account.alias,
        region,
        family: formatFamilySelector(cmd.family),
        keep: cmd.keep,
        ...(cmd.olderThanMs !== undefined ? { olderThanMs: cmd.olderThanMs } : {}),
        items: plan.goes,
        freedGiB: plan.freedGiB,
        monthlyUsd: plan.monthlyUsd,
        createdAt: now.toISOString(),
      },
      settings.dryRunTtlMinutes * 60,
    );
  }
  deps.logger.info('prune dry run', {
    account: account.alias,
    region,
    family: formatFamilySelector(cmd.family),
    scanned: plan.scanned,
    goes: plan.goes.length,
  });
  return {
    message: renderPruneDryRun({
      plan,
      ...(id ? { planId: id } : {}),
      ttlMinutes: settings.dryRunTtlMinutes,
      now,
    }),
  };
}

/**
 * The *File request* button of a dry run. Its value is untrusted: only a well-formed dry-run id is
 * accepted and everything else is read back from Redis; the person clicking is authorised afresh.
 */
export async function filePlannedPrune(value: string, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  if (!isPrunePlanId(value))
    throw new AppError('bad_input', 'That button does not point at a prune dry run.');
  const store = new PrunePlanStore(deps.redis, deps.config.redis.keyPrefix);
  const plan = await store.get(value);
  if (!plan) {
    throw new AppError(
      'not_found',
      `That dry run is over ${deps.config.retention.dryRunTtlMinutes} minutes old (or gone); run \`/ami prune\` again for a fresh one.`,
    );
  }
  if (plan.filedAs) {
    throw new AppError(
      'conflict',
      `This dry run was already filed as request \`${plan.filedAs}\`. \`/ami requests\` shows it.`,
    );
  }
  const account = resolveAccount(deps.config, plan.account);
  if (!account) throw new AppError('bad_input', `Account \`${plan.account}\` is no longer configured.`);
  await authoriseBatch(ctx, 'prune', account, plan.region);
  const request = await filePrune(deps, {
    requester: ctx.userId,
    channelId: ctx.channelId,
    account,
    region: plan.region,
    family: plan.family,
    keep: plan.keep,
    ...(plan.olderThanMs !== undefined ? { olderThanMs: plan.olderThanMs } : {}),
    items: plan.items,
    freedGiB: plan.freedGiB,
    monthlyUsd: plan.monthlyUsd,
  });
  await store.markFiled(plan.id, request.id);
  return confirmation(deps, request);
}

export function confirmation(deps: Deps, request: AmiRequest): CommandReply {
  const channel = approvalChannel(deps, request);
  return {
    message:
      request.approvalsNeeded === 0
        ? renderAutoApproved({ request, channel })
        : renderRequestConfirmation({ request, channel }),
  };
}
