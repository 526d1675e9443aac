import { createHash } from 'node:crypto';
import type { PruneImageItem } from '../domain/request.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * Prune dry runs and the families with an open prune request, in Redis.
 *
 *   `<p>:prune-plan:<id>`                          string (JSON): a dry run the *File request*
 *                                                  button files (the button carries only its id);
 *                                                  expires after `retention.dryRunTtlMinutes`
 *   `<p>:prune-family:<account>:<region>:<hash>`   string: the id of the open prune request of a
 *                                                  family (at most one at a time)
 */
export interface StoredPrunePlan {
  id: string;
  /** Who ran the dry run. */
  requester: string;
  channelId: string;
  account: string;
  region: string;
  /** The selector as typed. */
  family: string;
  keep: number;
  olderThanMs?: number;
  items: PruneImageItem[];
  freedGiB: number;
  monthlyUsd: number;
  createdAt: string;
  /** Set once a request was filed from it: the button then answers with that request. */
  filedAs?: string;
}

/** Open claims older than this are free again whatever the request says. */
const CLAIM_TTL_SECONDS = 30 * 24 * 3600;

// KEYS: family keys. ARGV: request key prefix, request id, ttl.
// Refuses (returns the index of the family and the holder) when a family is held by a request
// that is not final; else claims every family for the request.
const CLAIM_SCRIPT = `
local finals = { succeeded = true, failed = true, rejected = true, expired = true, cancelled = true }
for i, k in ipairs(KEYS) do
  local cur = redis.call('GET', k)
  if cur and cur ~= ARGV[2] then
    local st = redis.call('HGET', ARGV[1] .. cur, 'state')
    if st and not finals[st] then return { i, cur } end
  end
end
for _, k in ipairs(KEYS) do redis.call('SET', k, ARGV[2], 'EX', ARGV[3]) end
return { 0, '' }
`;

const RELEASE_SCRIPT = `
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 1
`;

export class PrunePlanStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  private planKey(id: string): string {
    return `${this.root}:prune-plan:${id}`;
  }

  familyKey(account: string, region: string, family: string): string {
    const hash = createHash('sha256').update(family).digest('hex').slice(0, 32);
    return `${this.root}:prune-family:${account}:${region}:${hash}`;
  }

  async save(plan: StoredPrunePlan, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.planKey(plan.id), JSON.stringify(plan), 'EX', ttlSeconds);
  }

  async get(id: string): Promise<StoredPrunePlan | undefined> {
    const data = await this.redis.get(this.planKey(id));
    return data ? (JSON.parse(data) as StoredPrunePlan) : undefined;
  }

  /** Records the request filed from a dry run (keeps its time to live). */
  async markFiled(id: string, requestId: string): Promise<void> {
    const plan = await this.get(id);
    if (!plan) return;
    await this.redis.set(this.planKey(id), JSON.stringify({ ...plan, filedAs: requestId }), 'KEEPTTL', 'XX');
  }

  /**
   * Claims `families` for `requestId`, all or none: refused with the first family that already has
   * an open prune request (and that request's id).
   */
  async claimFamilies(
    account: string,
    region: string,
    families: readonly string[],
    requestId: string,
  ): Promise<{ ok: true } | { ok: false; family: string; requestId: string }> {
    if (families.length === 0) return { ok: true };
    const keys = families.map((f) => this.familyKey(account, region, f));
    const [index, holder] = (await this.redis.eval(
      CLAIM_SCRIPT,
      keys.length,
      ...keys,
      `${this.root}:req:`,
      requestId,
      String(CLAIM_TTL_SECONDS),
    )) as [number, string];
    if (index === 0) return { ok: true };
    return { ok: false, family: families[index - 1] as string, requestId: holder };
  }

  /** The open request holding a family, if any (callers check its state). */
  async holder(account: string, region: string, family: string): Promise<string | undefined> {
    return (await this.redis.get(this.familyKey(account, region, family))) ?? undefined;
  }

  async releaseFamilies(account: string, region: string, families: readonly string[], requestId: string) {
    if (families.length === 0) return;
    const keys = families.map((f) => this.familyKey(account, region, f));
    await this.redis.eval(RELEASE_SCRIPT, keys.length, ...keys, requestId);
  }
}
