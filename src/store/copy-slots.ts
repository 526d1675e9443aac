import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * Copies in flight per account and destination region, shared by every worker process: EC2 lets
 * an account run at most 50 concurrent AMI copies into one destination Region, no more than 25 of
 * them from one source Region (EC2 User Guide, "Copy an AMI", limits). A copy takes a slot before
 * CopyImage and gives it back when its image is available, failed or cancelled. Copies waiting for
 * a slot queue in order (by ticket: when they first asked), so a busy region drains first come,
 * first served.
 *
 * Keys (under the configured prefix), per account alias + destination region `<k>`:
 *   `<p>:copies:inflight:<k>`           zset: member → when it took its slot (ms)
 *   `<p>:copies:inflight:<k>:<source>`  zset: the same members, per source region
 *   `<p>:copies:waiting:<k>`            zset: member → ticket (ms)
 *   `<p>:copies:images:<k>`             hash: member → the copy's image id, once CopyImage answered
 *   `<p>:copies:status:<k>`             hash: image id → JSON status written by the poller
 * A member is the copy job's id (`copy-<request>-<region>`).
 */

// KEYS: inflight, inflight per source, waiting. ARGV: member, ticket, max total, max per source, now.
// Returns 1 when the member holds a slot (now or already), else 0 (it is queued).
const ACQUIRE = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[1])
local free = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return 0 end
if tonumber(ARGV[4]) - redis.call('ZCARD', KEYS[2]) <= 0 then return 0 end
local rank = redis.call('ZRANK', KEYS[3], ARGV[1])
if rank == false or rank >= free then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1
`;

export interface CopyStatusRecord {
  /** pending | available | failed | … as EC2 says; `missing` when EC2 does not list the image. */
  state: string;
  percent: number;
  reason?: string;
  /** When the poller saw it (ms). */
  at: number;
  /** When the poller first saw it (ms): its progress since then predicts when it will be done. */
  since?: number;
}

export interface SlotKey {
  account: string;
  region: string;
}

export class CopySlots {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
    redis.defineCommand('amibotCopySlotAcquire', { numberOfKeys: 3, lua: ACQUIRE });
  }

  private base(k: SlotKey): string {
    return `${this.root}:copies:${k.account}:${k.region}`;
  }

  private keys(k: SlotKey, source: string) {
    const b = this.base(k);
    return {
      inflight: `${b}:inflight`,
      perSource: `${b}:inflight:${source}`,
      waiting: `${b}:waiting`,
      images: `${b}:images`,
      status: `${b}:status`,
    };
  }

  /** Takes a slot for `member`, or queues it (by `ticket`). True when it holds one. */
  async acquire(
    k: SlotKey,
    source: string,
    member: string,
    ticket: number,
    limits: { total: number; perSource: number },
    now = Date.now(),
  ): Promise<boolean> {
    const keys = this.keys(k, source);
    const r = this.redis as unknown as { amibotCopySlotAcquire(...a: (string | number)[]): Promise<number> };
    const got = await r.amibotCopySlotAcquire(
      keys.inflight,
      keys.perSource,
      keys.waiting,
      member,
      ticket,
      limits.total,
      limits.perSource,
      now,
    );
    return got === 1;
  }

  /** Gives a slot back (or leaves the queue); returns the members now at the head of the queue. */
  async release(k: SlotKey, source: string, member: string, head = 5): Promise<string[]> {
    const keys = this.keys(k, source);
    const [, , , , waiting] = (await this.redis
      .multi()
      .zrem(keys.inflight, member)
      .zrem(keys.perSource, member)
      .zrem(keys.waiting, member)
      .hdel(keys.images, member)
      .zrange(keys.waiting, 0, head - 1)
      .exec()) as Array<[Error | null, unknown]>;
    return (waiting?.[1] as string[] | undefined) ?? [];
  }

  /** Records the image a copy made (its slot stays taken until released). */
  async setImage(k: SlotKey, member: string, imageId: string): Promise<void> {
    await this.redis.hset(this.keys(k, '').images, member, imageId);
  }

  /** Copies holding a slot, and the image each made (those still waiting for CopyImage have none). */
  async inFlight(k: SlotKey): Promise<{ members: string[]; images: Map<string, string> }> {
    const keys = this.keys(k, '');
    const [members, images] = await Promise.all([
      this.redis.zrange(keys.inflight, 0, -1),
      this.redis.hgetall(keys.images),
    ]);
    return { members, images: new Map(Object.entries(images)) };
  }

  /** The first `n` copies waiting for a slot, in order. */
  async waitingHead(k: SlotKey, n: number): Promise<string[]> {
    return this.redis.zrange(this.keys(k, '').waiting, 0, n - 1);
  }

  /** Takes a member out of the queue (its job is gone). */
  async dropWaiting(k: SlotKey, member: string): Promise<void> {
    await this.redis.zrem(this.keys(k, '').waiting, member);
  }

  async waitingCount(k: SlotKey): Promise<number> {
    return this.redis.zcard(this.keys(k, '').waiting);
  }

  async setStatus(k: SlotKey, statuses: Map<string, CopyStatusRecord>): Promise<void> {
    if (statuses.size === 0) return;
    const key = this.keys(k, '').status;
    const flat: string[] = [];
    for (const [imageId, s] of statuses) flat.push(imageId, JSON.stringify(s));
    await this.redis
      .multi()
      .hset(key, ...flat)
      .pexpire(key, 7 * 86_400_000)
      .exec();
  }

  async status(k: SlotKey, imageId: string): Promise<CopyStatusRecord | undefined> {
    const raw = await this.redis.hget(this.keys(k, '').status, imageId);
    return raw ? (JSON.parse(raw) as CopyStatusRecord) : undefined;
  }

  async forgetStatus(k: SlotKey, imageId: string): Promise<void> {
    await this.redis.hdel(this.keys(k, '').status, imageId);
  }
}
