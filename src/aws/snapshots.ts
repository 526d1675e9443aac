import type {
  DescribeImagesCommandOutput,
  DescribeSnapshotsCommandOutput,
  Snapshot,
} from '@aws-sdk/client-ec2';
import type { AccountConfig } from '../config.js';
import type { OwnSnapshot, SnapshotInfo } from '../domain/image.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';

/** The SDK error code of a failed call (`InvalidSnapshot.NotFound`, …). */
export function awsErrorCode(err: unknown): string | undefined {
  if (err instanceof AppError) {
    const code = err.context['awsCode'];
    return typeof code === 'string' ? code : undefined;
  }
  const e = err as { name?: string; Code?: string; code?: string } | null | undefined;
  return e?.name ?? e?.Code ?? e?.code;
}

/** `"42%"` → 42; anything unreadable → 0. */
export function parseProgress(progress: string | undefined): number {
  if (!progress) return 0;
  const n = Number.parseFloat(progress.replace('%', ''));
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

export function toSnapshotInfo(s: Snapshot): SnapshotInfo {
  return {
    snapshotId: s.SnapshotId ?? '',
    volumeSizeGiB: s.VolumeSize ?? 0,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    state: s.State ?? 'unknown',
    progress: s.Progress,
  };
}

export function toOwnSnapshot(s: Snapshot): OwnSnapshot {
  const tags: Record<string, string> = {};
  for (const t of s.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return {
    snapshotId: s.SnapshotId ?? '',
    sizeGiB: s.VolumeSize ?? 0,
    state: s.State ?? 'unknown',
    startTime: s.StartTime?.toISOString(),
    description: s.Description,
    tags,
  };
}

/** What happened when a snapshot was deleted only if nothing else uses it. */
export type SafeDeleteResult =
  | { outcome: 'deleted' }
  | { outcome: 'gone' }
  | { outcome: 'kept'; reason: string; usedBy?: string[] };

const PAGE_SIZE = 1000;

/** EBS snapshots behind images: progress of copies, and deletion that never breaks another image. */
export class Snapshots {
  constructor(
    private readonly clients: AwsClients,
    /** Awaited before each DeleteSnapshot (see Ec2Changes). */
    private readonly throttle: (accountAlias: string, region: string) => Promise<void> = async () => {},
  ) {}

  /** The named snapshots (missing ones are left out), in the order asked. */
  async describe(
    account: AccountConfig,
    region: string,
    snapshotIds: string[],
    imageId?: string,
  ): Promise<SnapshotInfo[]> {
    if (snapshotIds.length === 0) return [];
    let found: Snapshot[];
    try {
      found = await this.describeRaw(account, region, snapshotIds, imageId);
    } catch (err) {
      if (awsErrorCode(err) !== 'InvalidSnapshot.NotFound') throw err;
      // One missing id fails the whole call: ask one by one, leaving the missing ones out.
      found = [];
      for (const id of snapshotIds) {
        try {
          found.push(...(await this.describeRaw(account, region, [id], imageId)));
        } catch (e) {
          if (awsErrorCode(e) !== 'InvalidSnapshot.NotFound') throw e;
        }
      }
    }
    const byId = new Map(found.map((s) => [s.SnapshotId, s]));
    return snapshotIds.flatMap((id) => {
      const s = byId.get(id);
      return s ? [toSnapshotInfo(s)] : [];
    });
  }

  private async describeRaw(
    account: AccountConfig,
    region: string,
    snapshotIds: string[],
    imageId?: string,
  ): Promise<Snapshot[]> {
    try {
      const out = await this.clients
        .ec2(account, region)
        .send(new ec2Sdk.DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
      return out.Snapshots ?? [];
    } catch (err) {
      throw mapAwsError(err, { action: 'ec2:DescribeSnapshots', region, account: account.alias, imageId });
    }
  }

  /**
   * Walks the account's own snapshots (DescribeSnapshots, owner `self`) page by page, calling
   * `onPage` for each (awaited before the next page is asked for). Returns the number of pages.
   */
  async eachOwnPage(
    account: AccountConfig,
    region: string,
    onPage: (snapshots: OwnSnapshot[]) => void | Promise<void>,
  ): Promise<number> {
    const client = this.clients.ec2(account, region);
    let token: string | undefined;
    let pages = 0;
    const seen = new Set<string>();
    do {
      let out: DescribeSnapshotsCommandOutput;
      try {
        out = await client.send(
          new ec2Sdk.DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            MaxResults: PAGE_SIZE,
            NextToken: token,
          }),
        );
      } catch (err) {
        throw mapAwsError(err, { action: 'ec2:DescribeSnapshots', region, account: account.alias });
      }
      pages++;
      await onPage((out.Snapshots ?? []).map(toOwnSnapshot));
      token = out.NextToken || undefined;
      if (token !== undefined) {
        // A token that comes back again would loop for ever: the listing cannot be trusted.
        if (seen.has(token))
          throw new AppError('aws_error', 'EC2 answered the same snapshot page twice; try again later.', {
            retry: true,
          });
        seen.add(token);
      }
    } while (token);
    return pages;
  }

  /**
   * Ids of the account's registered images (any state, deprecated and disabled included) that use
   * a snapshot, other than `exceptImageId`.
   */
  async imagesUsing(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    exceptImageId?: string,
  ): Promise<string[]> {
    const client = this.clients.ec2(account, region);
    const users: string[] = [];
    let token: string | undefined;
    do {
      let out: DescribeImagesCommandOutput;
      try {
        out = await client.send(
          new ec2Sdk.DescribeImagesCommand({
            Owners: ['self'],
            Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [snapshotId] }],
            IncludeDeprecated: true,
            IncludeDisabled: true,
            MaxResults: PAGE_SIZE,
            NextToken: token,
          }),
        );
      } catch (err) {
        throw mapAwsError(err, {
          action: 'ec2:DescribeImages',
          region,
          account: account.alias,
          imageId: exceptImageId,
        });
      }
      for (const img of out.Images ?? []) {
        if (img.ImageId && img.ImageId !== exceptImageId && img.State !== 'deregistered') {
          users.push(img.ImageId);
        }
      }
      token = out.NextToken || undefined;
    } while (token);
    return users;
  }

  /**
   * Deletes a snapshot unless another registered image of the account uses it. Never throws for
   * the snapshot's own situation (in use, gone, not ours, refused): the result says why it was kept.
   */
  async deleteIfUnused(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    exceptImageId?: string,
  ): Promise<SafeDeleteResult> {
    let users: string[];
    try {
      users = await this.imagesUsing(account, region, snapshotId, exceptImageId);
    } catch (err) {
      const e = mapAwsError(err, { action: 'ec2:DescribeImages', region, account: account.alias });
      return { outcome: 'kept', reason: `could not check whether other images use it: ${e.userMessage}` };
    }
    if (users.length > 0) {
      return {
        outcome: 'kept',
        reason: `still used by ${users.map((u) => `\`${u}\``).join(', ')}`,
        usedBy: users,
      };
    }
    try {
      await this.throttle(account.alias, region);
      await this.clients
        .ec2(account, region)
        .send(new ec2Sdk.DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      return { outcome: 'deleted' };
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'InvalidSnapshot.NotFound') return { outcome: 'gone' };
      if (code === 'InvalidSnapshot.InUse') {
        const message = (err as { message?: string }).message;
        return { outcome: 'kept', reason: `in use${message ? ` (${message})` : ''}` };
      }
      if (code === 'AuthFailure') {
        return { outcome: 'kept', reason: 'it belongs to another account (not authorized to delete it)' };
      }
      const e = mapAwsError(err, {
        action: 'ec2:DeleteSnapshot',
        region,
        account: account.alias,
        imageId: exceptImageId,
      });
      return { outcome: 'kept', reason: e.userMessage };
    }
  }
}
