import { renderAutoApproved, renderRequestConfirmation } from '../blocks/request-confirmation.js';
import type { AccountConfig } from '../config.js';
import { formatUsd, monthlyStorageCost } from '../domain/cost.js';
import { resolveWhen } from '../domain/duration.js';
import type {
  CopyCommand,
  DeprecateCommand,
  DeregisterCommand,
  DisableCommand,
  EnableCommand,
  EncryptCommand,
  ExpireCommand,
  ShareCommand,
  UndeprecateCommand,
  UnshareCommand,
} from '../domain/grammar/index.js';
import type { AmiImage } from '../domain/image.js';
import { countPermissions } from '../domain/policy.js';
import type { AmiRequest, LaunchGrants, OperationParams } from '../domain/request.js';
import { AppError } from '../errors.js';
import { planShareGrants } from '../golden/share-keys.js';
import { approvalChannel, buildRequest, type Prepared } from '../requests/build.js';
import { checkDeregisterFiling, checkReplaceFiling } from '../requests/in-use-guard.js';
import { plannedGrants } from '../requests/launch-grants.js';
import * as lifecycle from '../requests/lifecycle.js';
import { authorise } from './authorise.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

export type QuickRequestCommand =
  | ShareCommand
  | UnshareCommand
  | DeprecateCommand
  | UndeprecateCommand
  | DisableCommand
  | EnableCommand
  | ExpireCommand
  | DeregisterCommand;

function bad(message: string): never {
  throw new AppError('bad_input', message);
}

function future(iso: string, now: Date, what: string): string {
  if (Date.parse(iso) <= now.getTime())
    bad(`${what} must be in the future (it is ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC now).`);
  return iso;
}

const SHARED_ENCRYPTED_WARNING =
  'The copy is encrypted: the accounts it is shared with also need access to its KMS key (a customer-managed key; the AWS-managed EBS key cannot be shared).';

function publicDroppedWarning(accountAlias: string, what: string): string {
  return `The source image is *public*, but the ${what} will not be: public sharing is turned off for account *${accountAlias}*. Its other launch permissions are applied.`;
}

/** Checks one quick command against the image and works out exactly what will change. */
async function prepare(
  cmd: QuickRequestCommand,
  image: AmiImage,
  ctx: CommandContext,
  account: AccountConfig,
  region: string,
): Promise<Prepared> {
  const now = ctx.deps.clock();
  const warnings: string[] = [];
  const encrypted = image.blockDevices.some((d) => d.encrypted);
  switch (cmd.name) {
    case 'share': {
      const ownId = await ctx.deps.aws.accountId(account, region);
      if (cmd.targets.some((t) => t.kind === 'account' && t.accountId === ownId)) {
        bad(`\`${image.imageId}\` already belongs to account \`${ownId}\`; share it with other accounts.`);
      }
      if (cmd.targets.some((t) => t.kind === 'public')) {
        warnings.push(
          'This makes the image *public*: every AWS account can launch it and see its snapshots’ contents.',
        );
      }
      const keys = encrypted ? await shareKeyChecks(ctx, account, region, image, cmd.targets) : undefined;
      return {
        params: {
          kind: 'share',
          targets: cmd.targets,
          ...(keys?.grants.length ? { kmsGrants: keys.grants } : {}),
        },
        warnings: [...warnings, ...(keys?.warnings ?? [])],
      };
    }
    case 'unshare':
      return { params: { kind: 'unshare', targets: cmd.targets }, warnings };
    case 'deprecate': {
      const at = future(resolveWhen(cmd.when, now).toISOString(), now, 'The deprecation time');
      return { params: { kind: 'deprecate', deprecateAt: at }, warnings };
    }
    case 'undeprecate':
      if (!image.deprecationTime) bad(`\`${image.imageId}\` has no deprecation time to remove.`);
      return { params: { kind: 'undeprecate' }, warnings };
    case 'disable':
      if (image.state === 'disabled') bad(`\`${image.imageId}\` is already disabled.`);
      if (image.state !== 'available')
        bad(`\`${image.imageId}\` is ${image.state}; only an available image can be disabled.`);
      if (image.public) warnings.push('Disabling removes the image’s public and shared launch permissions.');
      return { params: { kind: 'disable' }, warnings };
    case 'enable':
      if (image.state !== 'disabled')
        bad(`\`${image.imageId}\` is ${image.state}, not disabled; there is nothing to enable.`);
      return { params: { kind: 'enable' }, warnings };
    case 'expire': {
      const at = future(resolveWhen(cmd.when, now).toISOString(), now, 'The expiry date');
      return { params: { kind: 'expire', expiresAt: at, tagKey: ctx.deps.config.expiryTagKey }, warnings };
    }
    case 'deregister': {
      // Refused here when in use or when that cannot be checked; with --force, filed with the users listed.
      const forced = await checkDeregisterFiling(ctx.deps, account, region, image.imageId, cmd.force);
      if (forced) warnings.push(forced);
      if (image.public) warnings.push('The image is public: anyone launching it by id will fail after this.');
      const snaps = image.blockDevices.filter((d) => d.snapshotId).length;
      if (!cmd.keepSnapshots && snaps > 0) {
        warnings.push(
          `Its ${snaps} snapshot${snaps === 1 ? '' : 's'} will be deleted too (unless another image uses them).`,
        );
      }
      return { params: { kind: 'deregister', keepSnapshots: cmd.keepSnapshots, force: cmd.force }, warnings };
    }
  }
}

