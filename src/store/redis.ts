import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../config.js';

/**
 * A connection to Redis: one server (`Redis`) or a Redis Cluster (`Cluster`, same command API).
 * Every store, queue and worker takes this type, so `REDIS_URL` alone decides which it is.
 */
export type RedisConnection = Redis | Cluster;

/**
 * Redis connections with BullMQ's production settings, and a time limit on every command.
 *
 * - `client` connections serve Slack requests, answer threads, queue producers and the stores jobs
 *   write to. They fail fast: no offline queue (a command sent while disconnected fails at once),
 *   one retry, a 2 s connect timeout, and {@link CLIENT_COMMAND_TIMEOUT_MS} per command, so a hung
 *   Redis (connection open, nothing answered) is an error within Slack's 3 s instead of a hang. A
 *   command left unanswered when the connection drops is not sent again after it reconnects
 *   (`autoResendUnfulfilledCommands: false`): its caller was already told it failed, and must not
 *   see it applied later.
 * - `worker` connections carry BullMQ's workers, whose blocking `BZPOPMIN` waits up to 10 s by
 *   design; they retry forever (`maxRetriesPerRequest: null`, as BullMQ requires) and their time
 *   limit, {@link WORKER_COMMAND_TIMEOUT_MS}, is longer than any wait BullMQ asks for: it only
 *   ends a command that Redis will never answer (a hung server), so the worker's loop goes on and
 *   logs the outage instead of waiting forever.
 *
 * A `redis+cluster://` / `rediss+cluster://` URL (see `parseRedisUrl` in config.ts) makes an
 * ioredis `Cluster` with the same settings on each node connection; the cluster itself gets the
 * same offline-queue rule. With TLS (ElastiCache, MemoryDB) the node names are connected to as
 * given (`dnsLookup` passes them through), so the certificate's host name matches.
 */
export type ConnectionKind = 'client' | 'worker';

export const CLIENT_COMMAND_TIMEOUT_MS = 2_000;
export const WORKER_COMMAND_TIMEOUT_MS = 20_000;

function connectionOptions(kind: ConnectionKind): RedisOptions {
  return kind === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true, commandTimeout: WORKER_COMMAND_TIMEOUT_MS }
    : {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 2_000,
        commandTimeout: CLIENT_COMMAND_TIMEOUT_MS,
        autoResendUnfulfilledCommands: false,
      };
}

