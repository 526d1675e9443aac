import type { AccountConfig } from '../config.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';
import { awsErrorCode } from './snapshots.js';

const NOT_OWNER = new Set(['AuthFailure', 'UnauthorizedOperation']);

/** Who may create volumes from snapshots (the scan's "public snapshot" check). */
export class SnapshotPermissions {
  constructor(private readonly clients: AwsClients) {}

  /**
   * Whether each snapshot is public (createVolumePermission group `all`): true or false, or
   * undefined when amibot cannot tell. The owner reads the attribute; for other accounts'
   * snapshots it asks DescribeSnapshots for those restorable by `all` (a snapshot the account
   * cannot see at all is not public). Throttling and outages are thrown (the job retries).
   */
  async publicStatus(
    account: AccountConfig,
    region: string,
    snapshotIds: readonly string[],
    imageId?: string,
  ): Promise<Map<string, boolean | undefined>> {
    const out = new Map<string, boolean | undefined>();
    for (const id of new Set(snapshotIds)) out.set(id, await this.isPublic(account, region, id, imageId));
    return out;
  }

  private async isPublic(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    imageId?: string,
  ): Promise<boolean | undefined> {
    const client = this.clients.ec2(account, region);
    try {
      const out = await client.send(
        new ec2Sdk.DescribeSnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
        }),
      );
      return (out.CreateVolumePermissions ?? []).some((p) => p.Group === 'all');
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'InvalidSnapshot.NotFound') return false;
      if (!code || !NOT_OWNER.has(code)) this.rethrowTransient(err, account, region, imageId);
    }
    try {
      const out = await client.send(
        new ec2Sdk.DescribeSnapshotsCommand({ SnapshotIds: [snapshotId], RestorableByUserIds: ['all'] }),
      );
      return (out.Snapshots ?? []).some((s) => s.SnapshotId === snapshotId);
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidSnapshot.NotFound') return false;
      this.rethrowTransient(err, account, region, imageId);
      return undefined;
    }
  }

  /** Throws errors worth retrying; anything else means "cannot tell". */
  private rethrowTransient(err: unknown, account: AccountConfig, region: string, imageId?: string): void {
    const mapped = mapAwsError(err, {
      action: 'ec2:DescribeSnapshotAttribute',
      region,
      account: account.alias,
      imageId,
    });
    if (mapped.retry) throw mapped;
  }
}
