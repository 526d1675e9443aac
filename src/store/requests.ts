import { type AuditEntry, toStreamFields } from '../domain/audit.js';
import { type Intent, intentId } from '../domain/intents.js';
import { type AmiRequest, canTransition, isFinal, type RequestState } from '../domain/request.js';
import { requestTransitions } from '../metrics.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * Requests in Redis. Each request is a hash `{ data: JSON, state, version }`; every change is a
 * compare-and-set on `version` done by one Lua script, so any number of web and worker processes
 * can change requests at once and each change is applied to the state it was computed from
 * (twenty approvers clicking at once produce exactly one approval that completes the request).
 *
 * A change may carry effects that the same script writes atomically with it: audit entries
 * (appended to the audit stream) and follow-up intents (written to the outbox for the relay). So a
 * decision is never half-done: its state, its audit entry and what must follow are stored
 * together or not at all.
 *
 * Keys (under the configured prefix):
 *   `{<p>}:req:<id>`          hash: data, state, version
 *   `{<p>}:req:pending`       zset: id → expiresAt (ms), pending requests only (the expiry job reads it)
 *   `{<p>}:req:active`        zset: id → updatedAt (ms), requests not yet final (the re-drive job reads it)
 *   `{<p>}:req:recent`        zset: id → createdAt (ms), trimmed to the newest RECENT_LIMIT
 *   `{<p>}:audit`             stream: the audit trail (see store/audit.ts)
 *   `{<p>}:outbox`            hash: intent id → JSON (see store/outbox.ts)
 *   `{<p>}:outbox:due`        zset: intent id → when to deliver it (ms)
 */

const RECENT_LIMIT = 500;
/** Finished requests are kept this long, then Redis drops them. */
const FINISHED_TTL_SECONDS = 90 * 24 * 3600;
const MAX_CAS_ATTEMPTS = 100;

// KEYS: req hash, pending zset, active zset, audit stream, outbox hash, outbox due zset.
// ARGV: expected version, new json, new state, pending score ('' = remove), id, ttl ('' = none),
//       active score ('' = remove), audit MINID, audit entries (JSON [[f, v, …], …]),
//       intents (JSON [[id, json, due], …]).
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
if ARGV[7] == '' then
  redis.call('ZREM', KEYS[3], ARGV[5])
else
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[5])
end
if ARGV[6] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
for _, fields in ipairs(cjson.decode(ARGV[9])) do
  redis.call('XADD', KEYS[4], 'MINID', '~', ARGV[8], '*', unpack(fields))
end
for _, it in ipairs(cjson.decode(ARGV[10])) do
  redis.call('HSET', KEYS[5], it[1], it[2])
  redis.call('ZADD', KEYS[6], it[3], it[1])
end
return 1
`;

// KEYS: req hash, pending zset, active zset, recent zset, audit stream, outbox hash, outbox due zset.
// ARGV: json, state, pending score ('' = none), active score, recent score, id, recent limit,
//       audit MINID, audit entries (JSON), intents (JSON). Returns 0 when the id exists already.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'state', ARGV[2], 'version', '1')
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[6])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[7]) - 1)
for _, fields in ipairs(cjson.decode(ARGV[9])) do
  redis.call('XADD', KEYS[5], 'MINID', '~', ARGV[8], '*', unpack(fields))
end
for _, it in ipairs(cjson.decode(ARGV[10])) do
  redis.call('HSET', KEYS[6], it[1], it[2])
  redis.call('ZADD', KEYS[7], it[3], it[1])
end
return 1
`;

/** What a change writes besides the request, in the same transaction. */
export interface Effects {
  audit?: AuditEntry[];
  intents?: Intent[];
}

export type Mutation<E> = (
  current: AmiRequest,
) => { ok: true; request: AmiRequest; effects?: Effects } | { ok: false; error: E };

