import type { Image, TagSpecification } from '@aws-sdk/client-ec2';
import type { AccountConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';
import { awsErrorCode, parseProgress, Snapshots } from './snapshots.js';

export interface CopyImageInput {
  sourceRegion: string;
  sourceImageId: string;
  /** Name of the copy; must be unique among the account's images in the destination region. */
  name: string;
  description?: string;
  /** Encrypt the copy's snapshots (implied by `kmsKeyId`). */
  encrypted?: boolean;
  /** Key in the destination region: id, ARN, `alias/name` or alias ARN. Default: `alias/aws/ebs`. */
  kmsKeyId?: string;
  /** Copy the source image's user-defined tags onto the copy. */
  copyImageTags?: boolean;
  /** Tags put on the new image and on its snapshots. */
  tags?: Record<string, string>;
  /** Idempotency token (≤ 64 ASCII chars), derived from the request id: a retry returns the same image. */
  clientToken: string;
}

/** pending | available | failed | invalid | error | deregistered | disabled | … as EC2 says. */
export type CopyState = string;

export interface CopyStatus {
  state: CopyState;
  /** Average progress of the copy's snapshots, 0..100; 100 once the image is available. */
  percent: number;
  /** StateReason of a failed image. */
  reason?: string;
  snapshotIds: string[];
}

export interface DescribeCopyOptions {
  /** The copy was just started: an image EC2 does not know yet counts as `pending`. */
  justCreated?: boolean;
}

/** Image ids per DescribeImages call when polling copies (one region's copies in flight fit in one). */
export const IDS_PER_CALL = 100;

/** Image copies across regions (and encryption, which is a copy with a key). */
export class Ec2Copies {
  private readonly snapshots: Snapshots;

  constructor(private readonly clients: AwsClients) {
    this.snapshots = new Snapshots(clients);
  }

  /** Starts CopyImage in the destination region; returns the new image id (pending). */
  async copyImage(
    account: AccountConfig,
    destRegion: string,
    input: CopyImageInput,
  ): Promise<{ imageId: string }> {
    const tagList = Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const tagSpecs: TagSpecification[] | undefined = tagList.length
      ? [
          { ResourceType: 'image', Tags: tagList },
          { ResourceType: 'snapshot', Tags: tagList },
        ]
      : undefined;
    const encrypted = input.encrypted || input.kmsKeyId !== undefined;
    try {
      const out = await this.clients.ec2(account, destRegion).send(
        new ec2Sdk.CopyImageCommand({
          SourceRegion: input.sourceRegion,
          SourceImageId: input.sourceImageId,
          Name: input.name,
          Description: input.description,
          Encrypted: encrypted ? true : undefined,
          KmsKeyId: input.kmsKeyId,
          CopyImageTags: input.copyImageTags ? true : undefined,
          TagSpecifications: tagSpecs,
          ClientToken: input.clientToken,
        }),
      );
      if (!out.ImageId) throw new Error('CopyImage returned no image id');
      return { imageId: out.ImageId };
    } catch (err) {
      const code = awsErrorCode(err);
      const message = (err as { message?: string }).message;
      if (code === 'InvalidAMIName.Duplicate') {
        throw new AppError(
          'conflict',
          `An image named \`${input.name}\` already exists in account *${account.alias}*, region *${destRegion}*${message ? ` (${message})` : ''}. Pick another name.`,
          {
            cause: err,
            context: { awsCode: code, action: 'ec2:CopyImage', region: destRegion, name: input.name },
          },
        );
      }
      if (code === 'IdempotentParameterMismatch') {
        throw new AppError(
          'conflict',
          `This copy was already started with different settings (same client token, other parameters) in region *${destRegion}*.`,
          { cause: err, context: { awsCode: code, action: 'ec2:CopyImage', region: destRegion } },
        );
      }
      // Errors about the source image are about the source region.
      const region = code?.startsWith('InvalidAMIID') ? input.sourceRegion : destRegion;
      throw mapAwsError(err, {
        action: 'ec2:CopyImage',
        region,
        account: account.alias,
        imageId: input.sourceImageId,
      });
    }
  }

  /**
   * Where many copies in one region stand, in one DescribeImages call per `IDS_PER_CALL` ids (by
   * the `image-id` filter, so an id EC2 does not list yet — a copy seconds old — is simply absent
   * instead of failing the whole call) and one DescribeSnapshots for the progress of the pending
   * ones. Images EC2 does not list are left out of the map.
   */
  async describeCopies(
    account: AccountConfig,
    region: string,
    imageIds: string[],
  ): Promise<Map<string, CopyStatus>> {
    const out = new Map<string, CopyStatus>();
    const images: Image[] = [];
    for (let i = 0; i < imageIds.length; i += IDS_PER_CALL) {
      const ids = imageIds.slice(i, i + IDS_PER_CALL);
      try {
        const res = await this.clients.ec2(account, region).send(
          new ec2Sdk.DescribeImagesCommand({
            Owners: ['self'],
            Filters: [{ Name: 'image-id', Values: ids }],
            IncludeDeprecated: true,
            IncludeDisabled: true,
          }),
        );
        images.push(...(res.Images ?? []));
      } catch (err) {
        throw mapAwsError(err, { action: 'ec2:DescribeImages', region, account: account.alias });
      }
    }
    const snapshotsOf = (image: Image) =>
      (image.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : []));
    const pendingSnapshots = images.filter((i) => i.State !== 'available').flatMap(snapshotsOf);
    const progress = new Map(
      (await this.snapshots.describe(account, region, pendingSnapshots)).map((s) => [
        s.snapshotId,
        parseProgress(s.progress),
      ]),
    );
    for (const image of images) {
      if (!image.ImageId) continue;
      const state = image.State ?? 'unknown';
      const snapshotIds = snapshotsOf(image);
      const reason = image.StateReason?.Message ?? image.StateReason?.Code;
      let percent = 0;
      if (state === 'available') percent = 100;
      else if (snapshotIds.length > 0) {
        percent = Math.round(
          snapshotIds.reduce((a, id) => a + (progress.get(id) ?? 0), 0) / snapshotIds.length,
        );
        if (state === 'pending') percent = Math.min(percent, 99);
      }
      out.set(image.ImageId, {
        state,
        percent,
        snapshotIds,
        ...(reason && state !== 'available' ? { reason } : {}),
      });
    }
    return out;
  }

  /** Where a copy stands: image state, average snapshot progress, failure reason. */
  async describeCopy(
    account: AccountConfig,
    region: string,
    imageId: string,
    opts: DescribeCopyOptions = {},
  ): Promise<CopyStatus> {
    let image: Image | undefined;
    try {
      const out = await this.clients.ec2(account, region).send(
        new ec2Sdk.DescribeImagesCommand({
          ImageIds: [imageId],
          IncludeDeprecated: true,
          IncludeDisabled: true,
        }),
      );
      image = out.Images?.[0];
    } catch (err) {
      if (!(opts.justCreated && awsErrorCode(err) === 'InvalidAMIID.NotFound')) {
        throw mapAwsError(err, { action: 'ec2:DescribeImages', region, account: account.alias, imageId });
      }
    }
    if (!image) {
      if (opts.justCreated) return { state: 'pending', percent: 0, snapshotIds: [] };
      throw new AppError(
        'not_found',
        `\`${imageId}\` was not found in account *${account.alias}*, region *${region}*.`,
      );
    }
    const state = image.State ?? 'unknown';
    const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((b) =>
      b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [],
    );
    const reason = image.StateReason?.Message ?? image.StateReason?.Code;
    let percent: number;
    if (state === 'available') {
      percent = 100;
    } else if (snapshotIds.length === 0) {
      percent = 0;
    } else {
      const infos = await this.snapshots.describe(account, region, snapshotIds, imageId);
      const sum = snapshotIds.reduce((acc, id) => {
        const info = infos.find((s) => s.snapshotId === id);
        return acc + parseProgress(info?.progress);
      }, 0);
      percent = Math.round(sum / snapshotIds.length);
      // Snapshots done but the image not yet available: not quite finished.
      if (state === 'pending') percent = Math.min(percent, 99);
    }
    return { state, percent, snapshotIds, ...(reason && state !== 'available' ? { reason } : {}) };
  }
}
