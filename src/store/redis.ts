import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections with BullMQ's production settings: connections that serve web requests and
 * queue producers fail fast (no offline queue, few retries) so a Redis outage becomes a clear
 * answer instead of a hang; worker connections wait forever (`maxRetriesPerRequest: null`), as
 * BullMQ requires for blocking commands.
 */
export type ConnectionKind = 'client' | 'worker';

export function createRedis(
  url: string,
  kind: ConnectionKind = 'client',
  extra: RedisOptions = {},
  onError: (err: Error) => void = () => {},
): Redis {
  const base: RedisOptions =
    kind === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, { lazyConnect: false, ...base, ...extra });
  // ioredis reconnects by itself; without a listener it prints every failed attempt with a stack.
  // The caller decides what to say (readiness, a throttled log line).
  redis.on('error', onError);
  return redis;
}

/** An error listener that logs at most once per `everyMs` (Redis retries every few hundred ms). */
export function throttledRedisErrorLog(
  log: (msg: string, fields: Record<string, unknown>) => void,
  everyMs = 60_000,
) {
  let last = 0;
  return (err: Error) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log('Redis connection error (retrying)', { error: err.message });
  };
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForReady(redis: Redis, timeoutMs = 3_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** True when Redis answers PING within the timeout. */
export async function isRedisReady(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
    ]);
    return pong === 'PONG';
  } catch {
    return false;
  }
}
