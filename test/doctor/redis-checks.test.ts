import { RedisConnection } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  judgeRedisFacts,
  REDIS_MINIMUM_VERSION,
  REDIS_RECOMMENDED_VERSION,
} from '../../src/doctor/redis-checks.js';
import type { RedisServerFacts } from '../../src/store/redis-facts.js';
import { parseInfo } from '../../src/store/redis-facts.js';

const good: RedisServerFacts = {
  node: 'r:6379',
  version: '7.2.4',
  maxmemoryPolicy: 'noeviction',
  aof: true,
  rdb: false,
};

function statusOf(server: Partial<RedisServerFacts>, check: string): string | undefined {
  return judgeRedisFacts({ cluster: false, servers: [{ ...good, ...server }] }).find((r) => r.check === check)
    ?.status;
}

describe('judgeRedisFacts', () => {
  it('uses the versions BullMQ itself checks', () => {
    expect(REDIS_MINIMUM_VERSION).toBe(RedisConnection.minimumVersion);
    expect(REDIS_RECOMMENDED_VERSION).toBe(RedisConnection.recommendedMinimumVersion);
  });

  it('fails below the minimum version, warns below the recommended one', () => {
    expect(statusOf({ version: '4.0.14' }, 'redis: version')).toBe('fail');
    expect(statusOf({ version: '6.0.9' }, 'redis: version')).toBe('warn');
    expect(statusOf({ version: '6.2.0' }, 'redis: version')).toBe('ok');
    expect(statusOf({ version: '10.0.0' }, 'redis: version')).toBe('ok');
  });

  it('fails on any eviction policy but noeviction, warns when it cannot be read', () => {
    expect(statusOf({}, 'redis: maxmemory-policy')).toBe('ok');
    for (const policy of ['allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-ttl'])
      expect(statusOf({ maxmemoryPolicy: policy }, 'redis: maxmemory-policy')).toBe('fail');
    expect(statusOf({ maxmemoryPolicy: undefined }, 'redis: maxmemory-policy')).toBe('warn');
  });

  it('warns when neither AOF nor RDB persistence is on', () => {
    expect(statusOf({ aof: true, rdb: false }, 'redis: persistence')).toBe('ok');
    expect(statusOf({ aof: false, rdb: true }, 'redis: persistence')).toBe('ok');
    expect(statusOf({ aof: false, rdb: false }, 'redis: persistence')).toBe('warn');
    expect(statusOf({ aof: false, rdb: undefined }, 'redis: persistence')).toBe('warn');
  });

  it('checks every primary of a cluster, naming each', () => {
    const rows = judgeRedisFacts({
      cluster: true,
      servers: [good, { ...good, node: 'r2:6379', maxmemoryPolicy: 'allkeys-lru' }],
    });
    expect(rows.find((r) => r.check === 'redis: maxmemory-policy (r2:6379)')?.status).toBe('fail');
    expect(rows.find((r) => r.check === 'redis: maxmemory-policy (r:6379)')?.status).toBe('ok');
  });
});

describe('compareVersions and parseInfo', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('6.10.0', '6.2.0')).toBe(1);
    expect(compareVersions('6.2', '6.2.0')).toBe(0);
    expect(compareVersions('5.0.14', '6.2.0')).toBe(-1);
  });

  it('reads INFO fields', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Persistence\r\naof_enabled:1\r\n');
    expect(info.get('redis_version')).toBe('7.0.15');
    expect(info.get('aof_enabled')).toBe('1');
  });
});
