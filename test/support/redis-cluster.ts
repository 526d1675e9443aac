import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A real Redis Cluster for tests: `nodes` primaries (three by default, no replicas) started from
 * the installed `redis-server --cluster-enabled yes` on free loopback ports in a temporary
 * directory, joined with `redis-cli --cluster create`, ready once every node reports
 * `cluster_state:ok`. `.ci/run` starts one for the whole run (`AMIBOT_TEST_REDIS_CLUSTER_URL`);
 * otherwise the cluster project's global setup starts one (test/support/redis-cluster.global.ts).
 */
export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,…`, as `REDIS_URL` takes it. */
  url: string;
  ports: number[];
  dir: string;
  stop(): Promise<void>;
}

/** The environment variable that hands a running cluster's URL to the tests. */
export const CLUSTER_URL_ENV = 'AMIBOT_TEST_REDIS_CLUSTER_URL';

/** Why a cluster cannot be started here (redis-server or redis-cli missing, or too old), or undefined. */
export function clusterUnavailableReason(): string | undefined {
  for (const bin of ['redis-server', 'redis-cli']) {
    const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (out.error || out.status !== 0) return `${bin} is not installed`;
    const major = Number(/v=(\d+)\./.exec(out.stdout)?.[1] ?? /(\d+)\.\d+\.\d+/.exec(out.stdout)?.[1]);
    if (bin === 'redis-cli' && major < 5)
      return `redis-cli ${major} has no --cluster create (5 or later needed)`;
  }
  return undefined;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free pair of ports for a Redis Cluster node');
}

function run(
  bin: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** Starts a cluster of `nodes` primaries; `stop()` ends the servers and removes their directory. */
export async function startRedisCluster(opts: { nodes?: number } = {}): Promise<RedisClusterHandle> {
  const count = opts.nodes ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'amibot-redis-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freeClusterPort(taken);
      ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
          '--dir',
          dir,
          '--logfile',
          join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    await Promise.all(
      ports.map((port) =>
        until(`redis-server on port ${port} to answer PING`, 10_000, async () => {
          const out = await run('redis-cli', ['-p', String(port), 'ping'], 2_000);
          return out.output.includes('PONG') ? true : undefined;
        }),
      ),
    );
    const created = await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      30_000,
    );
    if (created.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.output}`);
    for (const port of ports) {
      const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await node.connect();
        await until(`node ${port} to report cluster_state:ok`, 20_000, async () => {
          const info = String(await node.cluster('INFO'));
          return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) ? true : undefined;
        });
      } finally {
        node.disconnect();
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, dir, stop };
}
