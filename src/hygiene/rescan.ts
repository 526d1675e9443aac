/**
 * Scheduled rescans (`scan.schedule`): golden images (tag `amibot:golden`) and images launched in
 * the last `scan.rescanLaunchedWithinDays` days (EC2's `lastLaunchedTime`) are scanned again, in
 * every configured account and region. Each becomes an ordinary scan (`scan-image` job) marked
 * `scheduled`, without a message of its own: what it finds new is announced by its follow-up
 * (hygiene/findings.ts) in the image's channel, routed like expiry reminders (channel tag, team
 * mapping, the account's reminder or approval channel).
 *
 * At most `scan.maxRescansPerRun` scans per run (golden images first, then the most recently
 * launched); an image whose previous scheduled scan has not finished is left out.
 */
import type { Deps } from '../deps.js';
import { BOT_ACTOR } from '../domain/audit.js';
import { DAY_MS } from '../domain/duration.js';
import { mapLimit } from '../domain/limit.js';
import { imageOwner, routeReminder } from '../domain/reminders.js';
import { GOLDEN_TAG, tagFlag } from '../domain/retention.js';
import { newScanId, type ScanRecord } from '../domain/scan.js';
import { accountRegions } from '../domain/targets.js';
import { toAppError } from '../errors.js';
import { type OwnImage, readOwnImages, type Target } from './estate.js';
import { findingStore } from './findings.js';

export interface RescanStats {
  targets: number;
  /** Own images read. */
  images: number;
  golden: number;
  launched: number;
  /** Scans queued by this run. */
  queued: string[];
  /** Left out: the image's previous scheduled scan is still queued or running. */
  busy: number;
  /** Left out: over `scan.maxRescansPerRun`. */
  overLimit: number;
  /** Images with no channel to announce findings in (scanned all the same). */
  unrouted: number;
  /** `lastLaunchedTime` reads skipped (over the per account and region limit). */
  unchecked: number;
  errors: string[];
}

interface Candidate {
  target: Target;
  image: OwnImage;
  golden: boolean;
  lastLaunched?: number;
}

/** `lastLaunchedTime` reads per account and region at most. */
const MAX_LAUNCH_CHECKS = 2000;

export async function runRescan(deps: Deps): Promise<RescanStats> {
  const cfg = deps.config.scan;
  const now = deps.clock();
  const since = now.getTime() - cfg.rescanLaunchedWithinDays * DAY_MS;
  const targets = accountRegions(deps.config);
  const stats: RescanStats = {
    targets: targets.length,
    images: 0,
    golden: 0,
    launched: 0,
    queued: [],
    busy: 0,
    overLimit: 0,
    unrouted: 0,
    unchecked: 0,
    errors: [],
  };
  const candidates: Candidate[] = [];
  for (const target of targets) {
    try {
      const estate = await readOwnImages(deps, target);
      stats.images += estate.images.length;
      const available = estate.images.filter((i) => i.state === 'available');
      const others: OwnImage[] = [];
      for (const image of available) {
        if (tagFlag(image.tags, GOLDEN_TAG) !== undefined) {
          candidates.push({ target, image, golden: true });
          stats.golden++;
        } else others.push(image);
      }
      // Newest first: the images most likely launched lately are asked about first.
      others.sort((a, b) => (b.creationDate ?? '').localeCompare(a.creationDate ?? ''));
      const asked = others.slice(0, MAX_LAUNCH_CHECKS);
      stats.unchecked += others.length - asked.length;
      const launched = await mapLimit(asked, 8, (image) =>
        deps.images
          .getLastLaunchedTime(target.account, target.region, image.imageId)
          .catch((err: unknown) => {
            deps.logger.warn('rescan: lastLaunchedTime could not be read', {
              imageId: image.imageId,
              error: err,
            });
            return undefined;
          }),
      );
      asked.forEach((image, i) => {
        const t = launched[i] ? Date.parse(launched[i] as string) : Number.NaN;
        if (Number.isNaN(t) || t < since) return;
        candidates.push({ target, image, golden: false, lastLaunched: t });
        stats.launched++;
      });
    } catch (err) {
      stats.errors.push(`${target.account.alias}/${target.region}: ${toAppError(err).userMessage}`);
      deps.logger.warn('rescan: could not read an account/region', {
        account: target.account.alias,
        region: target.region,
        error: err,
      });
    }
  }
  candidates.sort(
    (a, b) =>
      Number(b.golden) - Number(a.golden) ||
      (b.lastLaunched ?? 0) - (a.lastLaunched ?? 0) ||
      a.image.imageId.localeCompare(b.image.imageId),
  );
  const store = findingStore(deps);
  for (const c of candidates) {
    if (stats.queued.length >= cfg.maxRescansPerRun) {
      stats.overLimit++;
      continue;
    }
    const ref = { account: c.target.account.alias, region: c.target.region, imageId: c.image.imageId };
    try {
      const last = await store.lastRescan(ref);
      const previous = last ? await deps.scans.get(last) : undefined;
      if (previous && (previous.state === 'queued' || previous.state === 'running')) {
        stats.busy++;
        continue;
      }
      const route = routeReminder(c.image.tags, c.target.account.policy, deps.config.expiry);
      if (!route) stats.unrouted++;
      const owner = imageOwner(c.image.tags, deps.config.expiry);
      const at = deps.clock().toISOString();
      const scan: ScanRecord = {
        id: newScanId(deps.randomBytes),
        imageId: c.image.imageId,
        ...(c.image.name ? { imageName: c.image.name } : {}),
        account: ref.account,
        region: ref.region,
        requester: BOT_ACTOR,
        channel: route?.channel ?? '',
        deep: false,
        state: 'queued',
        createdAt: at,
        updatedAt: at,
        scheduled: true,
        ...(route ? { routeSource: route.source } : {}),
        owner,
      };
      await deps.scans.create(scan);
      await store.setLastRescan(ref, scan.id);
      await deps.queues.enqueue('scan-image', { scanId: scan.id });
      stats.queued.push(scan.id);
    } catch (err) {
      stats.errors.push(`${ref.account}/${ref.region} ${ref.imageId}: ${toAppError(err).userMessage}`);
      deps.logger.warn('rescan: could not queue a scan', { ...ref, error: err });
    }
  }
  deps.logger.info('scheduled rescan queued', {
    ...stats,
    queued: stats.queued.length,
    errors: stats.errors.length,
  });
  return stats;
}
