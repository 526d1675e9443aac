import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRedisUrl } from '../../src/config.js';
import { keyRoot } from '../../src/store/keys.js';
import { createRedis, isCluster, isConnectionError } from '../../src/store/redis.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-12345' };

function configProblems(url: string): string[] {
  try {
    loadConfig({ env: { ...base, REDIS_URL: url } });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
}

describe('REDIS_URL', () => {
  it.each([
    ['redis://127.0.0.1:6379', { mode: 'single' }],
    ['rediss://default:s3cret@my-redis.example.com:6380/0', { mode: 'single' }],
    [
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7001,node-3.local',
      {
        mode: 'cluster',
        tls: false,
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: 'node-3.local', port: 6379 },
        ],
      },
    ],
    [
      'rediss+cluster://amibot:p%40ss%3Aw0rd@clustercfg.amibot.abc123.use1.cache.amazonaws.com:6379',
      {
        mode: 'cluster',
        tls: true,
        username: 'amibot',
        password: 'p@ss:w0rd',
        nodes: [{ host: 'clustercfg.amibot.abc123.use1.cache.amazonaws.com', port: 6379 }],
      },
    ],
    [
      'redis+cluster://:onlypass@[::1]:7000,[fd00::2]:7001/',
      {
        mode: 'cluster',
        tls: false,
        password: 'onlypass',
        nodes: [
          { host: '::1', port: 7000 },
          { host: 'fd00::2', port: 7001 },
        ],
      },
    ],
  ])('reads %s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
    expect(configProblems(url)).toEqual([]);
  });

  it.each([
    ['http://127.0.0.1:6379', /must be one of redis:\/\//],
    ['127.0.0.1:6379', /must be one of/],
    ['redis+cluster://host1:6379,,host2:6379', /node "" that is not host:port/],
    ['redis+cluster://host1:99999', /node "host1:99999"/],
    ['redis+cluster://host1:6379/2', /only database 0/],
    ['rediss+cluster://user:p%zz@host1', /not URL-encoded/],
  ])('refuses %s, naming REDIS_URL', (url, message) => {
    const found = configProblems(url).join('\n');
    expect(found).toContain('REDIS_URL');
    expect(found).toMatch(message);
  });

  it('never repeats the password in a refusal', () => {
    expect(configProblems('rediss+cluster://u:TopSecret99@host1:6379,bad host').join('\n')).not.toContain(
      'TopSecret99',
    );
  });

  it('a cluster URL makes an ioredis Cluster with the settings of its kind on every node, TLS and auth included', () => {
    const url = 'rediss+cluster://amibot:pw@127.0.0.1:1,127.0.0.1:2';
    const client = createRedis(url, 'client', {}, () => {}) as Cluster;
    const worker = createRedis(url, 'worker', {}, () => {}) as Cluster;
    try {
      expect(isCluster(client)).toBe(true);
      expect(client.options.enableOfflineQueue).toBe(false);
      expect(client.options.redisOptions).toMatchObject({
        username: 'amibot',
        password: 'pw',
        tls: {},
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        commandTimeout: 2_000,
      });
      // ElastiCache / MemoryDB with TLS: the node names are used as given, so the certificate matches.
      const looked: string[] = [];
      client.options.dnsLookup?.('node.example.com', (_err, address) => looked.push(address));
      expect(looked).toEqual(['node.example.com']);
      expect(worker.options.redisOptions?.maxRetriesPerRequest).toBeNull();
      expect(worker.options.enableOfflineQueue).toBe(true);
    } finally {
      client.disconnect();
      worker.disconnect();
    }
  });

  it('a cluster that no node answers is an outage (a connection error), not a bug', () => {
    const err = Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' });
    expect(isConnectionError(err)).toBe(true);
    expect(
      isConnectionError(Object.assign(new Error('x'), { lastNodeError: { code: 'ECONNREFUSED' } })),
    ).toBe(true);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
  });
});

describe('key root', () => {
  it('is the prefix as a hash tag, and refuses a prefix with braces of its own', () => {
    expect(keyRoot('amibot')).toBe('{amibot}');
    expect(() => keyRoot('{amibot}')).toThrow(/may not contain/);
  });
});
