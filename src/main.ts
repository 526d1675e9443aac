import type { ThreadAnswerer } from './answer/answer-pool.js';
import { ConfigError, loadConfig } from './config.js';
import { isStateStoreError } from './errors.js';
import { healthRoutes, startHealthServer } from './health-server.js';
import { QUEUES } from './jobs/job.js';
import { createLogger } from './logger.js';
import { installProcessGuards } from './process-guards.js';
import { loadSandbox, sandboxDecision } from './sandbox-mode.js';
import { assertKeyLayout } from './store/key-layout.js';
import {
  createWatchedRedis,
  isConnectionError,
  isRedisReady,
  RedisOutageLog,
  waitForReady,
} from './store/redis.js';
import { buildDeps, closeDeps } from './wiring.js';

/** The whole shutdown, hard limit: the process exits by then whatever is still running (compose allows 35 s). */
const SHUTDOWN_LIMIT_MS = 30_000;
/** Kept for closing Redis and the AWS clients at the end. */
const CLOSE_CONNECTIONS_MS = 2_000;
/** The workers' share of the budget is larger (a job winding down takes longer than an answer). */
const WORKER_EXTRA_MS = 5_000;

/** Waits for `p` at most `ms` (its outcome is ignored after that). */
async function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Entry point. `AMIBOT_ROLE` picks what this process runs: `web` (the Slack app), `worker` (the
 * job workers) or `all` (both, the default).
 */
