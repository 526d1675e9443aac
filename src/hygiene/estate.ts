/**
 * What one account owns in one region, read for the cleanup commands: every own image (any state,
 * deprecated and disabled ones included) in a compact form, and which images use which snapshot.
 */
import { toAmiImage } from '../aws/ec2.js';
import type { Deps } from '../deps.js';
import type { OwnSnapshot } from '../domain/image.js';
import type { AccountRegion } from '../domain/targets.js';

export interface OwnImage {
  imageId: string;
  name: string;
  state: string;
  creationDate?: string;
  public: boolean;
  tags: Record<string, string>;
  snapshots: Array<{ snapshotId: string; sizeGiB: number }>;
  sizeGiB: number;
}

export interface Estate {
  images: OwnImage[];
  /** Snapshot id → ids of the own images that use it. */
  snapshotUsers: Map<string, string[]>;
  pages: number;
}

/** One account in one region. */
export type Target = AccountRegion;

/** Every own image of the account in the region, with the snapshot → images map. */
export async function readOwnImages(deps: Pick<Deps, 'images'>, target: Target): Promise<Estate> {
  const images: OwnImage[] = [];
  const snapshotUsers = new Map<string, string[]>();
  const pages = await deps.images.eachPage(
    target.account,
    target.region,
    { owners: ['self'], state: 'any', includeDeprecated: true, includeDisabled: true },
    (page) => {
      for (const raw of page) {
        const img = toAmiImage(raw, target.region);
        if (img.state === 'deregistered') continue;
        const snapshots = img.blockDevices.flatMap((d) =>
          d.snapshotId ? [{ snapshotId: d.snapshotId, sizeGiB: d.volumeSizeGiB ?? 0 }] : [],
        );
        for (const s of snapshots) {
          const users = snapshotUsers.get(s.snapshotId);
          if (users) users.push(img.imageId);
          else snapshotUsers.set(s.snapshotId, [img.imageId]);
        }
        images.push({
          imageId: img.imageId,
          name: img.name,
          state: img.state,
          ...(img.creationDate ? { creationDate: img.creationDate } : {}),
          public: img.public,
          tags: img.tags,
          snapshots,
          sizeGiB: snapshots.reduce((n, s) => n + s.sizeGiB, 0),
        });
      }
      return true;
    },
  );
  return { images, snapshotUsers, pages };
}

/** Every own snapshot of the account in the region. */
export async function readOwnSnapshots(
  deps: Pick<Deps, 'snapshots'>,
  target: Target,
): Promise<{ snapshots: OwnSnapshot[]; pages: number }> {
  const snapshots: OwnSnapshot[] = [];
  const pages = await deps.snapshots.eachOwnPage(target.account, target.region, (page) => {
    for (const s of page) snapshots.push(s);
  });
  return { snapshots, pages };
}
