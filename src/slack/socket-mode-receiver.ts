/**
 * Socket Mode receiver for Bolt, used when an app-level token (`SLACK_APP_TOKEN`) is configured.
 *
 * Why not Bolt's own `SocketModeReceiver`:
 * - its `SocketModeClient` gets Bolt's *shared* `clientOptions` object and mutates it (it sets
 *   `retryConfig: { retries: 100 }`), so every WebClient Bolt builds afterwards for listeners
 *   inherits 100 retries; here the client gets an object of its own with just `slackApiUrl`
 *   (GovSlack, offline tests);
 * - its health/custom-route HTTP server listens on a port fixed at construction, is not awaited on
 *   start or stop, and cannot report the bound port; here `start(port)` resolves with the port
 *   actually bound (0 picks a free one) and `stop()` waits for both the socket and the server.
 *
 * Envelopes are handed to `app.processEvent` exactly as Bolt's receiver does: the listener's `ack`
 * sends the envelope ack (with its payload, e.g. a view_submission `response_action`), and
 * processing errors are logged (never thrown) through Bolt's `defaultProcessEventErrorHandler`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type App,
  type CustomRoute,
  defaultProcessEventErrorHandler,
  type Logger,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { newCid, withCorrelation } from '../correlation.js';
import { ackByKind } from '../metrics.js';

type StringIndexed = Record<string, unknown>;

/** What the `SocketModeClient` emits as `slack_event` (see its `onWebSocketMessage`). */
interface SlackEventArgs {
  ack: (response?: StringIndexed) => Promise<void>;
  envelope_id: string;
  type: string;
  body: StringIndexed;
  retry_num?: number;
  retry_reason?: string;
  accepts_response_payload?: boolean;
}

export interface SocketModeReceiverOptions {
  /** App-level token (`xapp-…`), used for `apps.connections.open`. */
  appToken: string;
  /** Web API base URL (`SLACK_API_URL`); unset: slack.com. */
  slackApiUrl?: string;
  logger: Logger;
  /** Served on the HTTP server (exact paths; e.g. `/healthz`, `/readyz`). */
  customRoutes?: CustomRoute[];
  /** Port of the HTTP server when `start()` is given none (default 3000). */
  port?: number;
  /** Interface the HTTP server binds to (default: all). */
  host?: string;
  /** Passed to `SocketModeClient` (defaults: on, 5000 ms, 30000 ms). */
  autoReconnectEnabled?: boolean;
  clientPingTimeout?: number;
  serverPingTimeout?: number;
  /** Extra values for the listener `context`, per envelope (Bolt's default: none). */
  customPropertiesExtractor?: (args: SlackEventArgs) => StringIndexed;
}

type RouteHandler = CustomRoute['handler'];

/** `path -> METHOD -> handler`, as Bolt's `buildReceiverRoutes` builds it, for exact paths only. */
function routeTable(routes: CustomRoute[]): Map<string, Map<string, RouteHandler>> {
  const table = new Map<string, Map<string, RouteHandler>>();
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const byMethod = table.get(route.path) ?? new Map<string, RouteHandler>();
    for (const method of methods) byMethod.set(method.toUpperCase(), route.handler);
    table.set(route.path, byMethod);
  }
  return table;
}

function isRecord(v: unknown): v is StringIndexed {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a WebSocket message is not an envelope the client can handle, or undefined when it is. */
export function envelopeProblem(data: unknown): { reason: string; envelopeId?: string } | undefined {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : undefined;
  if (text === undefined) return { reason: 'not text' };
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { reason: 'not JSON' };
  }
  if (!isRecord(message)) return { reason: 'not a JSON object' };
  const envelopeId =
    typeof message.envelope_id === 'string' && message.envelope_id ? message.envelope_id : undefined;
  const withId = (reason: string) => (envelopeId ? { reason, envelopeId } : { reason });
  if (typeof message.type !== 'string') return withId('no type');
  if (message.type === 'hello' || message.type === 'disconnect') return undefined;
  if (!envelopeId) return { reason: `a ${message.type} envelope without envelope_id` };
  const payload = message.payload;
  if (!isRecord(payload)) return withId(`a ${message.type} envelope whose payload is not an object`);
  if (message.type === 'events_api' && !(isRecord(payload.event) && typeof payload.event.type === 'string')) {
    return withId('an events_api envelope without an event type');
  }
  if (message.type === 'interactive' && typeof payload.type !== 'string') {
    return withId('an interactive payload without a type');
  }
  if (message.type === 'slash_commands' && typeof payload.command !== 'string') {
    return withId('a slash command payload without a command');
  }
  return undefined;
}

/** The ack histogram of an envelope type (`slash_commands`, `interactive`, `events_api`). */
function ackKind(type: string) {
  return type === 'slash_commands'
    ? ackByKind.command
    : type === 'interactive'
      ? ackByKind.interaction
      : ackByKind.event;
}