/** `share` of an encrypted image: each snapshot's KMS key checked, the grants to make listed (golden/share-keys.ts). */
function shareKeyChecks(
  ctx: CommandContext,
  account: AccountConfig,
  region: string,
  image: AmiImage,
  targets: ShareCommand['targets'],
) {
  return planShareGrants(ctx.deps, account, region, image, targets);
}

/**
 * Permission first: resolves the account and region and checks the account's policy for this
 * user and operation. A refusal is audited and answered; nothing is read from AWS before it.
 */
export async function authoriseRequest(
  ctx: CommandContext,
  cmd: { name: AmiRequest['kind']; imageId: string; account?: string; region?: string },
  publicShare: boolean,
): Promise<{ account: AccountConfig; region: string }> {
  const { account, region } = resolveTarget(ctx.deps.config, cmd.account, cmd.region);
  await authorise(ctx, {
    account,
    region,
    kind: cmd.name,
    target: cmd.imageId,
    imageId: cmd.imageId,
    publicShare,
  });
  return { account, region };
}

/**
 * Files a request for a quick operation: validates against the image and the policy, stores it,
 * posts the approval message, and confirms to the requester. Nothing is stored if any step
 * before the message fails; a request whose message cannot be posted is discarded again.
 */
export async function quickRequestCommand(
  cmd: QuickRequestCommand,
  ctx: CommandContext,
): Promise<CommandReply> {
  const { deps } = ctx;
  const publicShare = cmd.name === 'share' && cmd.targets.some((t) => t.kind === 'public');
  const { account, region } = await authoriseRequest(ctx, cmd, publicShare);

  const image = await deps.images.getImage(account, region, cmd.imageId);
  const accountId = await deps.aws.accountId(account, region);
  if (image.ownerId !== accountId) {
    bad(
      `\`${cmd.name}\` needs an image that account *${account.alias}* owns; \`${image.imageId}\` belongs to \`${image.ownerId}\`.`,
    );
  }
  const prepared = await prepare(cmd, image, ctx, account, region);
  const request = buildRequest(ctx.deps, {
    userId: ctx.userId,
    channelId: ctx.channelId,
    account,
    accountId,
    region,
    image,
    prepared,
    kind: cmd.name,
  });
  return fileRequest(ctx, request);
}

/** Files a built request (lifecycle.file) and answers the requester with a confirmation. */
export async function fileRequest(ctx: CommandContext, request: AmiRequest): Promise<CommandReply> {
  const channel = approvalChannel(ctx.deps, request);
  const posted = await lifecycle.file(ctx.deps, request, channel);
  return {
    message:
      posted.approvalsNeeded === 0
        ? renderAutoApproved({ request: posted, channel })
        : renderRequestConfirmation({ request: posted, channel }),
  };
}

/**
 * `/ami copy` and `/ami encrypt`: any image the account can launch (public ones included) may be
 * copied; the KMS key, when given, must exist and be enabled in every destination region before
 * the request is filed.
 */
