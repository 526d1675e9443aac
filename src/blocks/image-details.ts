/** `/ami show` (and the `ami_show` button): everything about one image. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatAge, formatDateTime } from '../domain/age.js';
import { formatGiB, formatUsd, monthlyStorageCost } from '../domain/cost.js';
import { readExpiry } from '../domain/expiry.js';
import { type AmiImage, type BlockDevice, imageSizeGiB, type LaunchPermissions } from '../domain/image.js';
import { count } from '../domain/words.js';
import { redactSecrets } from '../secrets.js';
import { dateWithAge, deprecationMarker, expiryLabel, imageIdCode, trustBadge } from './format.js';
import {
  bold,
  code,
  context,
  divider,
  esc,
  escapeMrkdwn,
  fields,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
  truncate,
} from './message.js';

/** A secondary lookup that failed: the field shows "unknown" and this reason (a user-facing message). */
export interface Unknown {
  unknown: string;
}

export interface ImageDetailsInput {
  image: AmiImage;
  account: string;
  /** Undefined when the account does not own the image (only the owner can read them). */
  launchPermissions?: LaunchPermissions | Unknown;
  /** ISO 8601, from DescribeImageAttribute lastLaunchedTime (owner only). */
  lastLaunchedTime?: string | Unknown;
  trusted: boolean;
  pricePerGbMonth: number;
  expiryTagKey: string;
  now: Date;
}

const DESCRIPTION_MAX = 2800;

