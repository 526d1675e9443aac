import { AwsError, notAuthorized } from './errors.js';
import { isWellFormedId } from './ids.js';
import type { QueryParams } from './query.js';
import type { FakeAwsState, FakeImage, FakeSnapshot, Principal, RegionStore } from './state.js';
import type { XmlObject } from './xml.js';

/** What every EC2 action handler gets: the world, the region the call was signed for, the caller. */
export interface Ec2Context {
  state: FakeAwsState;
  region: string;
  store: RegionStore;
  caller: Principal;
  /** The caller's account id. */
  account: string;
  now: Date;
  /** Most items per page (the `capPageSize` fault), whatever MaxResults asks. */
  pageCap?: number | undefined;
}

export type Ec2Handler = (ctx: Ec2Context, params: QueryParams) => XmlObject;

export function imageNotFound(ids: readonly string[]): AwsError {
  return new AwsError('InvalidAMIID.NotFound', `The image id '[${ids.join(', ')}]' does not exist`);
}

export function checkImageId(imageId: string): void {
  if (!isWellFormedId('ami', imageId)) {
    throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  }
}

/** An image the caller can see, in the call's region; deregistered ones count as missing. */
export function visibleImage(ctx: Ec2Context, imageId: string): FakeImage {
  checkImageId(imageId);
  const image = ctx.store.images.get(imageId);
  if (!image || image.state === 'deregistered' || !ctx.state.canSeeImage(image, ctx.account)) {
    throw imageNotFound([imageId]);
  }
  return image;
}

/** An image the caller owns (AuthFailure when it can only see it). */
export function ownedImage(ctx: Ec2Context, imageId: string): FakeImage {
  checkImageId(imageId);
  const image = ctx.store.images.get(imageId);
  if (image && image.ownerId === ctx.account && image.state === 'deregistered') {
    throw new AwsError('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is no longer available`);
  }
  const visible = visibleImage(ctx, imageId);
  if (visible.ownerId !== ctx.account) {
    throw notAuthorized('image', imageId);
  }
  return visible;
}

export function checkSnapshotId(snapshotId: string): void {
  if (!isWellFormedId('snap', snapshotId)) {
    throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${snapshotId}" (expecting "snap-...")`);
  }
}

export function snapshotNotFound(snapshotId: string): AwsError {
  return new AwsError('InvalidSnapshot.NotFound', `The snapshot '${snapshotId}' does not exist.`);
}

export function visibleSnapshot(ctx: Ec2Context, snapshotId: string): FakeSnapshot {
  checkSnapshotId(snapshotId);
  const snapshot = ctx.store.snapshot(snapshotId);
  if (!snapshot || !ctx.state.canSeeSnapshot(snapshot, ctx.account)) throw snapshotNotFound(snapshotId);
  return snapshot;
}

/** ISO 8601 with milliseconds, as EC2 writes times. */
export function isoTime(date: Date): string {
  return date.toISOString();
}

export function validateMaxResults(maxResults: number | undefined, min = 5, max = 1000): void {
  if (maxResults !== undefined && (maxResults < min || maxResults > max)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
}
