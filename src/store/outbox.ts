import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';
import type { StoredIntent } from './requests.js';

/**
 * The outbox of request follow-ups (intents), written atomically with request changes by
 * `RequestStore.update` and delivered by the relay (`requests/follow-ups.ts`). A deliverer claims
 * an intent for a lease (its due time moves past the lease, so nobody else takes it), then either
 * completes it — deleted only if nobody rewrote it meanwhile — or fails it with a backoff.
 *
 *   `<p>:outbox`      hash: intent id → JSON (StoredIntent)
 *   `<p>:outbox:due`  zset: intent id → when it may next be delivered (ms)
 */

// KEYS: hash, due. ARGV: id, now, lease ms. Returns the JSON when claimed, else nil.
const CLAIM = `
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
return json
`;

// KEYS: hash, due. ARGV: id, claimed json. Deletes the intent unless it was rewritten.
const COMPLETE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

// KEYS: hash, due. ARGV: id, claimed json, new json, next due. Records a failed attempt unless rewritten.
const FAIL = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  return 1
end
return 0
`;

export interface ClaimedIntent {
  stored: StoredIntent;
  /** The JSON as claimed, to complete or fail it against. */
  raw: string;
}

export class Outbox {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
    redis.defineCommand('amibotOutboxClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('amibotOutboxComplete', { numberOfKeys: 2, lua: COMPLETE });
    redis.defineCommand('amibotOutboxFail', { numberOfKeys: 2, lua: FAIL });
  }

  private get hashKey(): string {
    return `${this.root}:outbox`;
  }

  private get dueKey(): string {
    return `${this.root}:outbox:due`;
  }

  private get r() {
    return this.redis as unknown as {
      amibotOutboxClaim(...a: (string | number)[]): Promise<string | null>;
      amibotOutboxComplete(...a: (string | number)[]): Promise<number>;
      amibotOutboxFail(...a: (string | number)[]): Promise<number>;
    };
  }

  /** Intent ids due by `now`, oldest first. */
  async due(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.dueKey, 0, now, 'LIMIT', 0, limit);
  }

  /** How many intents wait, and the oldest due time (for health and metrics). */
  async backlog(): Promise<{ count: number; oldestDueMs?: number }> {
    const [count, oldest] = await Promise.all([
      this.redis.zcard(this.dueKey),
      this.redis.zrange(this.dueKey, 0, 0, 'WITHSCORES'),
    ]);
    return { count, ...(oldest[1] ? { oldestDueMs: Number(oldest[1]) } : {}) };
  }

  async claim(id: string, now: number, leaseMs: number): Promise<ClaimedIntent | undefined> {
    const raw = await this.r.amibotOutboxClaim(this.hashKey, this.dueKey, id, now, leaseMs);
    if (!raw) return undefined;
    return { stored: JSON.parse(raw) as StoredIntent, raw };
  }

  async complete(claimed: ClaimedIntent): Promise<boolean> {
    return (
      (await this.r.amibotOutboxComplete(this.hashKey, this.dueKey, claimed.stored.id, claimed.raw)) === 1
    );
  }

  async fail(claimed: ClaimedIntent, error: string, nextDueMs: number): Promise<void> {
    const next: StoredIntent = {
      ...claimed.stored,
      attempts: claimed.stored.attempts + 1,
      lastError: error.slice(0, 300),
    };
    await this.r.amibotOutboxFail(
      this.hashKey,
      this.dueKey,
      claimed.stored.id,
      claimed.raw,
      JSON.stringify(next),
      nextDueMs,
    );
  }

  /** Drops an intent that can never be delivered (it is logged by the caller). */
  async drop(claimed: ClaimedIntent): Promise<void> {
    await this.complete(claimed);
  }
}
