import { createHash } from 'node:crypto';
import { REMINDER_ID_RE } from '../domain/ids.js';
import type { ImageOwner, RouteSource } from '../domain/reminders.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * What the expiry sweep remembers, in Redis, so that any number of sweeps and workers (and
 * restarts) post each reminder once:
 *
 *   `<p>:reminder:<account>:<region>:<imageId>:<expiryISO>:<milestone>`  SET NX + TTL: milestone done
 *   `<p>:reminder-snooze:<account>:<region>:<imageId>`                   TTL: reminders silenced
 *   `<p>:reminder-malformed:<account>:<region>:<imageId>:<valueHash>`    SET NX + TTL: notice sent
 *   `<p>:rem:<id>`                                                       JSON context of a reminder (saved
 *                                                                        by the sweep, read by its delivery job)
 *   `<p>:rem:<id>:done`                                                  who acted on it first (SET NX)
 *   `<p>:rem:<id>:policy`                                                policy action taken (SET NX: once)
 *   `<p>:rem-notice:<id>`                                                JSON of a queued malformed-tag notice
 *   `<p>:reminder-slot:<channel>`                                        next free post slot of a channel
 *
 * A milestone mark (and a malformed-notice mark) holds the id of the reminder that claimed it, so
 * a failed delivery releases only its own claim, and the delivery job id derives from it.
 *   `<p>:digest:<channel>:<YYYY-MM-DD>`                                  SET NX: digest posted that day
 *
 * A changed expiry date gives different mark keys, so a new series starts by itself.
 */

/** Marks live this long after the expiry (or after now, for an expiry in the past). */
export const MARK_RETENTION_DAYS = 400;
/** Reminder contexts (what a button click reads back) live this long. */
export const CONTEXT_TTL_SECONDS = 90 * 86_400;

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newReminderId(randomBytes: (n: number) => Uint8Array): string {
  let id = 'rem-';
  for (const b of randomBytes(16)) id += ID_ALPHABET[b % 36];
  return id;
}

export interface ImageKey {
  account: string;
  region: string;
  imageId: string;
}

/** Everything a button click needs, read back by id (the button value carries only the id). */
export interface ReminderContext extends ImageKey {
  id: string;
  imageName: string;
  /** ISO instant of the expiry the reminder was about. */
  expiry: string;
  expirySource: 'tag' | 'deprecation';
  milestone: number;
  channel: string;
  /** Set once the message is posted. */
  ts?: string;
  sizeGiB: number;
  monthlyCostUsd: number;
  createdAt: string;
  /** What the delivery job needs (set by the sweep; absent on contexts of older versions). */
  creationDate?: string;
  /** The image's EC2 deprecation time when the sweep saw it. */
  deprecationTime?: string;
  routeSource?: RouteSource;
  owner?: ImageOwner;
  /** The account's expired-image policy action to apply before posting (at-expiry milestone only). */
  policyAction?: 'deprecate' | 'request-deregister';
  /** What the policy action did (saved before posting, so a retried delivery does not repeat it). */
  policyResult?: { acted: boolean; note?: string; buttons?: Array<'extend' | 'snooze' | 'deregister'> };
}

/** A queued malformed-expiry-tag notice (the sweep saves it, the delivery job posts it). */
export interface NoticeContext extends ImageKey {
  id: string;
  imageName: string;
  tagKey: string;
  value: string;
  channel: string;
  owner: ImageOwner;
  createdAt: string;
  ts?: string;
}

export interface Claim {
  action: string;
  userId: string;
  at: string;
  detail?: string;
}

const RELEASE_IF_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** GCRA: KEYS[1] holds the theoretical arrival time of the next post. */

function ttlAfter(expiryIso: string, now: Date, days: number): number {
  const t = Date.parse(expiryIso);
  const ahead = Number.isNaN(t) ? 0 : Math.max(0, t - now.getTime());
  return Math.ceil(ahead / 1000) + days * 86_400;
}