export async function copyRequestCommand(
  cmd: CopyCommand | EncryptCommand,
  ctx: CommandContext,
): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = await authoriseRequest(ctx, cmd, false);

  const image = await deps.images.getImage(account, region, cmd.imageId);
  if (image.state !== 'available')
    bad(`\`${image.imageId}\` is ${image.state}; only an available image can be copied.`);
  const accountId = await deps.aws.accountId(account, region);
  const owned = image.ownerId === accountId;
  const warnings: string[] = [];
  const price = deps.config.snapshotPricePerGbMonth;
  const monthly = monthlyStorageCost(image, price);
  const encryptedNow =
    image.blockDevices.some((d) => d.snapshotId) &&
    image.blockDevices.every((d) => !d.snapshotId || d.encrypted);

  let params: OperationParams;
  let destinations: string[];
  if (cmd.name === 'copy') {
    destinations = cmd.toRegions;
    for (const dest of destinations) {
      if (account.regions.length > 0 && !account.regions.includes(dest)) {
        bad(
          `Account *${account.alias}* is configured for ${account.regions.map((r) => `\`${r}\``).join(', ')} only, not \`${dest}\`.`,
        );
      }
    }
    if (destinations.includes(region) && !cmd.encrypt) {
      bad(
        `\`${image.imageId}\` is already in \`${region}\`. To make an encrypted copy there, use \`/ami encrypt ${image.imageId}\`.`,
      );
    }
    if (cmd.withPermissions && !owned) {
      bad(
        '`--with-permissions` copies the image’s launch permissions, which only the owner can read; this image belongs to another account.',
      );
    }
    const grants = cmd.withPermissions
      ? await plannedGrants(deps, account, region, image.imageId)
      : undefined;
    params = {
      kind: 'copy',
      toRegions: destinations,
      newName: cmd.newName,
      encrypt: cmd.encrypt,
      kmsKeyId: cmd.kmsKeyId,
      withPermissions: cmd.withPermissions,
      ...(grants ? { grants } : {}),
    };
    if (grants) {
      warnings.push(
        'The launch permissions listed are applied to each copy once it is ready (EC2 does not copy them); they are read again then, within the account’s policy.',
      );
      if (grants.publicDropped) warnings.push(publicDroppedWarning(account.alias, 'copies'));
      if (cmd.encrypt && countPermissions(grants.permissions) > 0) warnings.push(SHARED_ENCRYPTED_WARNING);
    }
  } else {
    destinations = [region];
    if (encryptedNow && !cmd.kmsKeyId) {
      bad(`\`${image.imageId}\` is already encrypted. Give \`--kms-key\` to re-encrypt it with another key.`);
    }
    if (cmd.replace && !owned)
      bad(
        '`--replace` deregisters the original, which only its owner can do; this image belongs to another account.',
      );
    let grants: LaunchGrants | undefined;
    if (cmd.replace) grants = await plannedGrants(deps, account, region, image.imageId);
    params = { kind: 'encrypt', kmsKeyId: cmd.kmsKeyId, replace: cmd.replace, ...(grants ? { grants } : {}) };
    if (grants) {
      warnings.push(
        `*Replace*: once the encrypted copy is available, it gets the original’s launch permissions (listed, read again then), and the unencrypted original \`${image.imageId}\` is deregistered and its snapshots deleted — unless something uses the original by then, in which case it is kept.`,
      );
      if (grants.publicDropped) warnings.push(publicDroppedWarning(account.alias, 'encrypted copy'));
      if (countPermissions(grants.permissions) > 0) warnings.push(SHARED_ENCRYPTED_WARNING);
    }
  }
  if (cmd.kmsKeyId) {
    for (const dest of destinations) {
      const key = await deps.kms.describeKey(account, dest, cmd.kmsKeyId);
      if (!key.enabled)
        bad(
          `KMS key \`${cmd.kmsKeyId}\` in \`${dest}\` is ${key.state}, not enabled: the copy could not be encrypted with it.`,
        );
    }
  }
  if (cmd.name === 'encrypt' && cmd.replace) {
    // The original is deregistered at the end: refused now if something uses it (or that is unknown).
    await checkReplaceFiling(deps, account, region, image.imageId);
  }
  if (!owned)
    warnings.push(
      `The source image belongs to \`${image.ownerAlias ?? image.ownerId}\`; the copy will belong to account *${account.alias}*.`,
    );
  warnings.push(
    `Storage: about ${formatUsd(monthly)} per month for each copy (${destinations.length} ${destinations.length === 1 ? 'copy' : 'copies'}).`,
  );
  const request = buildRequest(deps, {
    userId: ctx.userId,
    channelId: ctx.channelId,
    account,
    accountId,
    region,
    image,
    prepared: { params, warnings },
    kind: cmd.name,
  });
  return fileRequest(ctx, request);
}
