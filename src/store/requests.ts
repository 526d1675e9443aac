import type { Redis } from 'ioredis';
import { type AmiRequest, canTransition, type RequestState } from '../domain/request.js';

/**
 * Requests in Redis. Each request is a hash `{ data: JSON, state, version }`; every change is a
 * compare-and-set on `version` done by one Lua script, so any number of web and worker processes
 * can change requests at once and each change is applied to the state it was computed from
 * (twenty approvers clicking at once produce exactly one approval that completes the request).
 *
 * Keys (under the configured prefix):
 *   `<p>:req:<id>`          hash: data, state, version
 *   `<p>:req:pending`       zset: id → expiresAt (ms), pending requests only (the expiry sweep reads it)
 *   `<p>:req:recent`        zset: id → createdAt (ms), trimmed to the newest RECENT_LIMIT
 */

const RECENT_LIMIT = 500;
/** Finished requests are kept this long, then Redis drops them. */
const FINISHED_TTL_SECONDS = 90 * 24 * 3600;
const MAX_CAS_ATTEMPTS = 100;

// KEYS: req hash, pending zset. ARGV: expected version, new json, new state, pending score ('' = remove), id, ttl ('' = none)
const CAS_SCRIPT = `
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'state', ARGV[3], 'version', tostring(tonumber(v) + 1))
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[2], ARGV[5])
else
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
end
if ARGV[6] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
return 1
`;

export type Mutation<E> = (
  current: AmiRequest,
) => { ok: true; request: AmiRequest } | { ok: false; error: E };

export type UpdateResult<E> =
  | { ok: true; before: AmiRequest; request: AmiRequest }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'refused'; error: E; request: AmiRequest };

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('amibotRequestCas', { numberOfKeys: 2, lua: CAS_SCRIPT });
  }

  private key(id: string): string {
    return `${this.prefix}:req:${id}`;
  }

  private get pendingKey(): string {
    return `${this.prefix}:req:pending`;
  }

  private get recentKey(): string {
    return `${this.prefix}:req:recent`;
  }

  /** Stores a new request; refuses an id that already exists. */
  async create(request: AmiRequest): Promise<void> {
    const created = await this.redis.hsetnx(this.key(request.id), 'version', '1');
    if (created !== 1) throw new Error(`request ${request.id} already exists`);
    const tx = this.redis
      .multi()
      .hset(this.key(request.id), 'data', JSON.stringify(request), 'state', request.state)
      .zadd(this.recentKey, Date.parse(request.createdAt), request.id)
      .zremrangebyrank(this.recentKey, 0, -RECENT_LIMIT - 1);
    if (request.state === 'pending') tx.zadd(this.pendingKey, Date.parse(request.expiresAt), request.id);
    await tx.exec();
  }

  async get(id: string): Promise<AmiRequest | undefined> {
    const data = await this.redis.hget(this.key(id), 'data');
    return data ? (JSON.parse(data) as AmiRequest) : undefined;
  }

  /**
   * Applies `mutate` atomically: reads the request, computes the new one, and writes it only if
   * nobody changed it in between (else reads again and recomputes). The mutation must be pure.
   */
  async update<E>(id: string, mutate: Mutation<E>): Promise<UpdateResult<E>> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const [data, version] = await this.redis.hmget(this.key(id), 'data', 'version');
      if (!data || !version) return { ok: false, reason: 'not_found' };
      const before = JSON.parse(data) as AmiRequest;
      const out = mutate(before);
      if (!out.ok) return { ok: false, reason: 'refused', error: out.error, request: before };
      const next = out.request;
      if (next.state !== before.state && !canTransition(before.state, next.state)) {
        throw new Error(`illegal request transition ${before.state} → ${next.state} for ${id}`);
      }
      const pendingScore = next.state === 'pending' ? String(Date.parse(next.expiresAt)) : '';
      const ttl = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(next.state)
        ? String(FINISHED_TTL_SECONDS)
        : '';
      const res = await (
        this.redis as unknown as {
          amibotRequestCas(...args: string[]): Promise<number>;
        }
      ).amibotRequestCas(
        this.key(id),
        this.pendingKey,
        version,
        JSON.stringify(next),
        next.state,
        pendingScore,
        id,
        ttl,
      );
      if (res === 1) return { ok: true, before, request: next };
      if (res === -1) return { ok: false, reason: 'not_found' };
      // res === 0: someone else changed it first; go round again on the fresh state.
    }
    throw new Error(
      `request ${id} is changing too fast to update (gave up after ${MAX_CAS_ATTEMPTS} attempts)`,
    );
  }

  /** Moves a request to `state` if it is in one of `from`; returns the result of the attempt. */
  async transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch: (r: AmiRequest) => Partial<AmiRequest> = () => ({}),
    now: Date = new Date(),
  ): Promise<UpdateResult<string>> {
    return this.update<string>(id, (r) => {
      if (!from.includes(r.state)) return { ok: false, error: `request is ${r.state}` };
      return { ok: true, request: { ...r, ...patch(r), state: to, updatedAt: now.toISOString() } };
    });
  }

  /** Pending requests whose time is up. */
  async duePending(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.pendingKey, 0, now.getTime(), 'LIMIT', 0, limit);
  }

  /** The newest requests, newest first. */
  async recent(limit = 50): Promise<AmiRequest[]> {
    const ids = await this.redis.zrevrange(this.recentKey, 0, Math.max(0, limit * 2 - 1));
    if (ids.length === 0) return [];
    const datas = await this.redis.pipeline(ids.map((id) => ['hget', this.key(id), 'data'])).exec();
    const out: AmiRequest[] = [];
    for (const [err, data] of datas ?? []) {
      if (!err && typeof data === 'string') out.push(JSON.parse(data) as AmiRequest);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Deletes a request outright: only for one that never became visible (its message failed to post). */
  async discard(id: string): Promise<void> {
    await this.redis.multi().del(this.key(id)).zrem(this.pendingKey, id).zrem(this.recentKey, id).exec();
  }
}
