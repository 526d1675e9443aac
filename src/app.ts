import type { Server } from 'node:http';
import { App, type CustomRoute, type LogLevel } from '@slack/bolt';
import { type Answerer, InProcessAnswerer } from './answer/answer-pool.js';
import type { Deps } from './deps.js';
import { registerHandlers } from './handlers/index.js';
import { type AppMode, healthRoutes, metricsRoute, watchStores } from './health-server.js';
import { toSlackLogger } from './logger.js';
import { SlackHttpReceiver } from './slack/http-receiver.js';
import { ReplayGuard } from './slack/replay-guard.js';
import { SocketModeReceiver } from './slack/socket-mode-receiver.js';

export interface SlackApp {
  app: App;
  /** Starts listening on `host` (default: every interface); resolves with the bound port (0 picks a free one). */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

export interface SlackAppOptions {
  /** Default `bot`. */
  mode?: AppMode;
}

/**
 * Builds the Bolt app: HTTP receiver (`POST /slack/events`, with the strict gate of
 * `slack/http-receiver.ts`: signature, timestamp window both ways, body shape, replays) by
 * default, Socket Mode when an app-level token is configured. It never calls Slack at boot: the
 * bot identity comes from configuration, and token verification is off.
 */
export function createSlackApp(
  deps: Deps,
  extraRoutes: CustomRoute[] = [],
  answerer: Answerer = new InProcessAnswerer(deps),
  options: SlackAppOptions = {},
): SlackApp {
  const { config } = deps;
  const slackLogger = toSlackLogger(deps.logger, config.logLevel);
  const customRoutes = [...healthRoutes(deps, options.mode), metricsRoute(), ...extraRoutes];
  const unwatch = watchStores(deps);
  // Socket Mode: our own receiver (Web API URL honoured, health routes on `start(port)`), see
  // slack/socket-mode-receiver.ts. Bolt refuses `socketMode: true` together with a custom receiver.
  const socket = config.slack.appToken
    ? new SocketModeReceiver({
        appToken: config.slack.appToken,
        slackApiUrl: config.slack.apiUrl,
        logger: slackLogger,
        customRoutes,
        port: config.port,
      })
    : undefined;
  const http = socket
    ? undefined
    : new SlackHttpReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        logger: slackLogger,
        customRoutes,
        replayGuard: new ReplayGuard(deps.redis, config.redis.keyPrefix),
      });
  const app = new App({
    token: config.slack.botToken,
    receiver: socket ?? http,
    botId: config.slack.botUserId ? 'B_AMIBOT' : undefined,
    botUserId: config.slack.botUserId,
    tokenVerificationEnabled: false,
    logger: slackLogger,
    logLevel: config.logLevel as LogLevel,
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : undefined,
  });
  registerHandlers(app, deps, answerer);
  app.error(async (err) => {
    deps.logger.error('unhandled error in a Slack listener', { error: err });
  });

  let server: Server | undefined;
  return {
    app,
    async start(port: number, host?: string) {
      if (socket) return socket.start(port, host);
      server = (await app.start(host ? { port, host } : port)) as Server;
      const addr = server.address();
      return typeof addr === 'object' && addr ? addr.port : port;
    },
    async stop() {
      unwatch();
      await app.stop();
    },
  };
}