export type UpdateResult<E> =
  | { ok: true; before: AmiRequest; request: AmiRequest; version: number; intentIds: string[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'refused'; error: E; request: AmiRequest };

export interface StoredIntent {
  id: string;
  intent: Intent;
  /** The request version whose change wrote it: a newer write of the same id differs. */
  seq: number;
  /** The correlation id of the request it follows up (its `cid`), for the deliverer's log lines and the jobs it queues. */
  cid?: string;
  /** Delivery attempts that failed so far. */
  attempts: number;
  lastError?: string;
}

export class RequestStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    /** Audit stream retention, for the MINID of entries written with a change. */
    private readonly auditRetentionDays = 90,
  ) {
    this.root = keyRoot(prefix);
    redis.defineCommand('amibotRequestCas', { numberOfKeys: 6, lua: CAS_SCRIPT });
    redis.defineCommand('amibotRequestCreate', { numberOfKeys: 7, lua: CREATE_SCRIPT });
  }

  private key(id: string): string {
    return `${this.root}:req:${id}`;
  }

  private get pendingKey(): string {
    return `${this.root}:req:pending`;
  }

  private get activeKey(): string {
    return `${this.root}:req:active`;
  }

  private get recentKey(): string {
    return `${this.root}:req:recent`;
  }

  get auditKey(): string {
    return `${this.root}:audit`;
  }

  get outboxKey(): string {
    return `${this.root}:outbox`;
  }

  get outboxDueKey(): string {
    return `${this.root}:outbox:due`;
  }

  /**
   * Stores a new request with its effects (audit entries, follow-ups), all or nothing; refuses an
   * id that already exists.
   */
  async create(request: AmiRequest, effects: Effects = {}): Promise<{ intentIds: string[] }> {
    const now = Date.now();
    const intents = this.storedIntents(effects, 1, now, request.cid);
    const audit = (effects.audit ?? []).map((entry) => toStreamFields(entry));
    const created = await (
      this.redis as unknown as { amibotRequestCreate(...args: (string | number)[]): Promise<number> }
    ).amibotRequestCreate(
      this.key(request.id),
      this.pendingKey,
      this.activeKey,
      this.recentKey,
      this.auditKey,
      this.outboxKey,
      this.outboxDueKey,
      JSON.stringify(request),
      request.state,
      request.state === 'pending' ? String(Date.parse(request.expiresAt)) : '',
      Date.parse(request.updatedAt) || now,
      Date.parse(request.createdAt) || now,
      request.id,
      RECENT_LIMIT,
      `${now - this.auditRetentionDays * 86_400_000}-0`,
      JSON.stringify(audit),
      JSON.stringify(intents),
    );
    if (created !== 1) throw new Error(`request ${request.id} already exists`);
    requestTransitions.labels(request.state).inc();
    return { intentIds: intents.map((i) => i[0]) };
  }

  private storedIntents(
    effects: Effects,
    seq: number,
    now: number,
    cid: string | undefined,
  ): Array<readonly [string, string, number]> {
    return (effects.intents ?? []).map((intent) => {
      const iid = intentId(intent, seq);
      const stored: StoredIntent = { id: iid, intent, seq, ...(cid ? { cid } : {}), attempts: 0 };
      return [iid, JSON.stringify(stored), now] as const;
    });
  }

  async get(id: string): Promise<AmiRequest | undefined> {
    const data = await this.redis.hget(this.key(id), 'data');
    return data ? (JSON.parse(data) as AmiRequest) : undefined;
  }

  /**
   * Applies `mutate` atomically: reads the request, computes the new one, and writes it — with the
   * mutation's audit entries and follow-up intents — only if nobody changed it in between (else
   * reads again and recomputes). The mutation must be pure.
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
      const newVersion = Number(version) + 1;
      const now = Date.now();
      const intents = this.storedIntents(out.effects ?? {}, newVersion, now, next.cid);
      const audit = (out.effects?.audit ?? []).map((entry) => toStreamFields(entry));
      const pendingScore = next.state === 'pending' ? String(Date.parse(next.expiresAt)) : '';
      const final = isFinal(next.state);
      const ttl = final ? String(FINISHED_TTL_SECONDS) : '';
      const activeScore = final ? '' : String(Date.parse(next.updatedAt) || now);
      const minId = `${now - this.auditRetentionDays * 86_400_000}-0`;
      const res = await (
        this.redis as unknown as {
          amibotRequestCas(...args: string[]): Promise<number>;
        }
      ).amibotRequestCas(
        this.key(id),
        this.pendingKey,
        this.activeKey,
        this.auditKey,
        this.outboxKey,
        this.outboxDueKey,
        version,
        JSON.stringify(next),
        next.state,
        pendingScore,
        id,
        ttl,
        activeScore,
        minId,
        JSON.stringify(audit),
        JSON.stringify(intents),
      );
      if (res === 1) {
        if (next.state !== before.state) requestTransitions.labels(next.state).inc();
        return { ok: true, before, request: next, version: newVersion, intentIds: intents.map((i) => i[0]) };
      }
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
    effects?: (r: AmiRequest) => Effects,
  ): Promise<UpdateResult<string>> {
    return this.update<string>(id, (r) => {
      if (!from.includes(r.state)) return { ok: false, error: `request is ${r.state}` };
      const next = { ...r, ...patch(r), state: to, updatedAt: now.toISOString() };
      return { ok: true, request: next, ...(effects ? { effects: effects(next) } : {}) };
    });
  }

  /** Pending requests whose time is up. */
  async duePending(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.pendingKey, 0, now.getTime(), 'LIMIT', 0, limit);
  }

  /** Requests not yet final that have not changed since `before` (oldest first). */
  async quietActive(before: Date, limit = 200): Promise<string[]> {
    return this.redis.zrangebyscore(this.activeKey, 0, before.getTime(), 'LIMIT', 0, limit);
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
    await this.redis
      .multi()
      .del(this.key(id))
      .zrem(this.pendingKey, id)
      .zrem(this.recentKey, id)
      .zrem(this.activeKey, id)
      .exec();
  }

  /** Requests not yet final, and those of them waiting for an approval (two ZCARDs, for the metrics). */
  async openCounts(): Promise<{ open: number; pending: number }> {
    const [open, pending] = await Promise.all([
      this.redis.zcard(this.activeKey),
      this.redis.zcard(this.pendingKey),
    ]);
    return { open, pending };
  }

  /** Removes an id from the indexes (a request Redis no longer holds). */
  async forget(id: string): Promise<void> {
    await this.redis.multi().zrem(this.pendingKey, id).zrem(this.activeKey, id).exec();
  }
}
