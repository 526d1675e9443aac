/** `/ami find` results. Pure. */
import type { Button, KnownBlock } from '@slack/types';
import type { AmiImage } from '../domain/image.js';
import { ACTION_IDS, type AmiRef, amiRefValue, numberedActionId } from './actions.js';
import { dateWithAge, deprecationMarker, imageIdCode, ownerLabel, trustBadge } from './format.js';
import {
  bold,
  button,
  code,
  context,
  esc,
  message,
  SLACK_LIMITS,
  type SlackMessage,
  section,
} from './message.js';

export interface FindResult {
  image: AmiImage;
  trusted: boolean;
}

export interface FindResultsInput {
  /** What the user typed, e.g. `ubuntu 24.04 arm64`. */
  query: string;
  /** How the query was run, e.g. `owner canonical · name ubuntu/images/*24.04*arm64*`. */
  planDescription: string;
  account: string;
  region: string;
  /** Newest first; the caller sorts. At most `limit` are shown. */
  results: FindResult[];
  /** How many images were looked at, when known. */
  scanned?: number;
  cached: boolean;
  now: Date;
  limit: number;
}

/** Result sections are one block each; everything else takes at most this many blocks. */
const FIXED_BLOCKS = 3;
export const MAX_FIND_RESULTS = SLACK_LIMITS.blocksPerMessage - FIXED_BLOCKS;

function resultText(r: FindResult, now: Date): string {
  const { image } = r;
  const line2 = [imageIdCode(image.imageId), `owner ${ownerLabel(image)} ${trustBadge(r.trusted)}`];
  const line3 = [
    `created ${dateWithAge(image.creationDate, now)}`,
    esc(image.architecture, 40),
    image.rootDeviceType ? esc(image.rootDeviceType, 40) : undefined,
    image.state !== 'available' ? `state ${code(image.state, 40)}` : undefined,
    deprecationMarker(image, now),
  ].filter((s): s is string => s !== undefined);
  return [bold(image.name || image.imageId, 250), line2.join(' · '), line3.join(' · ')].join('\n');
}

function footer(input: FindResultsInput): KnownBlock {
  return context([
    input.cached ? '♻️ from cache' : '🔄 fresh from EC2',
    input.scanned !== undefined ? `scanned ${input.scanned.toLocaleString('en-US')} images` : undefined,
    `plan: ${esc(input.planDescription, 1500)}`,
  ]);
}

export function renderFindResults(input: FindResultsInput): SlackMessage {
  const where = `${esc(input.region, 40)} (account ${esc(input.account, 64)})`;
  const q = bold(input.query, 300);
  if (input.results.length === 0) {
    const tips = [
      `No images matched ${q} in ${where}.`,
      'Try:',
      '• `--include-deprecated` to include deprecated images',
      '• another region, e.g. `--region eu-west-1`',
      `• a different owner: ${code('--owner amazon|canonical|self|<account>')}`,
      '• fewer or different words',
    ].join('\n');
    return message(`No images matched "${esc(input.query, 300)}" in ${esc(input.region, 40)}.`, [
      section(tips),
      footer(input),
    ]);
  }

  const cap = Math.max(1, Math.min(input.limit, MAX_FIND_RESULTS));
  const shown = input.results.slice(0, cap);
  const n = shown.length;
  const noun = n === 1 ? 'newest image' : `${n} newest images`;
  const more = input.results.length > n ? ` (showing ${n} of ${input.results.length})` : '';
  const blocks: KnownBlock[] = [
    section(`${noun.startsWith('newest') ? 'The newest image' : noun} for ${q} in ${where}${more}`),
  ];
  shown.forEach((r, i) => {
    blocks.push(
      section(resultText(r, input.now), {
        ...detailsButton(i, {
          account: input.account,
          region: r.image.region || input.region,
          imageId: r.image.imageId,
        }),
      }),
    );
  });
  blocks.push(footer(input));
  const first = shown[0]!.image;
  const text = `${n} ${n === 1 ? 'image' : 'images'} for "${esc(input.query, 300)}" in ${esc(input.region, 40)}; newest: ${esc(first.name || first.imageId, 250)} (${esc(first.imageId, 64)})`;
  return message(text, blocks);
}

/** `{ accessory }` with the *Details* button of an image, or nothing when its ref is not a plain id. */
function detailsButton(i: number, ref: AmiRef): { accessory?: Button } {
  const value = amiRefValue(ref);
  if (!value) return {};
  return { accessory: button({ text: 'Details', actionId: numberedActionId(ACTION_IDS.amiShow, i), value }) };
}