export class ReminderStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  markKey(image: ImageKey, expiryIso: string, milestone: number): string {
    return `${this.root}:reminder:${image.account}:${image.region}:${image.imageId}:${expiryIso}:${milestone}`;
  }

  snoozeKey(image: ImageKey): string {
    return `${this.root}:reminder-snooze:${image.account}:${image.region}:${image.imageId}`;
  }

  private malformedKey(image: ImageKey, value: string): string {
    const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
    return `${this.root}:reminder-malformed:${image.account}:${image.region}:${image.imageId}:${hash}`;
  }

  private contextKey(id: string): string {
    return `${this.root}:rem:${id}`;
  }

  /**
   * Claims milestone marks for many images in one round trip. For each entry, the first milestone
   * is the one to post: its result says whether this caller won it. The others are only marked.
   */
  async claimMilestones(
    entries: ReadonlyArray<{
      image: ImageKey;
      expiry: string;
      milestones: readonly number[];
      /** Stored as the mark's value (the reminder id); default: the time of the claim. */
      token?: string;
    }>,
    now: Date,
  ): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const pipe = this.redis.pipeline();
    const firstIndex: number[] = [];
    let i = 0;
    for (const e of entries) {
      const ttl = ttlAfter(e.expiry, now, MARK_RETENTION_DAYS);
      firstIndex.push(i);
      for (const m of e.milestones) {
        pipe.set(this.markKey(e.image, e.expiry, m), e.token ?? now.toISOString(), 'EX', ttl, 'NX');
        i++;
      }
    }
    const res = (await pipe.exec()) ?? [];
    return firstIndex.map((idx) => {
      const [err, v] = res[idx] ?? [];
      if (err) throw err;
      return v === 'OK';
    });
  }

  /** Undoes a claim whose reminder could not be posted, so the next sweep tries again. */
  async releaseMilestone(image: ImageKey, expiry: string, milestone: number): Promise<void> {
    await this.redis.del(this.markKey(image, expiry, milestone));
  }

  /** Releases a milestone mark only if it still holds this claim's token (the reminder id). */
  async releaseMilestoneClaim(
    image: ImageKey,
    expiry: string,
    milestone: number,
    token: string,
  ): Promise<boolean> {
    return (await this.redis.eval(RELEASE_IF_SCRIPT, 1, this.markKey(image, expiry, milestone), token)) === 1;
  }

  /**
   * Which of these images are snoozed at `now`. The key holds the end of the snooze, compared with
   * the injected clock (its TTL only cleans up), so tests move time instead of waiting.
   */
  async snoozed(images: readonly ImageKey[], now: Date): Promise<boolean[]> {
    if (images.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const img of images) pipe.get(this.snoozeKey(img));
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return typeof v === 'string' && Date.parse(v) > now.getTime();
    });
  }

  /**
   * Silences an image's reminders for `seconds` and re-arms the milestone that was snoozed, so it
   * comes back when the snooze ends (unless a more urgent milestone is due by then).
   */
  async snooze(ctx: ReminderContext, seconds: number, until: Date): Promise<void> {
    await this.redis
      .multi()
      .set(this.snoozeKey(ctx), until.toISOString(), 'EX', seconds + 3600)
      .del(this.markKey(ctx, ctx.expiry, ctx.milestone))
      .exec();
  }

  /** True the first time a malformed value is seen on an image (per image and value). */
  async claimMalformedNotice(image: ImageKey, value: string, now: Date, token?: string): Promise<boolean> {
    const res = await this.redis.set(
      this.malformedKey(image, value),
      token ?? now.toISOString(),
      'EX',
      MARK_RETENTION_DAYS * 86_400,
      'NX',
    );
    return res === 'OK';
  }

  async releaseMalformedNotice(image: ImageKey, value: string, token?: string): Promise<void> {
    if (token === undefined) await this.redis.del(this.malformedKey(image, value));
    else await this.redis.eval(RELEASE_IF_SCRIPT, 1, this.malformedKey(image, value), token);
  }

  async saveNotice(n: NoticeContext): Promise<void> {
    await this.redis.set(`${this.root}:rem-notice:${n.id}`, JSON.stringify(n), 'EX', CONTEXT_TTL_SECONDS);
  }

  async getNotice(id: string): Promise<NoticeContext | undefined> {
    if (!REMINDER_ID_RE.test(id)) return undefined;
    const raw = await this.redis.get(`${this.root}:rem-notice:${id}`);
    return raw ? (JSON.parse(raw) as NoticeContext) : undefined;
  }

  /** True once per reminder: whoever gets it applies the reminder's expired-image policy action. */
  async claimPolicyAction(id: string, now: Date): Promise<boolean> {
    const key = `${this.contextKey(id)}:policy`;
    return (await this.redis.set(key, now.toISOString(), 'EX', CONTEXT_TTL_SECONDS, 'NX')) === 'OK';
  }

  async saveContext(ctx: ReminderContext): Promise<void> {
    await this.redis.set(this.contextKey(ctx.id), JSON.stringify(ctx), 'EX', CONTEXT_TTL_SECONDS);
  }

  async getContext(id: string): Promise<ReminderContext | undefined> {
    if (!REMINDER_ID_RE.test(id)) return undefined;
    const raw = await this.redis.get(this.contextKey(id));
    return raw ? (JSON.parse(raw) as ReminderContext) : undefined;
  }

  /** The first action on a reminder wins; later clicks read who it was. */
  async claimAction(id: string, claim: Claim): Promise<{ won: true } | { won: false; by?: Claim }> {
    const key = `${this.contextKey(id)}:done`;
    const res = await this.redis.set(key, JSON.stringify(claim), 'EX', CONTEXT_TTL_SECONDS, 'NX');
    if (res === 'OK') return { won: true };
    const raw = await this.redis.get(key);
    return { won: false, by: raw ? (JSON.parse(raw) as Claim) : undefined };
  }

  async releaseAction(id: string): Promise<void> {
    await this.redis.del(`${this.contextKey(id)}:done`);
  }

  /** True once per channel and UTC day. */
  async claimDigest(channel: string, now: Date): Promise<boolean> {
    const day = now.toISOString().slice(0, 10);
    const res = await this.redis.set(
      `${this.root}:digest:${channel}:${day}`,
      now.toISOString(),
      'EX',
      2 * 86_400,
      'NX',
    );
    return res === 'OK';
  }

  async releaseDigest(channel: string, now: Date): Promise<void> {
    await this.redis.del(`${this.root}:digest:${channel}:${now.toISOString().slice(0, 10)}`);
  }
}

const stores = new WeakMap<RedisConnection, Map<string, ReminderStore>>();

/** One store per Redis connection and prefix (built on first use; no wiring needed). */
export function reminderStore(redis: RedisConnection, prefix: string): ReminderStore {
  let byPrefix = stores.get(redis);
  if (!byPrefix) {
    byPrefix = new Map();
    stores.set(redis, byPrefix);
  }
  let store = byPrefix.get(prefix);
  if (!store) {
    store = new ReminderStore(redis, prefix);
    byPrefix.set(prefix, store);
  }
  return store;
}
