import { createHash } from 'node:crypto';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/** JSON values in Redis with a TTL, under `{<prefix>}:cache:<namespace>:<hash of key>`. */
export interface Cache {
  get<T>(namespace: string, key: unknown): Promise<T | undefined>;
  set(namespace: string, key: unknown, value: unknown, ttlSeconds: number): Promise<void>;
}

/** The key of a cache entry under `root` (a key root, see keys.ts). */
export function cacheKey(root: string, namespace: string, key: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
  return `${root}:cache:${namespace}:${digest}`;
}

export class RedisCache implements Cache {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  async get<T>(namespace: string, key: unknown): Promise<T | undefined> {
    const raw = await this.redis.get(cacheKey(this.root, namespace, key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(namespace: string, key: unknown, value: unknown, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    await this.redis.set(cacheKey(this.root, namespace, key), JSON.stringify(value), 'EX', ttlSeconds);
  }
}
