import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CustomRoute } from '@slack/bolt';
import type { Deps } from './deps.js';
import {
  collectProcessMetrics,
  METRICS_CONTENT_TYPE,
  onScrape,
  queueJobs,
  renderMetrics,
  requestsOpen,
  requestsPending,
} from './metrics.js';
import { isRedisReady } from './store/redis.js';

/** What this process is, as `/readyz` reports it: the bot, or the local sandbox against fakes. */
export type AppMode = 'bot' | 'sandbox';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * `/healthz`: the process is up. `/readyz`: it can reach Redis, so it can do useful work; it also
 * says whether this is the bot or the sandbox (`{ ok, redis, mode }`). `/metrics` (the web app's
 * routes only): Prometheus' text format, docs/metrics.md.
 */
export function healthRoutes(deps: Pick<Deps, 'redis'>, mode: AppMode = 'bot'): CustomRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req: IncomingMessage, res: ServerResponse) => json(res, 200, { ok: true }),
    },
    {
      path: '/readyz',
      method: ['GET'],
      handler: async (_req: IncomingMessage, res: ServerResponse) => {
        const redis = await isRedisReady(deps.redis);
        json(res, redis ? 200 : 503, { ok: redis, redis: redis ? 'ok' : 'unreachable', mode });
      },
    },
  ];
}

/** `GET /metrics`: every metric of this process (and its answer threads) in Prometheus' text format. */
export function metricsRoute(): CustomRoute {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      renderMetrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        },
      );
    },
  };
}

/**
 * What `/metrics` reads from Redis at scrape time (each source within the scrape timeout): the jobs
 * of every queue by state, and the open and pending requests (two ZCARDs of the request indexes).
 * Also turns on Node's process metrics. Returns the removal of the sources.
 */
export function watchStores(deps: Pick<Deps, 'queues' | 'requests'>): () => void {
  collectProcessMetrics();
  const offs = [
    onScrape('queues', async () => {
      const counts = await deps.queues.counts();
      for (const [queue, byState] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(byState)) queueJobs.labels(queue, state).set(n);
      }
    }),
    onScrape('requests', async () => {
      const { open, pending } = await deps.requests.openCounts();
      requestsOpen.set(open);
      requestsPending.set(pending);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker process's own small HTTP server (no Slack app): `routes` (`/healthz`, `/readyz`, the
 * same as the web process's) and `/metrics`. Anything else is a 404.
 */
export async function startHealthServer(
  deps: Pick<Deps, 'queues' | 'requests'>,
  routes: CustomRoute[],
  port: number,
  host?: string,
): Promise<HealthServer> {
  const unwatch = watchStores(deps);
  const table = new Map<string, CustomRoute>();
  for (const route of [...routes, metricsRoute()]) table.set(route.path, route);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = table.get(path);
    const methods = route ? [route.method].flat().map((m) => m.toUpperCase()) : [];
    if (!route || !methods.includes((req.method ?? 'GET').toUpperCase())) {
      if (route) res.setHeader('allow', methods.join(', '));
      res.writeHead(route ? 405 : 404);
      res.end();
      return;
    }
    const fail = () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    };
    try {
      const result: unknown = route.handler(Object.assign(req, { params: {} }), res);
      if (result instanceof Promise) result.catch(fail);
    } catch {
      fail();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        unwatch();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