function yesNo(v: boolean | undefined, yes: string, no: string): string {
  return v === undefined ? 'unknown' : v ? yes : no;
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

function deviceLine(d: BlockDevice): string {
  const parts = [code(d.deviceName || '?', 64)];
  if (d.virtualName && !d.snapshotId) {
    parts.push(`instance store ${code(d.virtualName, 64)}`);
    return `• ${parts.join(' · ')}`;
  }
  parts.push(d.snapshotId ? code(d.snapshotId, 64) : 'no snapshot');
  const size = d.volumeSizeGiB !== undefined ? formatGiB(d.volumeSizeGiB) : undefined;
  const type = d.volumeType ? esc(d.volumeType, 20) : undefined;
  if (size || type) parts.push([size, type].filter(Boolean).join(' '));
  if (d.encrypted)
    parts.push(d.kmsKeyId ? `🔒 encrypted with ${code(d.kmsKeyId, 180)}` : '🔒 encrypted (default key)');
  else parts.push(d.encrypted === false ? '⚠️ not encrypted' : 'encryption unknown');
  if (d.deleteOnTermination === false) parts.push('kept on termination');
  return `• ${parts.join(' · ')}`;
}

/** `unknown — <reason>`: the reason escaped, credentials removed and cut to a readable length. */
function unknownBecause(u: Unknown): string {
  return `unknown — ${esc(redactSecrets(u.unknown), 300)}`;
}

function permissionLines(p: LaunchPermissions | Unknown | undefined): string[] {
  if (!p) return ['_Only the owner can see launch permissions._'];
  if ('unknown' in p) return [`⚠️ ${unknownBecause(p)}`];
  const lines: string[] = [];
  if (p.public) lines.push('🌐 *Public* — any AWS account can launch this image');
  const groups: Array<[string, string[]]> = [
    ['Accounts', p.accounts],
    ['Organizations', p.organizations],
    ['Organizational units', p.organizationalUnits],
  ];
  for (const [label, ids] of groups) {
    if (ids.length === 0) continue;
    lines.push(`${label} (${ids.length}):`);
    for (const id of ids) lines.push(`• ${code(id, 200)}`);
  }
  if (lines.length === 0) lines.push('🔒 Private — only the owner account can launch it');
  return lines;
}

function tagLines(tags: Record<string, string>): string[] {
  return Object.keys(tags)
    .sort((a, b) => a.localeCompare(b))
    .map((k) => `• ${code(k, 128)}: ${esc(tags[k] ?? '', 256) || '_(empty)_'}`);
}

function lastLaunched(iso: string, now: Date): string {
  const age = formatAge(iso, now);
  return `${esc(formatDateTime(iso), 40)} (${age === 'today' || age === 'unknown' || age.startsWith('in ') ? age : `${age} ago`})`;
}

function lastLaunchedField(v: string | Unknown | undefined, now: Date): string {
  if (v === undefined) return 'unknown';
  if (typeof v === 'string') return lastLaunched(v, now);
  return unknownBecause(v);
}

export function renderImageDetails(input: ImageDetailsInput): SlackMessage {
  const { image, now } = input;
  const blocks: KnownBlock[] = [header(image.name || image.imageId)];

  if (image.description) {
    const quoted = `>${escapeMrkdwn(image.description).replace(/\n/g, '\n>')}`;
    const note =
      quoted.length > DESCRIPTION_MAX
        ? `\n_description cut; ${count(image.description.length, 'character', 'characters')} in total_`
        : '';
    blocks.push(section(truncate(quoted, DESCRIPTION_MAX) + note));
  }

  const state = image.stateReason
    ? `${code(image.state, 40)} — ${esc(image.stateReason, 300)}`
    : code(image.state, 40);
  const owner = `${image.ownerAlias ? `${esc(image.ownerAlias, 64)} ` : ''}${code(image.ownerId, 64)}\n${trustBadge(input.trusted)}`;
  blocks.push(
    fields([
      field('Image', `${imageIdCode(image.imageId)}\n${esc(image.region, 40)}`),
      field('Owner', owner),
      field('State', state),
      field('Created', dateWithAge(image.creationDate, now)),
      field('Architecture', esc(image.architecture, 40)),
      field('Virtualization', image.virtualizationType ? esc(image.virtualizationType, 40) : 'unknown'),
      field('Boot mode', image.bootMode ? esc(image.bootMode, 40) : 'default'),
      field('ENA', yesNo(image.enaSupport, 'supported', 'not supported')),
      field('IMDS', image.imdsSupport === 'v2.0' ? '🔐 IMDSv2 required' : '⚠️ IMDSv1 allowed'),
      field(
        'Root device',
        `${image.rootDeviceType ? esc(image.rootDeviceType, 40) : 'unknown'}${image.rootDeviceName ? ` ${code(image.rootDeviceName, 64)}` : ''}`,
      ),
    ]),
  );

  const expiry = readExpiry(image, { tagKey: input.expiryTagKey });
  const size = imageSizeGiB(image);
  const cost = monthlyStorageCost(image, input.pricePerGbMonth);
  blocks.push(
    fields([
      field('Platform', image.platformDetails ? esc(image.platformDetails, 100) : 'unknown'),
      field('Visibility', image.public ? '🌐 public' : '🔒 private'),
      field('Deprecation', deprecationMarker(image, now) ?? 'not deprecated'),
      field('Expiry', expiryLabel(expiry, now, input.expiryTagKey)),
      field('Last launched', lastLaunchedField(input.lastLaunchedTime, now)),
      field('Snapshot storage', `${formatGiB(size)} · ~${formatUsd(cost)}/month`),
      image.sourceImageId
        ? field(
            'Copied from',
            `${code(image.sourceImageId, 64)}${image.sourceImageRegion ? ` in ${esc(image.sourceImageRegion, 40)}` : ''}`,
          )
        : undefined,
    ]),
  );

  blocks.push(divider());
  const devices = image.blockDevices.map(deviceLine);
  const devPacked = packLines(devices.length > 0 ? devices : ['_none_'], {
    maxSections: 4,
    heading: `*Block devices* (${devices.length})`,
    more: (n) => `_+${count(n, 'more block device', 'more block devices')}_`,
  });
  for (const t of devPacked.texts) blocks.push(section(t));

  const perms = packLines(permissionLines(input.launchPermissions), {
    maxSections: 2,
    heading: '*Launch permissions*',
    more: (n) => `_+${n.toLocaleString('en-US')} more_`,
  });
  for (const t of perms.texts) blocks.push(section(t));

  const tags = tagLines(image.tags);
  const tagPacked = packLines(tags.length > 0 ? tags : ['_no tags_'], {
    maxSections: 4,
    heading: `*Tags* (${tags.length})`,
    more: (n) => `_+${count(n, 'more tag', 'more tags')}_`,
  });
  for (const t of tagPacked.texts) blocks.push(section(t));

  blocks.push(
    context([
      `Account ${bold(input.account, 64)}`,
      `Storage cost is an estimate: ${formatUsd(input.pricePerGbMonth)}/GB-month × full snapshot size. Snapshots are billed on changed blocks only, so this is an upper bound.`,
    ]),
  );

  const text = `${esc(image.name || image.imageId, 250)} (${esc(image.imageId, 64)}, ${esc(image.region, 40)}): ${esc(image.state, 40)}, ${esc(image.architecture, 40)}, created ${image.creationDate ? esc(image.creationDate.slice(0, 10), 10) : 'unknown'}`;
  return message(text, blocks);
}
