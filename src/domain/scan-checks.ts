/**
 * The built-in checks of `/ami scan`: what can be judged from an image's metadata alone. Pure:
 * every input (the image, its launch permissions and snapshots, the time) is passed in.
 */
import { formatDate } from './age.js';
import { readExpiry } from './expiry.js';
import type { AmiImage, LaunchPermissions, SnapshotInfo } from './image.js';
import { type ScanFinding, SEVERITIES } from './scan.js';

/** A snapshot behind the image, and whether everyone may create volumes from it (undefined: unknown). */
export type ScannedSnapshot = Pick<SnapshotInfo, 'snapshotId' | 'encrypted'> & { public?: boolean };

export interface BuiltInPolicy {
  maxAgeDays: number;
  requiredTags: readonly string[];
  expiryTagKey: string;
}

export interface BuiltInCheckInput {
  image: AmiImage;
  /** Readable by the owner only; undefined for foreign images. */
  launchPermissions?: LaunchPermissions;
  snapshots: readonly ScannedSnapshot[];
  trustedOwners: readonly string[];
  /** The scanning account's id (undefined when unknown: the image is then treated as foreign). */
  ownAccountId?: string;
  now: Date;
  policy: BuiltInPolicy;
}

const DAY_MS = 86_400_000;

function list(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).map((id) => `\`${id}\``);
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ');
}

/** Whether the image's owner is trusted (by id, by alias, or `self` for the account's own images). */
export function isTrustedOwner(
  image: Pick<AmiImage, 'ownerId' | 'ownerAlias'>,
  trustedOwners: readonly string[],
  ownAccountId?: string,
): boolean {
  const trusted = new Set(trustedOwners);
  return (
    trusted.has(image.ownerId) ||
    (image.ownerAlias !== undefined && trusted.has(image.ownerAlias)) ||
    (trusted.has('self') && ownAccountId !== undefined && image.ownerId === ownAccountId)
  );
}

