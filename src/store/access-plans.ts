import type { RevokeItem } from '../domain/sharing.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * Sharing audits (`/ami access`) whose *File request* button files them, in Redis:
 *
 *   `<p>:access-plan:<id>`   string (JSON): what the audit found to revoke, per account (the button
 *                            carries only the id); expires after `retention.dryRunTtlMinutes`
 */
export interface StoredAccessPlan {
  id: string;
  /** Who ran the audit. */
  requester: string;
  channelId: string;
  /** `--with`: the account being offboarded. */
  offboard?: string;
  /** Account alias → the images to unshare there. */
  accounts: Record<string, RevokeItem[]>;
  createdAt: string;
  /** Set once requests were filed from it: the button then answers with them. */
  filedAs?: string[];
}

export class AccessPlanStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  private key(id: string): string {
    return `${this.root}:access-plan:${id}`;
  }

  async save(plan: StoredAccessPlan, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(plan.id), JSON.stringify(plan), 'EX', ttlSeconds);
  }

  async get(id: string): Promise<StoredAccessPlan | undefined> {
    const data = await this.redis.get(this.key(id));
    return data ? (JSON.parse(data) as StoredAccessPlan) : undefined;
  }

  /**
   * Claims the plan for filing, once: false when another click already did (or it is gone). The
   * claim keeps the plan's time to live.
   */
  async claimFiling(id: string, by: string): Promise<boolean> {
    const res = await this.redis.set(`${this.key(id)}:filing`, by, 'EX', 3600, 'NX');
    return res === 'OK';
  }

  async releaseFiling(id: string): Promise<void> {
    await this.redis.del(`${this.key(id)}:filing`);
  }

  /** Records the requests filed from an audit (keeps its time to live). */
  async markFiled(id: string, requestIds: string[]): Promise<void> {
    const plan = await this.get(id);
    if (!plan) return;
    await this.redis.set(this.key(id), JSON.stringify({ ...plan, filedAs: requestIds }), 'KEEPTTL', 'XX');
  }
}
