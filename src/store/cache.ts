import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** JSON values in Redis with a TTL, under `<prefix>:cache:<namespace>:<hash of key>`. */
export interface Cache {
  get<T>(namespace: string, key: unknown): Promise<T | undefined>;
  set(namespace: string, key: unknown, value: unknown, ttlSeconds: number): Promise<void>;
}

export function cacheKey(prefix: string, namespace: string, key: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
  return `${prefix}:cache:${namespace}:${digest}`;
}

export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get<T>(namespace: string, key: unknown): Promise<T | undefined> {
    const raw = await this.redis.get(cacheKey(this.prefix, namespace, key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(namespace: string, key: unknown, value: unknown, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    await this.redis.set(cacheKey(this.prefix, namespace, key), JSON.stringify(value), 'EX', ttlSeconds);
  }
}
