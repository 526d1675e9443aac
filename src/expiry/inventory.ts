/**
 * The expiry inventory behind the daily digest and `/ami expiring`: own images grouped (per
 * reminder channel, or all in one) into expired, expiring soon, without an expiry, with a
 * malformed expiry and missing required tags, with totals. Memory stays bounded whatever the
 * number of images: each group keeps counts and totals of everything but only its top
 * {@link ITEM_CAP} entries.
 */
import { TopN, toAmiImage } from '../aws/ec2.js';
import type { ChannelInventory, InventoryEntry, InventoryGroup } from '../blocks/expiry-digest.js';
import type { Deps } from '../deps.js';
import { monthlyStorageCost } from '../domain/cost.js';
import { readExpiry } from '../domain/expiry.js';
import { imageSizeGiB } from '../domain/image.js';
import { forEachLimit } from '../domain/limit.js';
import { imageOwner, missingTags, routeReminder } from '../domain/reminders.js';
import type { AccountRegion } from '../domain/targets.js';
import { toAppError } from '../errors.js';

export const ITEM_CAP = 25;

export type { ChannelInventory, InventoryEntry, InventoryGroup };

export interface InventoryResult {
  /** Channel id → inventory; with `byChannel: false`, one entry under `*`. */
  channels: Map<string, ChannelInventory>;
  images: number;
  pages: number;
  /** Images left out because no channel applies (only with `byChannel`). */
  unrouted: number;
  errors: string[];
}

export interface InventoryOptions {
  targets: AccountRegion[];
  withinMs: number;
  /** Group by reminder channel (digest) or all together (`/ami expiring`). */
  byChannel: boolean;
}

class Group {
  count = 0;
  gib = 0;
  monthlyUsd = 0;
  private readonly top: TopN<InventoryEntry>;
  constructor(compare: (a: InventoryEntry, b: InventoryEntry) => number) {
    this.top = new TopN(ITEM_CAP, compare);
  }
  add(e: InventoryEntry): void {
    this.count++;
    this.gib += e.sizeGiB;
    this.monthlyUsd += e.monthlyUsd;
    this.top.offer(e);
  }
  done(): InventoryGroup {
    return { count: this.count, gib: this.gib, monthlyUsd: this.monthlyUsd, items: this.top.values() };
  }
}

const byId = (a: InventoryEntry, b: InventoryEntry) =>
  a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0;
const soonest = (a: InventoryEntry, b: InventoryEntry) =>
  Date.parse(a.expiryAt ?? '') - Date.parse(b.expiryAt ?? '') || byId(a, b);
const latest = (a: InventoryEntry, b: InventoryEntry) => -soonest(a, b) || byId(a, b);
const biggest = (a: InventoryEntry, b: InventoryEntry) => b.sizeGiB - a.sizeGiB || byId(a, b);

class Bucket {
  expired = new Group(latest);
  expiring = new Group(soonest);
  noExpiry = new Group(biggest);
  malformed = new Group(byId);
  missingTags = new Group(biggest);
  total = { count: 0, gib: 0, monthlyUsd: 0 };
  done(): ChannelInventory {
    return {
      expired: this.expired.done(),
      expiring: this.expiring.done(),
      noExpiry: this.noExpiry.done(),
      malformed: this.malformed.done(),
      missingTags: this.missingTags.done(),
      total: this.total,
    };
  }
}

export async function collectInventory(deps: Deps, opts: InventoryOptions): Promise<InventoryResult> {
  const settings = deps.config.expiry;
  const now = deps.clock();
  const horizon = now.getTime() + opts.withinMs;
  const buckets = new Map<string, Bucket>();
  const result: InventoryResult = { channels: new Map(), images: 0, pages: 0, unrouted: 0, errors: [] };

  await forEachLimit(opts.targets, 4, async ({ account, region }) => {
    try {
      result.pages += await deps.images.eachPage(
        account,
        region,
        { owners: ['self'], includeDeprecated: true },
        (page) => {
          for (const raw of page) {
            const image = toAmiImage(raw, region);
            result.images++;
            let channel = '*';
            if (opts.byChannel) {
              const route = routeReminder(image.tags, account.policy, settings);
              if (!route) {
                result.unrouted++;
                continue;
              }
              channel = route.channel;
            }
            let bucket = buckets.get(channel);
            if (!bucket) {
              bucket = new Bucket();
              buckets.set(channel, bucket);
            }
            const sizeGiB = imageSizeGiB(image);
            const entry: InventoryEntry = {
              account: account.alias,
              region,
              imageId: image.imageId,
              name: image.name,
              sizeGiB,
              monthlyUsd: monthlyStorageCost(image, deps.config.snapshotPricePerGbMonth),
              missing: missingTags(image.tags, settings.requiredTags),
              owner: imageOwner(image.tags, settings),
            };
            bucket.total.count++;
            bucket.total.gib += sizeGiB;
            bucket.total.monthlyUsd += entry.monthlyUsd;
            const expiry = readExpiry(image, { tagKey: deps.config.expiryTagKey });
            if (!expiry) bucket.noExpiry.add(entry);
            else if ('invalid' in expiry) bucket.malformed.add({ ...entry, invalid: expiry.invalid });
            else {
              const t = Date.parse(expiry.at);
              const dated = { ...entry, expiryAt: expiry.at, expirySource: expiry.source };
              if (t <= now.getTime()) bucket.expired.add(dated);
              else if (t <= horizon) bucket.expiring.add(dated);
            }
            if (entry.missing.length > 0) bucket.missingTags.add(entry);
          }
          return true;
        },
      );
    } catch (err) {
      result.errors.push(`${account.alias}/${region}: ${toAppError(err).userMessage}`);
      deps.logger.error('expiry inventory could not walk an account/region', {
        account: account.alias,
        region,
        error: err,
      });
    }
  });
  for (const [channel, bucket] of buckets) result.channels.set(channel, bucket.done());
  return result;
}
