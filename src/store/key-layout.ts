import { keyRoot, legacyKeyRoot } from './keys.js';
import { isCluster, type RedisConnection, scanKeys } from './redis.js';

/**
 * The move from the old key layout (`amibot:…`) to the hash-tagged one (`{amibot}:…`, see
 * keys.ts). An installation upgrading keeps its data in Redis under the old names until it is
 * moved: {@link assertKeyLayout} makes every process refuse to start while old keys are there (so
 * no queued job or pending request is silently left behind), and {@link migrateKeyLayout} (`npm
 * run redis:migrate-prefix`) renames them, all of them, keeping their values, TTLs, stream ids and
 * BullMQ's job data (the key names BullMQ keeps inside flows are moved with them).
 */

/** The bot's own keys that exist in any installation that has filed a request. */
const OWN_MARKERS = ['req:recent', 'req:active', 'req:pending', 'outbox', 'outbox:due', 'audit'];
/** BullMQ's keys of a queue that has held a job. */
const QUEUE_MARKERS = [
  'meta',
  'id',
  'events',
  'wait',
  'active',
  'delayed',
  'prioritized',
  'paused',
  'repeat',
];

/** The old-layout keys whose presence means the installation has data to move (checked at boot). */
export function legacyMarkerKeys(prefix: string, queueNames: readonly string[]): string[] {
  const root = legacyKeyRoot(prefix);
  return [
    ...OWN_MARKERS.map((k) => `${root}:${k}`),
    ...queueNames.flatMap((q) => QUEUE_MARKERS.map((k) => `${root}:bull:${q}:${k}`)),
  ];
}

/** The marker keys of the old layout that exist (one EXISTS each, so it works on a cluster too). */
export async function findLegacyKeys(
  redis: RedisConnection,
  prefix: string,
  queueNames: readonly string[],
): Promise<string[]> {
  const markers = legacyMarkerKeys(prefix, queueNames);
  const found = await Promise.all(markers.map((k) => redis.exists(k)));
  return markers.filter((_, i) => found[i] === 1);
}

/** Redis still holds keys under the old layout: the process must not start until they are moved. */
export class LegacyKeyLayout extends Error {
  constructor(
    readonly prefix: string,
    readonly keys: readonly string[],
  ) {
    super(
      `Redis holds amibot data under the old key layout "${legacyKeyRoot(prefix)}:…" (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}). ` +
        `This version keeps every key under "${keyRoot(prefix)}:…" (a Redis Cluster hash tag; see docs/redis.md), so it would not see those requests and queued jobs. ` +
        'Stop every amibot process, run `npm run redis:migrate-prefix` once with the same REDIS_URL and AMIBOT_REDIS_PREFIX, then start amibot again. Nothing was changed.',
    );
    this.name = 'LegacyKeyLayout';
  }
}

/** Throws {@link LegacyKeyLayout} when Redis holds data under the old layout for this prefix. */
export async function assertKeyLayout(
  redis: RedisConnection,
  prefix: string,
  queueNames: readonly string[],
): Promise<void> {
  const found = await findLegacyKeys(redis, prefix, queueNames);
  if (found.length > 0) throw new LegacyKeyLayout(prefix, found);
}

export interface MigrationReport {
  /** Keys found under the old layout. */
  found: number;
  /** Keys renamed (0 in a dry run). */
  moved: number;
  /** Old keys left in place because the new name exists already (nothing is overwritten). */
  conflicts: string[];
  /** Old keys that expired between the scan and their rename. */
  vanished: number;
  dryRun: boolean;
}

/** The migration cannot run now; nothing was changed. */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationRefused';
  }
}

/**
 * Renames every key under `<prefix>:` to `{<prefix>}:` on a single Redis server (`RENAMENX`, one
 * key at a time: a key keeps its value, TTL, stream ids and BullMQ data). The marker keys that the
 * boot check looks at go last, so a migration that is interrupted leaves processes refusing to
 * start until it is run again (it carries on where it stopped). A name already taken in the new
 * layout is never overwritten: it is reported as a conflict. Refuses while a BullMQ job lock of
 * the old layout is held (a worker of the old version is still running).
 */
