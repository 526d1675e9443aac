/** `/ami list`: the images an account owns, with size, cost and expiry. Pure. */
import type { Button, KnownBlock } from '@slack/types';
import { formatAge } from '../domain/age.js';
import { formatGiB, formatUsd, monthlyStorageCost, type StorageTotals } from '../domain/cost.js';
import { readExpiry } from '../domain/expiry.js';
import { type AmiImage, imageSizeGiB } from '../domain/image.js';
import { ACTION_IDS, type AmiRef, amiRefValue, numberedActionId } from './actions.js';
import { expiryLabel, imageIdCode, visibilityMarker } from './format.js';
import { bold, button, context, esc, message, SLACK_LIMITS, type SlackMessage, section } from './message.js';

export interface ImageListInput {
  account: string;
  region: string;
  /** Newest first; the caller sorts. At most `limit` are shown. */
  images: AmiImage[];
  /** Totals over ALL matched images, not just the ones passed in / shown (see `storageTotals`). */
  totals: StorageTotals;
  /** Number of matched images; defaults to `totals.count`. */
  totalMatched?: number;
  pricePerGbMonth: number;
  expiryTagKey: string;
  now: Date;
  /** e.g. `older than 90 days · tag team=web`. */
  filtersDescription?: string;
  limit: number;
  /** imageId → number of launch-permission entries (accounts, orgs, OUs); > 0 marks the image as shared. */
  sharedWith?: Map<string, number>;
}

/** Summary, "showing N of M" note and cost footnote take at most this many blocks. */
const FIXED_BLOCKS = 3;
export const MAX_LIST_ITEMS = SLACK_LIMITS.blocksPerMessage - FIXED_BLOCKS;

function itemText(image: AmiImage, input: ImageListInput): string {
  const size = imageSizeGiB(image);
  const details = [
    formatAge(image.creationDate, input.now) === 'today'
      ? 'created today'
      : `${formatAge(image.creationDate, input.now)} old`,
    formatGiB(size),
    `${formatUsd(monthlyStorageCost(image, input.pricePerGbMonth))}/mo`,
    expiryLabel(readExpiry(image, { tagKey: input.expiryTagKey }), input.now, input.expiryTagKey),
    visibilityMarker(image.public, input.sharedWith?.get(image.imageId)),
    image.state !== 'available' ? `state ${esc(image.state, 40)}` : undefined,
  ].filter((s): s is string => s !== undefined);
  return `${bold(image.name || image.imageId, 250)} ${imageIdCode(image.imageId)}\n${details.join(' · ')}`;
}

export function renderImageList(input: ImageListInput): SlackMessage {
  const total = input.totalMatched ?? input.totals.count;
  const where = `${bold(input.account, 64)} / ${esc(input.region, 40)}`;
  const filters = input.filtersDescription ? ` (${esc(input.filtersDescription, 500)})` : '';
  const costNote = context([
    `Costs are estimates: ${formatUsd(input.pricePerGbMonth)}/GB-month × full snapshot size. Snapshots are billed on changed blocks only, so these are upper bounds.`,
  ]);

  if (input.images.length === 0 || total === 0) {
    return message(`No images found in ${esc(input.account, 64)} / ${esc(input.region, 40)}.`, [
      section(
        `No images found in ${where}${filters}.\nTry another region with \`--region\` or loosen \`--tag\` / \`--older-than\`.`,
      ),
    ]);
  }

  const cap = Math.max(1, Math.min(input.limit, MAX_LIST_ITEMS));
  const shown = input.images.slice(0, cap);
  const t = input.totals;
  const summary = `${bold(`${total.toLocaleString('en-US')} ${total === 1 ? 'image' : 'images'}`)} in ${where}${filters} · ${formatGiB(t.gib)} · ~${formatUsd(t.monthlyUsd)}/month`;
  const blocks: KnownBlock[] = [section(summary)];
  shown.forEach((image, i) => {
    blocks.push(
      section(itemText(image, input), {
        ...detailsButton(i, {
          account: input.account,
          region: image.region || input.region,
          imageId: image.imageId,
        }),
      }),
    );
  });
  if (shown.length < total) {
    blocks.push(
      context([
        `Showing ${shown.length} of ${total.toLocaleString('en-US')} — narrow with \`--tag\` or \`--older-than\``,
      ]),
    );
  }
  blocks.push(costNote);
  const text = `${total} ${total === 1 ? 'image' : 'images'} in ${esc(input.account, 64)} / ${esc(input.region, 40)}: ${formatGiB(t.gib)}, about ${formatUsd(t.monthlyUsd)}/month${shown.length < total ? ` (showing ${shown.length})` : ''}`;
  return message(text, blocks);
}

/** `{ accessory }` with the *Details* button of an image, or nothing when its ref is not a plain id. */
function detailsButton(i: number, ref: AmiRef): { accessory?: Button } {
  const value = amiRefValue(ref);
  if (!value) return {};
  return { accessory: button({ text: 'Details', actionId: numberedActionId(ACTION_IDS.amiShow, i), value }) };
}