async function main(): Promise<void> {
  // No Slack token (or AMIBOT_SANDBOX=1): the local sandbox, a pretend Slack and AWS at /sandbox.
  const decision = sandboxDecision(process.env);
  if (decision.mode === 'refuse') {
    process.stderr.write(`amibot cannot start: ${decision.reason}\n`);
    process.exit(1);
  }
  if (decision.mode === 'sandbox') {
    const sandbox = await loadSandbox();
    if (sandbox) return sandbox.runSandbox();
    process.stderr.write(
      'amibot cannot start: no SLACK_BOT_TOKEN is set. This build has no sandbox (it needs the source tree with its dev/ folder and dev dependencies, as `npm start` has); to run the bot, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README.md).\n',
    );
    process.exit(1);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nSee .env.example and config.example.yaml for every setting.\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel).child({ role: config.role });
  installProcessGuards(logger);
  // Each component reports a Redis outage once a minute (and once when it is over), not per retry.
  const redis = createWatchedRedis(
    config.redis.url,
    'client',
    new RedisOutageLog(logger, config.role === 'worker' ? 'jobs' : 'web'),
  );
  const deps = buildDeps(config, { logger, redis });
  const queueOutage = new RedisOutageLog(logger, 'queues');
  deps.queues.onError((err) => queueOutage.failure(err));

  // The client connection fails fast (no offline queue), so wait for it to connect first.
  const connected = await waitForReady(deps.redis, 3_000).then(
    () => true,
    () => false,
  );
  if (!connected || !(await isRedisReady(deps.redis, 3_000))) {
    logger.error(
      `Redis is not reachable at ${config.redis.url.replace(/\/\/[^@]*@/, '//***@')}. Start one with \`docker compose --profile dev up -d redis-dev\` or a local \`redis-server\`, or set REDIS_URL.`,
    );
    await closeDeps(deps);
    process.exit(1);
  }
  // Data under an older version's key layout is moved first (docs/redis.md), never left behind.
  try {
    await assertKeyLayout(deps.redis, config.redis.keyPrefix, Object.values(QUEUES));
  } catch (err) {
    logger.error(err instanceof Error ? err.message : String(err));
    await closeDeps(deps);
    process.exit(1);
  }

  // What to stop on SIGTERM, in order, each within the time it is given.
  const stops: Array<{ name: string; stop: (budgetMs: number) => Promise<void> }> = [];
  // Signals are handled from here on: one arriving while a role is still starting stops what has
  // started so far (rather than killing the process without a clean shutdown).
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info(`received ${signal}, shutting down`);
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    deadline.unref();
    // Workers first (their jobs go back to the queue while the web still answers), then the web,
    // then the connections. Each step gets what is left of the budget, shared out so that the
    // steps after it still have their time, and the whole stays under the hard limit.
    const budgetUntil = started + SHUTDOWN_LIMIT_MS - CLOSE_CONNECTIONS_MS;
    for (const [i, { name, stop }] of stops.entries()) {
      const left = budgetUntil - Date.now();
      const budgetMs = Math.max(0, Math.floor(left / (stops.length - i)) + (i === 0 ? WORKER_EXTRA_MS : 0));
      await stop(Math.min(budgetMs, left)).catch((err: unknown) =>
        logger.error(`error while stopping the ${name}`, { error: err }),
      );
    }
    await withinMs(closeDeps(deps), CLOSE_CONNECTIONS_MS - 500);
    logger.info('stopped', { ms: Date.now() - started });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // Each role loads only its own modules (dynamic imports): the worker role never loads Bolt, the
  // handlers or the answer threads, the web role never loads the job workers (docs/benchmarks.md,
  // "Memory (idle RSS)").
  if (config.role === 'web' || config.role === 'all') {
    const [{ InProcessAnswerer, ThreadAnswerer }, { createSlackApp }] = await Promise.all([
      import('./answer/answer-pool.js'),
      import('./app.js'),
    ]);
    const inProcess = new InProcessAnswerer(deps);
    const answerer: InstanceType<typeof InProcessAnswerer> | ThreadAnswerer =
      config.answerThreads > 0
        ? new ThreadAnswerer({ config }, config.answerThreads, inProcess, logger)
        : inProcess;
    // The threads load and build their dependencies before the port opens (a thread that cannot
    // start is retried with backoff meanwhile; its share of the answers goes to the main thread).
    if (answerer instanceof ThreadAnswerer) await answerer.settled(20_000);
    if (stopping) return;
    const slack = createSlackApp(deps, [], answerer);
    const port = await slack.start(config.port);
    stops.push({
      name: 'web',
      stop: async (budgetMs) => {
        // Stops taking requests (idle keep-alive connections are closed), then lets the answer
        // threads finish what they hold.
        const until = Date.now() + budgetMs;
        await withinMs(slack.stop(), budgetMs / 2);
        if (answerer instanceof ThreadAnswerer) await answerer.close(Math.max(0, until - Date.now()));
        else await answerer.close();
      },
    });
    logger.info(
      config.slack.appToken
        ? 'amibot connected to Slack over Socket Mode'
        : `amibot listening on :${port} (POST /slack/events)`,
    );
  }

  if (stopping) return;
  if (config.role === 'worker') {
    // A worker alone has no Slack app: its own small server answers the health checks and scrapes
    // (opened before the workers, so a port already taken stops the process before it takes jobs).
    const health = await startHealthServer(deps, healthRoutes(deps), config.workerPort);
    stops.push({ name: 'worker health server', stop: () => health.close() });
    logger.info(`amibot worker health on :${health.port}`);
  }

  if (config.role === 'worker' || config.role === 'all') {
    const { scheduleMaintenance, startWorkers } = await import('./jobs/worker.js');
    if (stopping) return;
    const workerOutage = new RedisOutageLog(logger, 'workers');
    const connection = createWatchedRedis(config.redis.url, 'worker', workerOutage);
    const workers = startWorkers(deps, {
      connection,
      concurrency: config.workerConcurrency,
      onError: (err) =>
        isConnectionError(err) || isStateStoreError(err)
          ? workerOutage.failure(err)
          : logger.error('worker error', { error: err }),
    });
    await scheduleMaintenance(deps);
    stops.unshift({
      name: 'workers',
      stop: async (budgetMs) => {
        // Running jobs are handed back to the queue (they resume elsewhere from their checkpoint).
        await workers.close(budgetMs);
        connection.disconnect();
      },
    });
    logger.info(`amibot workers running (concurrency ${config.workerConcurrency} per queue)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`amibot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
