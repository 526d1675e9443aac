import { InProcessAnswerer, ThreadAnswerer } from './answer/answer-pool.js';
import { createSlackApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { scheduleMaintenance, startWorkers } from './jobs/worker.js';
import { createLogger } from './logger.js';
import { installProcessGuards } from './process-guards.js';
import { loadSandbox, sandboxDecision } from './sandbox-mode.js';
import { createRedis, isRedisReady, throttledRedisErrorLog, waitForReady } from './store/redis.js';
import { buildDeps, closeDeps } from './wiring.js';

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
      'amibot cannot start: no SLACK_BOT_TOKEN is set. The compiled build has no sandbox (it runs from the source tree with `npm start`); to run the bot, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README.md).\n',
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
  const deps = buildDeps(config, { logger });

  // The client connection fails fast (no offline queue), so wait for it to connect first.
  const connected = await waitForReady(deps.redis, 3_000).then(
    () => true,
    () => false,
  );
  if (!connected || !(await isRedisReady(deps.redis, 3_000))) {
    logger.error(
      `Redis is not reachable at ${config.redis.url.replace(/\/\/[^@]*@/, '//***@')}. Start one with \`docker compose up -d redis\` or a local \`redis-server\`, or set REDIS_URL.`,
    );
    await closeDeps(deps);
    process.exit(1);
  }

  const stops: Array<() => Promise<void>> = [];
  if (config.role === 'web' || config.role === 'all') {
    const inProcess = new InProcessAnswerer(deps);
    const answerer =
      config.answerThreads > 0
        ? new ThreadAnswerer({ config }, config.answerThreads, inProcess, logger)
        : inProcess;
    // The threads load and build their dependencies before the port opens (a thread that cannot
    // start is retried with backoff meanwhile; its share of the answers goes to the main thread).
    if (answerer instanceof ThreadAnswerer) await answerer.settled(20_000);
    const slack = createSlackApp(deps, [], answerer);
    const port = await slack.start(config.port);
    stops.push(async () => {
      await slack.stop();
      await answerer.close();
    });
    logger.info(
      config.slack.appToken
        ? 'amibot connected to Slack over Socket Mode'
        : `amibot listening on :${port} (POST /slack/events)`,
    );
  }

  if (config.role === 'worker' || config.role === 'all') {
    const connection = createRedis(
      config.redis.url,
      'worker',
      {},
      throttledRedisErrorLog((m, f) => logger.warn(m, f)),
    );
    const workers = startWorkers(deps, { connection, concurrency: config.workerConcurrency });
    await scheduleMaintenance(deps);
    stops.push(async () => {
      await workers.close(25_000);
      connection.disconnect();
    });
    logger.info(`amibot workers running (concurrency ${config.workerConcurrency} per queue)`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting anyway');
      process.exit(1);
    }, 30_000);
    deadline.unref();
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error('error while stopping', { error: err }));
    }
    await closeDeps(deps);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`amibot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
