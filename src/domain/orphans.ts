/**
 * Orphaned snapshots: EBS snapshots the account pays for that no image uses. Pure.
 *
 * A snapshot no registered image of the account uses is
 *   - `image-gone` when its description says CreateImage (or CopyImage) made it for an image that
 *     no longer exists (`Created by CreateImage(i-…) for ami-… `, `Copied for DestinationAmi ami-…`);
 *   - `unused` otherwise;
 * and left alone (not an orphan) when it is still being made, was made in the last day (an image
 * may be about to be registered from it), is on hold (`amibot:keep`), or belongs to AWS Backup or
 * Data Lifecycle Manager (their own lifecycle deletes it).
 */
import { DAY_MS } from './duration.js';
import type { OwnSnapshot } from './image.js';
import { HOLD_TAG, tagFlag } from './retention.js';

export type SnapshotClass =
  | { kind: 'used' }
  | { kind: 'image-gone'; imageId: string }
  | { kind: 'unused' }
  | { kind: 'skipped'; why: 'pending' | 'recent' | 'hold' | 'managed' };

const MADE_FOR_IMAGE = [
  /Created by CreateImage(?:\([^)]*\))? for (ami-[0-9a-f]{8,17})\b/,
  /Copied for DestinationAmi (ami-[0-9a-f]{8,17})\b/,
];

/** The image a snapshot's description says it was made for, if any. */
export function imageOfDescription(description: string | undefined): string | undefined {
  if (!description) return undefined;
  for (const re of MADE_FOR_IMAGE) {
    const m = re.exec(description);
    if (m) return m[1];
  }
  return undefined;
}

function managed(s: OwnSnapshot): boolean {
  return (
    Object.keys(s.tags).some((k) => k.startsWith('aws:backup:') || k.startsWith('aws:dlm:')) ||
    (s.description ?? '').startsWith('This snapshot is created by the AWS Backup service')
  );
}

/** Minimum age of a snapshot before it can count as orphaned. */
export const ORPHAN_MIN_AGE_MS = DAY_MS;

export function classifySnapshot(
  s: OwnSnapshot,
  facts: { usedByImage: (snapshotId: string) => boolean; imageExists: (imageId: string) => boolean },
  now: Date,
): SnapshotClass {
  if (facts.usedByImage(s.snapshotId)) return { kind: 'used' };
  if (s.state !== 'completed') return { kind: 'skipped', why: 'pending' };
  if (managed(s)) return { kind: 'skipped', why: 'managed' };
  if (tagFlag(s.tags, HOLD_TAG) !== undefined) return { kind: 'skipped', why: 'hold' };
  const started = Date.parse(s.startTime ?? '');
  if (Number.isNaN(started) || now.getTime() - started < ORPHAN_MIN_AGE_MS)
    return { kind: 'skipped', why: 'recent' };
  const imageId = imageOfDescription(s.description);
  if (imageId && !facts.imageExists(imageId)) return { kind: 'image-gone', imageId };
  return { kind: 'unused' };
}
