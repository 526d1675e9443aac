import { isCluster, type RedisConnection } from './redis.js';

/**
 * What the doctor needs to know about a Redis server: version, eviction policy, persistence. Read
 * with INFO (always allowed) and CONFIG GET (which managed services such as ElastiCache refuse:
 * the policy is then read from INFO `maxmemory_policy` when the server reports it there).
 */
export interface RedisServerFacts {
  /** host:port of the node (one per primary on a cluster). */
  node: string;
  version: string;
  /** `noeviction`, `allkeys-lru`, …; undefined when the server would not say. */
  maxmemoryPolicy?: string;
  aof: boolean;
  /** RDB snapshots are configured (`save` is not empty); undefined when CONFIG GET is refused. */
  rdb?: boolean;
  /** A managed server that persists by itself may report neither; kept for the detail line. */
  rdbLastSaveOk?: boolean;
}

export interface RedisFacts {
  cluster: boolean;
  servers: RedisServerFacts[];
}

/** `INFO` text → field map (`redis_version` → `7.2.4`). */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

async function configGet(redis: RedisConnection, name: string): Promise<string | undefined> {
  try {
    const reply = (await (redis as { config(op: 'GET', key: string): Promise<unknown> }).config(
      'GET',
      name,
    )) as string[] | undefined;
    return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function serverFacts(redis: RedisConnection, node: string): Promise<RedisServerFacts> {
  const info = parseInfo(await redis.info());
  const policy = (await configGet(redis, 'maxmemory-policy')) ?? info.get('maxmemory_policy');
  const save = await configGet(redis, 'save');
  return {
    node,
    version: info.get('redis_version') ?? 'unknown',
    ...(policy ? { maxmemoryPolicy: policy } : {}),
    aof: info.get('aof_enabled') === '1',
    ...(save !== undefined ? { rdb: save.trim() !== '' } : {}),
    ...(info.has('rdb_last_bgsave_status')
      ? { rdbLastSaveOk: info.get('rdb_last_bgsave_status') === 'ok' }
      : {}),
  };
}

/** The facts of the server, or of every primary of a cluster. */
export async function readRedisFacts(redis: RedisConnection): Promise<RedisFacts> {
  if (isCluster(redis)) {
    const primaries = redis.nodes('master');
    const servers = await Promise.all(
      primaries.map((n) => serverFacts(n, `${n.options.host ?? '?'}:${n.options.port ?? '?'}`)),
    );
    return { cluster: true, servers };
  }
  const o = redis.options;
  return { cluster: false, servers: [await serverFacts(redis, `${o.host ?? '?'}:${o.port ?? '?'}`)] };
}
