/**
 * `npm start` without Slack credentials: starts the sandbox, says plainly what it is and where to
 * open it, and stops it cleanly on SIGINT/SIGTERM. A missing Redis, a taken Redis prefix or a busy
 * port is explained in words, not as a stack trace. `PORT`, `HOST` (default 127.0.0.1: this
 * machine only), `REDIS_URL` and `AMIBOT_REDIS_PREFIX` (default a fresh one per run) are honoured.
 */
import { createLogger, type Level } from '../../src/logger.js';
import { installProcessGuards } from '../../src/process-guards.js';
import {
  type Sandbox,
  SandboxPrefixError,
  SandboxRedisError,
  sandboxBanner,
  startSandbox,
} from './start-sandbox.js';

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

export async function runSandbox(env: Record<string, string | undefined> = process.env): Promise<void> {
  const level = LEVELS.find((l) => l === env.LOG_LEVEL?.trim()) ?? 'info';
  const logger = createLogger(level).child({ role: 'sandbox' });
  installProcessGuards(logger);
  const port = Number(env.PORT?.trim() || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
    process.exit(1);
  }
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port,
      redisUrl,
      logger,
      logLevel: level,
      redisPrefix: env.AMIBOT_REDIS_PREFIX?.trim() || undefined,
      listenHost: env.HOST?.trim() || undefined,
    });
  } catch (err) {
    if (err instanceof SandboxRedisError || err instanceof SandboxPrefixError) logger.error(err.message);
    else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      logger.error(
        `Port ${port} is already in use. Stop what runs there or pick another one with PORT=3001.`,
      );
    else logger.error('the sandbox failed to start', { error: err });
    process.exit(1);
  }
  process.stdout.write(sandboxBanner(sandbox.url));
  logger.info('amibot sandbox ready', {
    url: sandbox.url,
    slackEvents: `${sandbox.appUrl}/slack/events`,
    listening: `${sandbox.listenHost}:${sandbox.port}`,
    redisPrefix: sandbox.redisPrefix,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down the sandbox`);
    const deadline = setTimeout(() => process.exit(1), 15_000);
    deadline.unref();
    await sandbox.close().catch((err: unknown) => logger.error('error while stopping', { error: err }));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