/** Every built-in finding, most severe first (ties by id). An empty list means nothing was found. */
export function runBuiltInChecks(input: BuiltInCheckInput): ScanFinding[] {
  const { image, now, policy } = input;
  const owned = input.ownAccountId !== undefined && image.ownerId === input.ownAccountId;
  const out: ScanFinding[] = [];

  // Launch permission.
  if (image.public || input.launchPermissions?.public) {
    out.push(
      owned
        ? {
            id: 'public-launch-permission',
            severity: 'critical',
            title: 'The image is public',
            detail: 'Every AWS account can launch it and read everything baked into it.',
            remediation: `Remove the public launch permission: \`/ami unshare ${image.imageId} --all\` (or share with specific accounts instead).`,
          }
        : {
            id: 'public-launch-permission',
            severity: 'info',
            title: 'Public image published by its owner',
            detail: `Account \`${image.ownerId}\` makes it available to everyone.`,
            remediation: 'Nothing to do for you; make sure the publisher is one you trust.',
          },
    );
  }

  // Snapshots.
  const publicSnaps = input.snapshots.filter((s) => s.public === true).map((s) => s.snapshotId);
  if (publicSnaps.length > 0) {
    out.push({
      id: 'public-snapshot',
      severity: 'critical',
      title: `${publicSnaps.length === 1 ? 'A snapshot is' : `${publicSnaps.length} snapshots are`} public`,
      detail: `Anyone can create a volume from ${list(publicSnaps)} and read its data.`,
      remediation:
        'Remove the public create-volume permission of the snapshot(s) (EC2 ModifySnapshotAttribute, or "Modify permissions" → Private in the console).',
    });
  }
  const unencrypted = input.snapshots.filter((s) => !s.encrypted).map((s) => s.snapshotId);
  if (unencrypted.length > 0) {
    out.push({
      id: 'unencrypted-snapshot',
      severity: 'high',
      title: `${unencrypted.length === 1 ? 'A snapshot is' : `${unencrypted.length} snapshots are`} not encrypted`,
      detail: `${list(unencrypted)} ${unencrypted.length === 1 ? 'is' : 'are'} stored unencrypted.`,
      remediation: `Make an encrypted copy and use it instead: \`/ami encrypt ${image.imageId}\`.`,
    });
  }

  // Owner.
  if (!isTrustedOwner(image, input.trustedOwners, input.ownAccountId)) {
    out.push({
      id: 'untrusted-owner',
      severity: 'high',
      title: 'The owner is not trusted',
      detail: `Owner \`${image.ownerId}\`${image.ownerAlias ? ` (${image.ownerAlias})` : ''} is not in the trusted owners list.`,
      remediation:
        'Use an image from a trusted publisher, or ask an admin to add this owner to `trustedOwners` after vetting it.',
    });
  }

  // Age.
  const created = image.creationDate ? Date.parse(image.creationDate) : Number.NaN;
  if (!Number.isNaN(created)) {
    const age = Math.floor((now.getTime() - created) / DAY_MS);
    if (age > policy.maxAgeDays) {
      out.push({
        id: 'too-old',
        severity: 'medium',
        title: `Older than ${policy.maxAgeDays} days`,
        detail: `Created ${formatDate(image.creationDate as string)}, ${age} days ago: it likely misses security updates.`,
        remediation: 'Rebuild the image from an up-to-date base and retire this one.',
      });
    }
  }

  // Deprecation and expiry.
  const deprecated = image.deprecationTime ? Date.parse(image.deprecationTime) : Number.NaN;
  if (!Number.isNaN(deprecated) && deprecated <= now.getTime()) {
    out.push({
      id: 'deprecated',
      severity: 'medium',
      title: 'The image is deprecated',
      detail: `Deprecated since ${formatDate(image.deprecationTime as string)}.`,
      remediation: 'Move to its successor; deprecated images are meant to be replaced.',
    });
  }
  const expiry = readExpiry(image, { tagKey: policy.expiryTagKey });
  if (expiry?.source === 'tag') {
    if ('invalid' in expiry) {
      out.push({
        id: 'malformed-expiry-tag',
        severity: 'low',
        title: `The \`${expiry.tagKey}\` tag cannot be read`,
        detail: `Its value \`${expiry.invalid.slice(0, 100)}\` is not a date.`,
        remediation: `Set it to a date (YYYY-MM-DD): \`/ami expire ${image.imageId} --at 2030-01-31\`.`,
      });
    } else if (Date.parse(expiry.at) <= now.getTime()) {
      out.push({
        id: 'expired',
        severity: 'high',
        title: 'The image is past its expiry date',
        detail: `Its \`${expiry.tagKey}\` tag says it expired on ${formatDate(expiry.at)}.`,
        remediation: `Replace it and deregister it (\`/ami deregister ${image.imageId}\`), or extend it with \`/ami expire\`.`,
      });
    }
  }

  // Required tags.
  for (const key of policy.requiredTags) {
    const value = image.tags[key];
    if (value === undefined || value.trim() === '') {
      out.push({
        id: `missing-tag:${key}`,
        severity: 'low',
        title: `Missing required tag \`${key}\``,
        detail: value === undefined ? `The image has no \`${key}\` tag.` : `The \`${key}\` tag is empty.`,
        remediation: `Tag the image with \`${key}\` (EC2 CreateTags).`,
      });
    }
  }

  // Instance metadata and networking.
  if (image.imdsSupport !== 'v2.0') {
    out.push({
      id: 'imdsv2-not-required',
      severity: 'medium',
      title: 'IMDSv2 is not required',
      detail: 'Instances launched from it accept IMDSv1 unless the launch template says otherwise.',
      remediation:
        'Register the next build with `--imds-support v2.0` (RegisterImage ImdsSupport) so IMDSv2 is always required.',
    });
  }
  if (image.enaSupport !== true) {
    out.push({
      id: 'no-ena',
      severity: 'low',
      title: 'ENA is not enabled',
      detail: 'Current instance types need Elastic Network Adapter support for enhanced networking.',
      remediation: 'Install the ENA driver and register the image with `--ena-support`.',
    });
  }

  const rank = (s: ScanFinding['severity']) => SEVERITIES.indexOf(s);
  return out.sort((a, b) => rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
