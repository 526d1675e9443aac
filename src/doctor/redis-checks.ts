import type { Config } from '../config.js';
import { QUEUES } from '../jobs/job.js';
import { redactSecrets } from '../secrets.js';
import { findLegacyKeys, LegacyKeyLayout } from '../store/key-layout.js';
import { createRedis, type RedisConnection, waitForReady } from '../store/redis.js';
import { type RedisFacts, readRedisFacts } from '../store/redis-facts.js';
import type { CheckRow } from './report.js';

/**
 * BullMQ refuses a Redis older than 5.0.0 and recommends 6.2.0 or newer
 * (bullmq's RedisConnection.minimumVersion / recommendedMinimumVersion).
 */
export const REDIS_MINIMUM_VERSION = '5.0.0';
export const REDIS_RECOMMENDED_VERSION = '6.2.0';

/** -1, 0 or 1 for dotted versions (`7.0.15` vs `6.2.0`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function hideCredentials(url: string): string {
  return redactSecrets(url.replace(/\/\/[^@/]*@/, '//***@'));
}

/** The checks of what Redis facts say (pure, so each rule is tested on its own). */
export function judgeRedisFacts(facts: RedisFacts): CheckRow[] {
  const rows: CheckRow[] = [];
  const many = facts.servers.length > 1;
  for (const s of facts.servers) {
    const on = many ? ` (${s.node})` : '';
    const v = s.version;
    rows.push(
      compareVersions(v, REDIS_MINIMUM_VERSION) < 0
        ? {
            check: `redis: version${on}`,
            status: 'fail',
            detail: `${v}: BullMQ needs ${REDIS_MINIMUM_VERSION} or newer`,
          }
        : compareVersions(v, REDIS_RECOMMENDED_VERSION) < 0
          ? {
              check: `redis: version${on}`,
              status: 'warn',
              detail: `${v}: BullMQ recommends ${REDIS_RECOMMENDED_VERSION} or newer`,
            }
          : { check: `redis: version${on}`, status: 'ok', detail: v },
    );
    const policy = s.maxmemoryPolicy;
    rows.push(
      policy === 'noeviction'
        ? { check: `redis: maxmemory-policy${on}`, status: 'ok', detail: 'noeviction' }
        : policy === undefined
          ? {
              check: `redis: maxmemory-policy${on}`,
              status: 'warn',
              detail:
                'the server would not say (CONFIG GET refused); make sure it is noeviction (on a managed service, in its parameter group)',
            }
          : {
              check: `redis: maxmemory-policy${on}`,
              status: 'fail',
              detail: `${policy}: must be noeviction, or Redis may evict BullMQ's keys under memory pressure and jobs are lost silently (redis-server --maxmemory-policy noeviction, or CONFIG SET maxmemory-policy noeviction)`,
            },
    );
    const kinds = [s.aof ? 'AOF' : undefined, s.rdb ? 'RDB snapshots' : undefined].filter(Boolean);
    rows.push(
      kinds.length > 0
        ? { check: `redis: persistence${on}`, status: 'ok', detail: kinds.join(' + ') }
        : {
            check: `redis: persistence${on}`,
            status: 'warn',
            detail:
              s.rdb === undefined
                ? 'AOF is off and the RDB settings could not be read: queued jobs and pending requests may not survive a restart (turn on appendonly yes)'
                : 'neither AOF nor RDB snapshots: a restart loses queued jobs and pending requests (appendonly yes)',
          },
    );
  }
  return rows;
}

/** Redis: reachable, version, eviction policy, persistence, cluster mode, key layout. */
export async function redisChecks(config: Config): Promise<CheckRow[]> {
  const where = hideCredentials(config.redis.url);
  let redis: RedisConnection | undefined;
  try {
    redis = createRedis(config.redis.url, 'client');
    try {
      await waitForReady(redis, 3_000);
      await redis.ping();
    } catch (err) {
      return [
        {
          check: 'redis: reachable',
          status: 'fail',
          detail: `${where}: ${redactSecrets((err as Error).message)} (start one with \`docker compose --profile dev up -d redis-dev\` or a local \`redis-server\`, or set REDIS_URL)`,
        },
      ];
    }
    const rows: CheckRow[] = [{ check: 'redis: reachable', status: 'ok', detail: where }];
    try {
      const facts = await readRedisFacts(redis);
      rows.push({
        check: 'redis: mode',
        status: 'ok',
        detail: facts.cluster
          ? `Redis Cluster, ${facts.servers.length} primaries (keys share the {${config.redis.keyPrefix}} hash tag)`
          : 'single server',
      });
      rows.push(...judgeRedisFacts(facts));
    } catch (err) {
      rows.push({
        check: 'redis: server info',
        status: 'fail',
        detail: redactSecrets((err as Error).message),
      });
    }
    try {
      const legacy = await findLegacyKeys(redis, config.redis.keyPrefix, Object.values(QUEUES));
      rows.push(
        legacy.length === 0
          ? { check: 'redis: key layout', status: 'ok', detail: `keys under {${config.redis.keyPrefix}}:…` }
          : {
              check: 'redis: key layout',
              status: 'fail',
              detail: new LegacyKeyLayout(config.redis.keyPrefix, legacy).message,
            },
      );
    } catch (err) {
      rows.push({
        check: 'redis: key layout',
        status: 'warn',
        detail: redactSecrets((err as Error).message),
      });
    }
    return rows;
  } finally {
    redis?.disconnect();
  }
}