export async function migrateKeyLayout(
  redis: RedisConnection,
  prefix: string,
  queueNames: readonly string[],
  opts: { dryRun?: boolean } = {},
): Promise<MigrationReport> {
  const from = `${legacyKeyRoot(prefix)}:`;
  const to = `${keyRoot(prefix)}:`;
  if (isCluster(redis)) {
    throw new MigrationRefused(
      'REDIS_URL names a Redis Cluster. The old key layout only ever ran on a single server: run the migration there, then move the data to the cluster (docs/redis.md, "Moving to a cluster").',
    );
  }
  const keys: string[] = [];
  for await (const batch of scanKeys(redis, `${from}*`, 1000)) keys.push(...batch);
  const held = keys.filter((k) => k.startsWith(`${from}bull:`) && k.endsWith(':lock'));
  if (held.length > 0) {
    throw new MigrationRefused(
      `a job of the old version is running (its lock ${held[0]} is held): stop every amibot process first (after a crash, wait until the lock expires: AMIBOT_JOB_LOCK_MS, 30 s by default), then run this again. Nothing was changed.`,
    );
  }
  const markers = new Set(legacyMarkerKeys(prefix, queueNames));
  const ordered = [...keys.filter((k) => !markers.has(k)), ...keys.filter((k) => markers.has(k))];
  const report: MigrationReport = {
    found: keys.length,
    moved: 0,
    conflicts: [],
    vanished: 0,
    dryRun: opts.dryRun === true,
  };
  if (opts.dryRun) {
    for (const key of ordered) {
      if ((await redis.exists(`${to}${key.slice(from.length)}`)) === 1) report.conflicts.push(key);
    }
    return report;
  }
  for (const key of ordered) {
    const target = `${to}${key.slice(from.length)}`;
    try {
      const renamed = await redis.renamenx(key, target);
      if (renamed === 1) {
        report.moved += 1;
        if (target.startsWith(`${to}bull:`)) await rewriteJobReferences(redis, target, from, to);
      } else report.conflicts.push(key);
    } catch (err) {
      // Gone since the scan (a key with a TTL, such as a cache entry, expired): nothing to move.
      if (/no such key/i.test((err as Error).message)) report.vanished += 1;
      else throw err;
    }
  }
  return report;
}

/**
 * BullMQ keeps a few full key names inside its data (flows: a child's `parentKey` and `parent`
 * JSON, a parent's `:dependencies` set and its `:processed` / `:failed` / `:unsuccessful` records of
 * children; `rjk` of repeatable jobs). After a key is renamed, the names it holds are moved to the
 * new root too, in one MULTI per key, so a flow that was waiting for its children goes on.
 */
async function rewriteJobReferences(redis: RedisConnection, key: string, from: string, to: string) {
  const moved = (name: string) => (name.startsWith(from) ? `${to}${name.slice(from.length)}` : name);
  const type = await redis.type(key);
  if (type === 'hash' && !/:(processed|failed)$/.test(key)) {
    const [parentKey, parent, rjk] = await redis.hmget(key, 'parentKey', 'parent', 'rjk');
    const fields: string[] = [];
    if (parentKey) fields.push('parentKey', moved(parentKey));
    if (parent) {
      try {
        const data = JSON.parse(parent) as { queueKey?: string };
        if (data.queueKey) fields.push('parent', JSON.stringify({ ...data, queueKey: moved(data.queueKey) }));
      } catch {
        // Not JSON: left as it is.
      }
    }
    if (rjk) fields.push('rjk', moved(rjk));
    if (fields.length > 0) await redis.hset(key, ...fields);
  } else if (type === 'set' && key.endsWith(':dependencies')) {
    const members = (await redis.smembers(key)).filter((m) => m.startsWith(from));
    if (members.length > 0) {
      await redis
        .multi()
        .srem(key, ...members)
        .sadd(key, ...members.map(moved))
        .exec();
    }
  } else if (type === 'hash') {
    const entries = Object.entries(await redis.hgetall(key)).filter(([k]) => k.startsWith(from));
    if (entries.length > 0) {
      await redis
        .multi()
        .hdel(key, ...entries.map(([k]) => k))
        .hset(key, ...entries.flatMap(([k, v]) => [moved(k), v]))
        .exec();
    }
  } else if (type === 'zset' && key.endsWith(':unsuccessful')) {
    const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < flat.length; i += 2) {
      if ((flat[i] as string).startsWith(from)) pairs.push([flat[i] as string, flat[i + 1] as string]);
    }
    if (pairs.length > 0) {
      await redis
        .multi()
        .zrem(key, ...pairs.map(([m]) => m))
        .zadd(key, ...pairs.flatMap(([m, score]) => [score, moved(m)]))
        .exec();
    }
  }
}
