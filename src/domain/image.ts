/**
 * The bot's own picture of an AMI, independent of the AWS SDK's types. `aws/ec2.ts` maps the
 * SDK's shapes into these; `domain/` and `blocks/` only ever see these.
 */

export type Architecture = 'x86_64' | 'arm64' | 'i386' | 'x86_64_mac' | 'arm64_mac';

export interface BlockDevice {
  deviceName: string;
  /** Present for EBS-backed devices. */
  snapshotId?: string;
  volumeSizeGiB?: number;
  volumeType?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  deleteOnTermination?: boolean;
  /** Instance-store devices carry a virtual name (ephemeral0…) instead of a snapshot. */
  virtualName?: string;
}

export interface AmiImage {
  imageId: string;
  region: string;
  name: string;
  description?: string;
  ownerId: string;
  /** `amazon`, `aws-marketplace`, … when AWS reports one. */
  ownerAlias?: string;
  /** pending | available | invalid | deregistered | transient | failed | error | disabled */
  state: string;
  stateReason?: string;
  /** ISO 8601 timestamp. */
  creationDate?: string;
  architecture: string;
  virtualizationType?: string;
  bootMode?: string;
  enaSupport?: boolean;
  /** `v2.0` when the image requires IMDSv2. */
  imdsSupport?: string;
  rootDeviceType?: string;
  rootDeviceName?: string;
  platformDetails?: string;
  public: boolean;
  blockDevices: BlockDevice[];
  tags: Record<string, string>;
  /** ISO 8601 timestamp. */
  deprecationTime?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
}

export interface LaunchPermissions {
  public: boolean;
  accounts: string[];
  organizations: string[];
  organizationalUnits: string[];
}

export interface SnapshotInfo {
  snapshotId: string;
  volumeSizeGiB: number;
  encrypted: boolean;
  kmsKeyId?: string;
  state: string;
  /** "0%".."100%" as EC2 reports it. */
  progress?: string;
}

/** One of the account's own EBS snapshots, as the cleanup commands read it. */
export interface OwnSnapshot {
  snapshotId: string;
  sizeGiB: number;
  /** pending | completed | error | recoverable | recovering */
  state: string;
  /** ISO 8601. */
  startTime?: string;
  description?: string;
  tags: Record<string, string>;
}

/** Total GiB of an image's EBS snapshots. */
export function imageSizeGiB(image: Pick<AmiImage, 'blockDevices'>): number {
  return image.blockDevices.reduce((sum, d) => sum + (d.snapshotId ? (d.volumeSizeGiB ?? 0) : 0), 0);
}
