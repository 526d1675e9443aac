import type {
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  EC2Client,
  Image,
} from '@aws-sdk/client-ec2';
import type { AccountConfig } from '../config.js';
import type { AmiImage, LaunchPermissions } from '../domain/image.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';

/** What to look for: EC2's own filters plus words matched client-side (EC2 name filters are case-sensitive). */
export interface ImageQuery {
  owners?: string[];
  executableBy?: string[];
  namePatterns?: string[];
  arch?: string;
  filters?: Array<{ name: string; values: string[] }>;
  /** Only images in this state; default `available`. `any` for no state filter. */
  state?: string;
  includeDeprecated?: boolean;
  /** Disabled images too (EC2 hides them unless asked). */
  includeDisabled?: boolean;
  /** Every word must appear in the name (case-insensitive). */
  freeText?: string[];
}

export interface FindResult {
  images: AmiImage[];
  /** Images EC2 returned across all pages (before client-side matching). */
  scanned: number;
  pages: number;
}

const PAGE_SIZE = 1000;

export function toAmiImage(img: Image, region: string): AmiImage {
  const tags: Record<string, string> = {};
  for (const t of img.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return {
    imageId: img.ImageId ?? '',
    region,
    name: img.Name ?? '',
    description: img.Description,
    ownerId: img.OwnerId ?? '',
    ownerAlias: img.ImageOwnerAlias,
    state: img.State ?? 'unknown',
    stateReason: img.StateReason?.Message ?? img.StateReason?.Code,
    creationDate: img.CreationDate,
    architecture: img.Architecture ?? 'unknown',
    virtualizationType: img.VirtualizationType,
    bootMode: img.BootMode,
    enaSupport: img.EnaSupport,
    imdsSupport: img.ImdsSupport,
    rootDeviceType: img.RootDeviceType,
    rootDeviceName: img.RootDeviceName,
    platformDetails: img.PlatformDetails,
    public: img.Public ?? false,
    blockDevices: (img.BlockDeviceMappings ?? []).map((b) => ({
      deviceName: b.DeviceName ?? '',
      snapshotId: b.Ebs?.SnapshotId,
      volumeSizeGiB: b.Ebs?.VolumeSize,
      volumeType: b.Ebs?.VolumeType,
      encrypted: b.Ebs?.Encrypted,
      kmsKeyId: b.Ebs?.KmsKeyId,
      deleteOnTermination: b.Ebs?.DeleteOnTermination,
      virtualName: b.VirtualName,
    })),
    tags,
    deprecationTime: img.DeprecationTime,
    sourceImageId: img.SourceImageId,
    sourceImageRegion: img.SourceImageRegion,
  };
}

function buildInput(q: ImageQuery): DescribeImagesCommandInput {
  const filters: Array<{ Name: string; Values: string[] }> = [];
  if (q.namePatterns?.length) filters.push({ Name: 'name', Values: q.namePatterns });
  if (q.arch) filters.push({ Name: 'architecture', Values: [q.arch] });
  const state = q.state ?? 'available';
  if (state !== 'any') filters.push({ Name: 'state', Values: [state] });
  for (const f of q.filters ?? []) filters.push({ Name: f.name, Values: f.values });
  return {
    Owners: q.owners?.length ? q.owners : undefined,
    ExecutableUsers: q.executableBy?.length ? q.executableBy : undefined,
    Filters: filters.length ? filters : undefined,
    IncludeDeprecated: q.includeDeprecated ? true : undefined,
    IncludeDisabled: q.includeDisabled ? true : undefined,
  };
}

function matchesFreeText(img: Image, words: string[] | undefined): boolean {
  if (!words?.length) return true;
  const name = (img.Name ?? '').toLowerCase();
  return words.every((w) => name.includes(w.toLowerCase()));
}

/** Newer first; ties broken by id so results are stable. */
function newerFirst(a: Image, b: Image): number {
  const ca = a.CreationDate ?? '';
  const cb = b.CreationDate ?? '';
  if (ca !== cb) return ca < cb ? 1 : -1;
  return (a.ImageId ?? '') < (b.ImageId ?? '') ? -1 : 1;
}

/**
 * Keeps the best `limit` items seen so far, so memory stays flat however many pages EC2 returns.
 * `limit` is small (≤ 100), so a sorted array with binary insertion beats a heap in practice.
 */
export class TopN<T> {
  private readonly items: T[] = [];
  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    const items = this.items;
    if (items.length === this.limit) {
      const last = items[items.length - 1] as T;
      if (this.compare(item, last) >= 0) return;
    }
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(items[mid] as T, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, item);
    if (items.length > this.limit) items.pop();
  }

  values(): T[] {
    return [...this.items];
  }
}