export function createRedis(
  url: string,
  kind: ConnectionKind = 'client',
  extra: RedisOptions = {},
  onError: (err: Error) => void = () => {},
): RedisConnection {
  const target = parseRedisUrl(url);
  const base = connectionOptions(kind);
  let redis: RedisConnection;
  if (target.mode === 'single') {
    redis = new Redis(url, { lazyConnect: false, ...base, ...extra });
  } else {
    const nodeOptions: RedisOptions = {
      ...base,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
      ...extra,
    };
    const options: ClusterOptions = {
      lazyConnect: false,
      enableReadyCheck: true,
      enableOfflineQueue: nodeOptions.enableOfflineQueue ?? true,
      // The slot map is read at start and after a MOVED; a node that does not answer it in time is
      // skipped for the next one.
      slotsRefreshTimeout: kind === 'client' ? 2_000 : 5_000,
      redisOptions: nodeOptions,
      ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    redis = new Cluster(target.nodes, options);
    // A node connection's failures come as `node error`; the cluster's own (no node reachable) as `error`.
    redis.on('node error', (err: Error) => onError(err));
  }
  // ioredis reconnects by itself; without a listener it prints every failed attempt with a stack.
  // The caller decides what to say (readiness, a throttled log line).
  redis.on('error', onError);
  return redis;
}

/** True for a connection to a Redis Cluster. */
export function isCluster(redis: RedisConnection): redis is Cluster {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** A socket-level failure (refused, reset, unreachable…), as a connection's `error` event reports one. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; lastNodeError?: unknown; name?: unknown } | undefined;
  // A cluster with no node reachable reports the last node's failure inside its own error.
  if (e?.name === 'ClusterAllFailedError') return true;
  if (e?.lastNodeError) return isConnectionError(e.lastNodeError);
  return typeof e?.code === 'string' && SOCKET_ERRORS.has(e.code);
}

/** Where an outage is logged: a logger's `warn` and `info`. */
export interface OutageLogger {
  warn(msg: string, fields: Record<string, unknown>): void;
  info(msg: string, fields: Record<string, unknown>): void;
}

/**
 * One log line per `everyMs` (default a minute) for one component while Redis is unavailable, and
 * one when it is back. Fed by the connection's `error` and `ready` events and by the callers that
 * see a command fail for want of Redis (a timed-out command on a hung server raises no connection
 * error), so a Redis outage costs each component one JSON line a minute, not one per retry or per
 * request.
 */
export class RedisOutageLog {
  private downSince: number | undefined;
  private lastLogged = 0;
  private failures = 0;

  constructor(
    private readonly logger: OutageLogger,
    readonly component: string,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  failure(err: unknown): void {
    const now = this.now();
    this.downSince ??= now;
    this.failures += 1;
    if (this.lastLogged !== 0 && now - this.lastLogged < this.everyMs) return;
    this.lastLogged = now;
    this.logger.warn('Redis unavailable; retrying', {
      component: this.component,
      error: err instanceof Error ? err.message : String(err),
      failures: this.failures,
      downForMs: now - this.downSince,
    });
  }

  recovered(): void {
    if (this.downSince === undefined) return;
    const now = this.now();
    this.logger.info('Redis available again', {
      component: this.component,
      failures: this.failures,
      downForMs: now - this.downSince,
    });
    this.downSince = undefined;
    this.failures = 0;
    this.lastLogged = 0;
  }
}

const outageLogs = new WeakMap<object, RedisOutageLog>();

/**
 * Connects a connection's events to an outage log (errors count as failures, `ready` after an
 * outage is the recovery), and remembers the log so callers holding only the connection can
 * report the command failures they see ({@link noteRedisFailure}, {@link noteRedisSuccess}).
 */
export function watchRedis<R extends RedisConnection>(redis: R, log: RedisOutageLog): R {
  outageLogs.set(redis, log);
  redis.on('error', (err: Error) => log.failure(err));
  if (isCluster(redis)) redis.on('node error', (err: Error) => log.failure(err));
  redis.on('ready', () => log.recovered());
  return redis;
}

/** A client connection that reports its outages to `log` (see {@link watchRedis}). */
export function createWatchedRedis(url: string, kind: ConnectionKind, log: RedisOutageLog): RedisConnection {
  return watchRedis(createRedis(url, kind), log);
}

/** A command on `redis` failed because Redis is unavailable: counted in its outage log, if it has one. */
export function noteRedisFailure(redis: object | undefined, err: unknown): void {
  if (redis) outageLogs.get(redis)?.failure(err);
}

/** A command on `redis` succeeded: ends its outage, if one was logged (a hung server raises no `ready`). */
export function noteRedisSuccess(redis: object | undefined): void {
  if (redis) outageLogs.get(redis)?.recovered();
}

/** An error listener that logs at most once per `everyMs` (for connections without an outage log). */
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
export async function waitForReady(redis: RedisConnection, timeoutMs = 3_000): Promise<void> {
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

/** True when Redis answers PING within the timeout (the outcome is reported to the connection's outage log). */
export async function isRedisReady(redis: RedisConnection, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    if (pong === 'PONG') noteRedisSuccess(redis);
    return pong === 'PONG';
  } catch (err) {
    noteRedisFailure(redis, err);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every key matching a SCAN `pattern`, in batches: on one server one SCAN, on a cluster one per
 * primary (each node only scans its own slots). For tooling (migration, clean-up), never on a
 * request's path.
 */
export async function* scanKeys(
  redis: RedisConnection,
  pattern: string,
  count = 500,
): AsyncGenerator<string[]> {
  const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
