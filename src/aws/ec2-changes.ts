import type { EC2Client, Image, LaunchPermission } from '@aws-sdk/client-ec2';
import type { AccountConfig } from '../config.js';
import type { ShareTarget } from '../domain/grammar/index.js';
import type { LaunchPermissions } from '../domain/image.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { Ec2Images } from './ec2.js';
import { type AwsCallContext, mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';
import { awsErrorCode, Snapshots } from './snapshots.js';

export interface KeptSnapshot {
  snapshotId: string;
  reason: string;
  /** Other images that use the snapshot, when that is why it was kept. */
  usedBy?: string[];
}

export interface DeregisterResult {
  /** True when the image was already deregistered (e.g. a retried job): nothing was deregistered now. */
  alreadyGone: boolean;
  deletedSnapshots: string[];
  keptSnapshots: KeptSnapshot[];
  /** Snapshots that were already deleted (by an earlier attempt, or by someone else). */
  missingSnapshots: string[];
}

export interface DeregisterOptions {
  deleteSnapshots: boolean;
  /**
   * The image's snapshot ids as recorded earlier (e.g. when the request was made). Used when the
   * image is already gone, so a retried job can still clean up its snapshots.
   */
  knownSnapshotIds?: string[];
}

function toLaunchPermission(target: ShareTarget): LaunchPermission {
  switch (target.kind) {
    case 'account':
      return { UserId: target.accountId };
    case 'organization':
      return { OrganizationArn: target.arn };
    case 'ou':
      return { OrganizationalUnitArn: target.arn };
    case 'public':
      return { Group: 'all' };
  }
}

function allPermissions(perms: LaunchPermissions): LaunchPermission[] {
  return [
    ...(perms.public ? [{ Group: 'all' as const }] : []),
    ...perms.accounts.map((UserId) => ({ UserId })),
    ...perms.organizations.map((OrganizationArn) => ({ OrganizationArn })),
    ...perms.organizationalUnits.map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
  ];
}

function isImageGone(code: string | undefined): boolean {
  return code === 'InvalidAMIID.NotFound' || code === 'InvalidAMIID.Unavailable';
}

/** Changes to images the account owns: sharing, deprecation, disabling, tags, deregistration. */
export class Ec2Changes {
  private readonly images: Ec2Images;
  private readonly snapshots: Snapshots;

  /**
   * `throttle` is awaited before every changing call, so bursts stay inside EC2's per-account,
   * per-region request buckets whoever makes them (jobs, sweeps, buttons).
   */
  constructor(
    private readonly clients: AwsClients,
    private readonly throttle: (accountAlias: string, region: string) => Promise<void> = async () => {},
  ) {
    this.images = new Ec2Images(clients);
    this.snapshots = new Snapshots(clients, throttle);
  }

  private client(account: AccountConfig, region: string): EC2Client {
    return this.clients.ec2(account, region);
  }

  /** Sends one command, mapping errors; `IncorrectState` becomes a `conflict` the user can read. */
  private async call<T>(ctx: AwsCallContext, send: () => Promise<T>): Promise<T> {
    await this.throttle(ctx.account ?? '', ctx.region ?? '');
    try {
      return await send();
    } catch (err) {
      if (awsErrorCode(err) === 'IncorrectState') {
        const message = (err as { message?: string }).message ?? '';
        throw new AppError(
          'conflict',
          `\`${ctx.imageId ?? 'The image'}\` cannot be changed that way right now: ${message}`.trim(),
          { cause: err, context: { awsCode: 'IncorrectState', ...ctx } },
        );
      }
      throw mapAwsError(err, ctx);
    }
  }

  // ---- launch permissions -------------------------------------------------------------------

  /** Shares the image with accounts, organizations, OUs or everyone; returns the permissions after. */
  async addLaunchPermissions(
    account: AccountConfig,
    region: string,
    imageId: string,
    targets: ShareTarget[],
  ): Promise<LaunchPermissions> {
    if (targets.length > 0) {
      await this.modifyLaunchPermission(account, region, imageId, { Add: targets.map(toLaunchPermission) });
    }
    return this.images.getLaunchPermissions(account, region, imageId);
  }

  /** Unshares; `'all'` removes every launch permission, public included. Returns the permissions after. */
  async removeLaunchPermissions(
    account: AccountConfig,
    region: string,
    imageId: string,
    targets: ShareTarget[] | 'all',
  ): Promise<LaunchPermissions> {
    const remove =
      targets === 'all'
        ? allPermissions(await this.images.getLaunchPermissions(account, region, imageId))
        : targets.map(toLaunchPermission);
    if (remove.length > 0) {
      await this.modifyLaunchPermission(account, region, imageId, { Remove: remove });
    }
    return this.images.getLaunchPermissions(account, region, imageId);
  }

  private async modifyLaunchPermission(
    account: AccountConfig,
    region: string,
    imageId: string,
    change: { Add?: LaunchPermission[]; Remove?: LaunchPermission[] },
  ): Promise<void> {
    await this.call({ action: 'ec2:ModifyImageAttribute', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(
        new ec2Sdk.ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: change }),
      ),
    );
  }

  // ---- deprecation, disable/enable ----------------------------------------------------------

  /** Deprecates the image at `at` (EC2 keeps minutes; it must be in the future). */
  async enableDeprecation(account: AccountConfig, region: string, imageId: string, at: Date): Promise<void> {
    await this.call({ action: 'ec2:EnableImageDeprecation', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(
        new ec2Sdk.EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }),
      ),
    );
  }

  async disableDeprecation(account: AccountConfig, region: string, imageId: string): Promise<void> {
    await this.call({ action: 'ec2:DisableImageDeprecation', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(new ec2Sdk.DisableImageDeprecationCommand({ ImageId: imageId })),
    );
  }

  /** Disables the image (EC2 also removes all its launch permissions). */
  async disableImage(account: AccountConfig, region: string, imageId: string): Promise<void> {
    await this.call({ action: 'ec2:DisableImage', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(new ec2Sdk.DisableImageCommand({ ImageId: imageId })),
    );
  }

  async enableImage(account: AccountConfig, region: string, imageId: string): Promise<void> {
    await this.call({ action: 'ec2:EnableImage', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(new ec2Sdk.EnableImageCommand({ ImageId: imageId })),
    );
  }

  // ---- tags ---------------------------------------------------------------------------------

  /** Adds or overwrites tags on images, snapshots or instances. */
  async setTags(
    account: AccountConfig,
    region: string,
    resourceIds: string[],
    tags: Record<string, string>,
  ): Promise<void> {
    const entries = Object.entries(tags);
    if (resourceIds.length === 0 || entries.length === 0) return;
    const imageId = resourceIds.find((id) => id.startsWith('ami-'));
    await this.call({ action: 'ec2:CreateTags', region, account: account.alias, imageId }, () =>
      this.client(account, region).send(
        new ec2Sdk.CreateTagsCommand({
          Resources: resourceIds,
          Tags: entries.map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  // ---- deregistration -----------------------------------------------------------------------

  /**
   * Deregisters the image and, if asked, deletes its snapshots — never one that another registered
   * image of the account still uses. Idempotent: an image already gone is reported `alreadyGone`.
   * Once the image is deregistered, snapshot problems do not throw: they are listed as kept.
   */
  async deregister(
    account: AccountConfig,
    region: string,
    imageId: string,
    opts: DeregisterOptions,
  ): Promise<DeregisterResult> {
    const ctx = { region, account: account.alias, imageId };
    const client = this.client(account, region);

    let image: Image | undefined;
    try {
      const out = await client.send(
        new ec2Sdk.DescribeImagesCommand({
          ImageIds: [imageId],
          IncludeDeprecated: true,
          IncludeDisabled: true,
        }),
      );
      image = out.Images?.[0];
    } catch (err) {
      if (!isImageGone(awsErrorCode(err))) throw mapAwsError(err, { action: 'ec2:DescribeImages', ...ctx });
    }
    if (image?.OwnerId && image.OwnerId !== (await this.clients.accountId(account, region))) {
      throw new AppError(
        'forbidden',
        `\`${imageId}\` belongs to account ${image.OwnerId}, not to *${account.alias}*: only its owner can deregister it.`,
      );
    }
    const fromImage = (image?.BlockDeviceMappings ?? []).flatMap((b) =>
      b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [],
    );
    const snapshotIds = [...new Set(image ? fromImage : (opts.knownSnapshotIds ?? []))];

    let alreadyGone = !image || image.State === 'deregistered';
    if (!alreadyGone) {
      try {
        await this.throttle(account.alias, region);
        await client.send(new ec2Sdk.DeregisterImageCommand({ ImageId: imageId }));
      } catch (err) {
        if (!isImageGone(awsErrorCode(err))) {
          throw mapAwsError(err, { action: 'ec2:DeregisterImage', ...ctx });
        }
        alreadyGone = true;
      }
    }

    const result: DeregisterResult = {
      alreadyGone,
      deletedSnapshots: [],
      keptSnapshots: [],
      missingSnapshots: [],
    };
    for (const snapshotId of snapshotIds) {
      if (!opts.deleteSnapshots) {
        result.keptSnapshots.push({ snapshotId, reason: 'kept as asked' });
        continue;
      }
      const outcome = await this.snapshots.deleteIfUnused(account, region, snapshotId, imageId);
      if (outcome.outcome === 'deleted') result.deletedSnapshots.push(snapshotId);
      else if (outcome.outcome === 'gone') result.missingSnapshots.push(snapshotId);
      else
        result.keptSnapshots.push({
          snapshotId,
          reason: outcome.reason,
          ...(outcome.usedBy ? { usedBy: outcome.usedBy } : {}),
        });
    }
    return result;
  }
}