export class SocketModeReceiver implements Receiver {
  readonly client: SocketModeClient;
  private app: App | undefined;
  private readonly logger: Logger;
  private readonly routes: Map<string, Map<string, RouteHandler>>;
  private readonly defaultPort: number;
  private readonly host: string | undefined;
  private server: Server | undefined;

  constructor(options: SocketModeReceiverOptions) {
    this.logger = options.logger;
    this.routes = routeTable(options.customRoutes ?? []);
    this.defaultPort = options.port ?? 3000;
    this.host = options.host;
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: options.logger,
      autoReconnectEnabled: options.autoReconnectEnabled,
      clientPingTimeout: options.clientPingTimeout,
      serverPingTimeout: options.serverPingTimeout,
      // An object of its own: the client adds its retry policy to it.
      clientOptions: options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {},
    });
    const extract = options.customPropertiesExtractor ?? (() => ({}));
    this.client.on('slack_event', (args: SlackEventArgs) => {
      // Each envelope is a piece of work of its own, with its own correlation id (correlation.ts).
      void withCorrelation(newCid(), () => this.dispatch(args, extract));
    });
    this.guardMessages();
  }

  /**
   * Puts a check in front of the client's own message handler, which dereferences what it is sent
   * without looking (`null`, an `events_api` envelope without a payload…) and, being async, would
   * turn that into an unhandled rejection. A message that is not a well-formed envelope is logged
   * and dropped; when it carries an `envelope_id` it is acknowledged, so Slack does not send it
   * again.
   */
  private guardMessages(): void {
    const client = this.client;
    const handlers = client.listeners('ws_message') as Array<(data: unknown, isBinary: boolean) => unknown>;
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: unknown, isBinary: boolean) => {
      if (!isBinary) {
        const problem = envelopeProblem(data);
        if (problem) {
          this.logger.warn(`ignored a malformed Socket Mode message: ${problem.reason}`);
          if (problem.envelopeId) {
            // `send` is what the client's own ack() calls; TypeScript marks it private.
            (client as unknown as { send(id: string, body: object): Promise<void> })
              .send(problem.envelopeId, {})
              .catch((error: unknown) => {
                this.logger.error(`Failed to acknowledge a malformed Socket Mode envelope: ${error}`);
              });
          }
          return;
        }
      }
      for (const handler of handlers) {
        Promise.resolve()
          .then(() => handler.call(client, data, isBinary))
          .catch((error: unknown) => this.logger.error(`Socket Mode message handling failed: ${error}`));
      }
    });
  }

  init(app: App): void {
    this.app = app;
  }

  /** Starts the HTTP server (on `host`, default the constructor's), then connects; resolves with the HTTP port actually bound. */
  async start(port: number = this.defaultPort, host: string | undefined = this.host): Promise<number> {
    const server = createServer((req, res) => this.serveHttp(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error(`Socket Mode HTTP server error: ${error}`));
    this.server = server;
    try {
      await this.client.start();
    } catch (error) {
      await this.closeServer();
      throw error;
    }
    return (server.address() as AddressInfo).port;
  }

  /** Closes the WebSocket (no reconnect) and the HTTP server. */
  async stop(): Promise<void> {
    await Promise.all([this.client.disconnect(), this.closeServer()]);
  }

  private async dispatch(args: SlackEventArgs, extract: (args: SlackEventArgs) => StringIndexed) {
    const arrived = performance.now();
    let acked = false;
    const event: ReceiverEvent = {
      body: args.body,
      ack: async (response?: StringIndexed) => {
        if (acked) {
          this.logger.warn('ack() has already been called; additional calls are ignored.');
          return;
        }
        acked = true;
        await args.ack(response);
        ackKind(args.type).observe((performance.now() - arrived) / 1000);
      },
      retryNum: args.retry_num,
      retryReason: args.retry_reason,
      customProperties: {},
    };
    this.logger.debug(`accepted a Socket Mode ${args.type} envelope`);
    try {
      event.customProperties = extract(args);
      if (!this.app) throw new Error('the receiver was not initialised with an app');
      await this.app.processEvent(event);
    } catch (error) {
      try {
        const shouldBeAcked = await defaultProcessEventErrorHandler({
          error: error as Error,
          logger: this.logger,
          event,
        });
        if (shouldBeAcked) await event.ack();
      } catch (ackError) {
        this.logger.error(`Failed to acknowledge a Socket Mode envelope: ${ackError}`);
      }
    }
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const byMethod = this.routes.get(path);
    const handler = byMethod?.get((req.method ?? 'GET').toUpperCase());
    if (!byMethod || !handler) {
      if (byMethod) res.setHeader('allow', [...byMethod.keys()].join(', '));
      res.writeHead(byMethod ? 405 : 404);
      res.end();
      return;
    }
    const fail = (error: unknown) => {
      this.logger.error(`Custom route ${req.method} ${path} failed: ${error}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    };
    try {
      // Handlers may be async although the type says void.
      const result: unknown = handler(Object.assign(req, { params: {} }), res);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close((error) => {
        if (error) this.logger.error(`Failed to close the Socket Mode HTTP server: ${error}`);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