/** Read access to EC2 images, in the bot's own terms. */
export class Ec2Images {
  constructor(private readonly clients: AwsClients) {}

  private client(account: AccountConfig, region: string): EC2Client {
    return this.clients.ec2(account, region);
  }

  /** Walks DescribeImages pages, calling `onPage` for each (awaited); stops early when it returns false. */
  async eachPage(
    account: AccountConfig,
    region: string,
    query: ImageQuery,
    onPage: (images: Image[]) => boolean | undefined | Promise<boolean | undefined>,
  ): Promise<number> {
    const client = this.client(account, region);
    const input = buildInput(query);
    let token: string | undefined;
    let pages = 0;
    do {
      let out: DescribeImagesCommandOutput;
      try {
        out = await client.send(
          new ec2Sdk.DescribeImagesCommand({ ...input, MaxResults: PAGE_SIZE, NextToken: token }),
        );
      } catch (err) {
        throw mapAwsError(err, { action: 'ec2:DescribeImages', region, account: account.alias });
      }
      pages++;
      // An async `onPage` is awaited before the next page is fetched (backpressure: one page in memory).
      if ((await onPage(out.Images ?? [])) === false) break;
      token = out.NextToken || undefined;
    } while (token);
    return pages;
  }

  /** The newest `limit` images matching the query, across all pages, in bounded memory. */
  async findNewest(
    account: AccountConfig,
    region: string,
    query: ImageQuery,
    limit: number,
  ): Promise<FindResult> {
    const top = new TopN<Image>(limit, newerFirst);
    let scanned = 0;
    const pages = await this.eachPage(account, region, query, (images) => {
      scanned += images.length;
      for (const img of images) if (matchesFreeText(img, query.freeText)) top.offer(img);
      return true;
    });
    return { images: top.values().map((i) => toAmiImage(i, region)), scanned, pages };
  }

  /** Every image matching the query (own inventories: hundreds to a few thousand), newest first. */
  async listAll(account: AccountConfig, region: string, query: ImageQuery): Promise<AmiImage[]> {
    const all: Image[] = [];
    await this.eachPage(account, region, query, (images) => {
      for (const img of images) if (matchesFreeText(img, query.freeText)) all.push(img);
      return true;
    });
    return all.sort(newerFirst).map((i) => toAmiImage(i, region));
  }

  /** One image by id; a friendly not_found when it does not exist in that account/region. */
  async getImage(account: AccountConfig, region: string, imageId: string): Promise<AmiImage> {
    let images: Image[] | undefined;
    try {
      const out = await this.client(account, region).send(
        new ec2Sdk.DescribeImagesCommand({
          ImageIds: [imageId],
          IncludeDeprecated: true,
          IncludeDisabled: true,
        }),
      );
      images = out.Images;
    } catch (err) {
      throw mapAwsError(err, { action: 'ec2:DescribeImages', region, account: account.alias, imageId });
    }
    const img = images?.[0];
    if (!img) {
      throw new AppError(
        'not_found',
        `\`${imageId}\` was not found in account *${account.alias}*, region *${region}*. AMIs are regional: check \`--region\` and \`--account\`.`,
      );
    }
    return toAmiImage(img, region);
  }

  async getLaunchPermissions(
    account: AccountConfig,
    region: string,
    imageId: string,
  ): Promise<LaunchPermissions> {
    try {
      const out = await this.client(account, region).send(
        new ec2Sdk.DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      const perms: LaunchPermissions = {
        public: false,
        accounts: [],
        organizations: [],
        organizationalUnits: [],
      };
      for (const p of out.LaunchPermissions ?? []) {
        if (p.Group === 'all') perms.public = true;
        if (p.UserId) perms.accounts.push(p.UserId);
        if (p.OrganizationArn) perms.organizations.push(p.OrganizationArn);
        if (p.OrganizationalUnitArn) perms.organizationalUnits.push(p.OrganizationalUnitArn);
      }
      return perms;
    } catch (err) {
      throw mapAwsError(err, {
        action: 'ec2:DescribeImageAttribute',
        region,
        account: account.alias,
        imageId,
      });
    }
  }

  async getLastLaunchedTime(
    account: AccountConfig,
    region: string,
    imageId: string,
  ): Promise<string | undefined> {
    try {
      const out = await this.client(account, region).send(
        new ec2Sdk.DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'lastLaunchedTime' }),
      );
      return out.LastLaunchedTime?.Value;
    } catch (err) {
      throw mapAwsError(err, {
        action: 'ec2:DescribeImageAttribute',
        region,
        account: account.alias,
        imageId,
      });
    }
  }
}
