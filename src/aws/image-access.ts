import type { AccountConfig } from '../config.js';
import type { SnapshotInfo } from '../domain/image.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';
import { Snapshots } from './snapshots.js';

/**
 * Who may use an image's parts: its snapshots (create-volume permissions, their KMS keys) and the
 * region's block public access for AMIs. Used by promotions (making the snapshots usable by the
 * accounts an image is shared with) and by `/ami why`.
 */
export class ImageAccess {
  private readonly snapshots: Snapshots;

  constructor(
    private readonly clients: AwsClients,
    private readonly throttle: (accountAlias: string, region: string) => Promise<void> = async () => {},
  ) {
    this.snapshots = new Snapshots(clients, throttle);
  }

  /** The snapshots (with their encryption and KMS key), in the order asked; missing ones left out. */
  describeSnapshots(
    account: AccountConfig,
    region: string,
    snapshotIds: string[],
    imageId?: string,
  ): Promise<SnapshotInfo[]> {
    return this.snapshots.describe(account, region, snapshotIds, imageId);
  }

  /** `block-new-sharing` or `unblocked`: whether images in the region can be made public. */
  async blockPublicAccessState(account: AccountConfig, region: string): Promise<string> {
    try {
      const out = await this.clients
        .ec2(account, region)
        .send(new ec2Sdk.GetImageBlockPublicAccessStateCommand({}));
      return out.ImageBlockPublicAccessState ?? 'unblocked';
    } catch (err) {
      throw mapAwsError(err, {
        action: 'ec2:GetImageBlockPublicAccessState',
        region,
        account: account.alias,
      });
    }
  }

  /** Who may create volumes from (and so copy) the snapshot. */
  async createVolumePermissions(
    account: AccountConfig,
    region: string,
    snapshotId: string,
  ): Promise<{ public: boolean; accounts: string[] }> {
    try {
      const out = await this.clients.ec2(account, region).send(
        new ec2Sdk.DescribeSnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
        }),
      );
      const perms = out.CreateVolumePermissions ?? [];
      return {
        public: perms.some((p) => p.Group === 'all'),
        accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
      };
    } catch (err) {
      throw mapAwsError(err, { action: 'ec2:DescribeSnapshotAttribute', region, account: account.alias });
    }
  }

  /** Lets the accounts create volumes from the snapshots (so they can copy the image). Idempotent. */
  async addCreateVolumePermission(
    account: AccountConfig,
    region: string,
    snapshotIds: readonly string[],
    accountIds: readonly string[],
  ): Promise<void> {
    if (accountIds.length === 0) return;
    for (const snapshotId of snapshotIds) {
      await this.throttle(account.alias, region);
      try {
        await this.clients.ec2(account, region).send(
          new ec2Sdk.ModifySnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
            CreateVolumePermission: { Add: accountIds.map((UserId) => ({ UserId })) },
          }),
        );
      } catch (err) {
        throw mapAwsError(err, { action: 'ec2:ModifySnapshotAttribute', region, account: account.alias });
      }
    }
  }
}
