/**
 * A fake of Slack's Web API over real HTTP, for the tests and the local sandbox mode.
 *
 * Point a `WebClient` (or Bolt's `clientOptions.slackApiUrl`) at `fake.apiUrl` and the bot talks
 * to this server instead of slack.com. Every call is recorded; messages are kept per channel with
 * their current content, so a test (or a sandbox page) can read the final state of a message after
 * updates. `response_url` endpoints are served too. Node built-ins only.
 *
 * Wire behaviour follows Slack: answers are HTTP 200 with `{ ok: false, error }` for failures,
 * HTTP 429 with `Retry-After` for rate limits; bodies may be form-encoded (what `@slack/web-api`
 * sends, with nested fields such as `blocks` JSON-stringified) or JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BlockSurface, blockProblems } from './fake-slack-blocks.js';

export type JsonObject = Record<string, unknown>;

export interface FakeSlackOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  teamId?: string;
  teamDomain?: string;
  /** Seconds part of the first message ts (default 1764160000, so ts look like `1764160000.000100`). */
  tsBaseSeconds?: number;
  /** How many POSTs a response_url accepts (Slack: 5). */
  responseUrlMaxUses?: number;
  /** How long a response_url works after it was handed out (Slack: 30 minutes). */
  responseUrlTtlMs?: number;
  /**
   * The bot token's granted scopes, answered in the `x-oauth-scopes` header of every Web API call
   * made with it, as Slack does (default: the bot scopes of slack-app-manifest.yaml).
   */
  scopes?: readonly string[];
}

/** The bot scopes slack-app-manifest.yaml asks for: what an installed amibot is granted. */
export const MANIFEST_BOT_SCOPES: readonly string[] = [
  'commands',
  'chat:write',
  'chat:write.public',
  'usergroups:read',
];

/** One Web API request as the fake saw and answered it. */
export interface RecordedCall {
  /** Position among all calls since start (not reset by `reset()`). */
  seq: number;
  method: string;
  /** The decoded request body (or query for GET); JSON-valued fields such as `blocks` are parsed. */
  body: JsonObject;
  token: string | undefined;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status answered: 200, or 429 when rate-limited. */
  status: number;
  /** The JSON body answered. */
  response: JsonObject;
}

/** One POST to a response_url. */
export interface RecordedResponse {
  seq: number;
  id: string;
  body: JsonObject;
  at: number;
  status: number;
  response: JsonObject;
}

/** A message as the fake stores it (Slack's message object plus its `channel`). */
export interface FakeMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  reply_broadcast?: boolean;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
}

/** An ephemeral message: from `chat.postEphemeral` or an ephemeral response_url POST. */
export interface FakeEphemeral {
  channel: string | undefined;
  user: string | undefined;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  source: 'chat.postEphemeral' | 'response_url';
  /** Set when a later response_url POST replaced it (`replace_original`): the ts of the replacement. */
  replacedBy?: string;
}

export interface FakeView {
  id: string;
  team_id: string;
  type: string;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  title: unknown;
  submit: unknown;
  close: unknown;
  blocks: unknown[];
  state: { values: JsonObject };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface FakeUserInput {
  id: string;
  name?: string;
  realName?: string;
  displayName?: string;
  email?: string;
  isBot?: boolean;
  isAdmin?: boolean;
  deleted?: boolean;
  tz?: string;
}

export interface FakeChannelInput {
  id: string;
  name: string;
  isPrivate?: boolean;
  isMember?: boolean;
  topic?: string;
  purpose?: string;
}

/** What a response_url refers to, so `replace_original` / `in_channel` can change channel history. */
export interface ResponseUrlTarget {
  channel?: string;
  /** The message the interaction came from (block actions); `replace_original` / `delete_original` act on it. */
  messageTs?: string;
  /** The user who invoked the command or clicked; ephemeral responses go to them. */
  userId?: string;
}

export interface RateLimitOptions {
  /** How many consecutive calls get 429 (default 1). */
  times?: number;
  /** The `Retry-After` header value (default 1). */
  retryAfterSeconds?: number;
}

export interface WaitForResponseOptions {
  timeoutMs?: number;
  predicate?: (response: RecordedResponse) => boolean;
}

export type CallListener = (call: RecordedCall) => void;
export type ResponseListener = (response: RecordedResponse) => void;

/** Everything the fake holds that a page would render. */
export interface FakeSlackSnapshot {
  channels: Record<string, FakeMessage[]>;
  ephemerals: FakeEphemeral[];
  views: FakeView[];
}

const DEFAULT_WAIT_MS = 5000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_TEXT_CHARS = 40_000;
/** Form fields that `@slack/web-api` JSON-stringifies and the fake parses back. */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'view',
  'metadata',
  'unfurls',
  'user_auth_blocks',
  'profile',
  'chunks',
]);
/** Methods that take an app-level (`xapp-`) token; all others take a bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

type ApiResult = JsonObject & { ok: boolean };
type Handler = (body: JsonObject) => ApiResult;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

interface ResponseUrlState {
  target: ResponseUrlTarget;
  createdAt: number;
  uses: number;
  /** ts of the ephemeral this URL last posted, so `replace_original` can replace it. */
  lastEphemeralTs?: string;
}

interface Waiter {
  check: () => boolean;
  reject: (error: Error) => void;
}

function fail(error: string, extra: JsonObject = {}): ApiResult {
  return { ok: false, error, ...extra };
}

function str(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function flag(body: JsonObject, key: string): boolean {
  const value = body[key];
  return value === true || value === 'true' || value === 1 || value === '1';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function parseForm(raw: string): JsonObject {
  const body: JsonObject = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key) && /^\s*[[{]/.test(value)) {
      try {
        body[key] = JSON.parse(value);
        continue;
      } catch {
        // Not JSON after all: keep the string, as Slack would then reject it.
      }
    }
    body[key] = value;
  }
  return body;
}

function parseBody(raw: string, contentType: string | undefined): JsonObject {
  if (raw.length === 0) return {};
  if (contentType?.toLowerCase().includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HttpError(200, 'invalid_json');
    }
    if (!isObject(parsed)) throw new HttpError(200, 'invalid_json');
    return parsed;
  }
  return parseForm(raw);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'request_too_large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: JsonObject, headers: JsonObject = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...(headers as Record<string, string>),
  });
  res.end(payload);
}

function bearerToken(req: IncomingMessage, body: JsonObject): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match?.[1]) return match[1];
  }
  return str(body, 'token');
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** A message without the fake's bookkeeping `channel` field, as the Web API returns it. */
function wireMessage(message: FakeMessage): JsonObject {
  const { channel: _channel, ...rest } = clone(message);
  return rest;
}

function isTopLevel(message: FakeMessage): boolean {
  return (
    message.thread_ts === undefined || message.thread_ts === message.ts || message.reply_broadcast === true
  );
}

export class FakeSlack {
  /** Base URL of the server, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  /** Web API base URL for `slackApiUrl`, ends with `/api/`. */
  readonly apiUrl: string;
  readonly port: number;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;
  readonly teamDomain: string;

  private readonly server: Server;
  private readonly tsBaseSeconds: number;
  private readonly responseUrlMaxUses: number;
  private readonly responseUrlTtlMs: number;
  private readonly handlers: Record<string, Handler>;
  private grantedScopes: readonly string[];

  private callLog: RecordedCall[] = [];
  private responseLog: RecordedResponse[] = [];
  private history = new Map<string, FakeMessage[]>();
  private ephemeralLog: FakeEphemeral[] = [];
  private viewStore = new Map<string, FakeView>();
  /** The App Home view last published for each user (`views.publish`). */
  private homeStore = new Map<string, FakeView>();
  private responseUrls = new Map<string, ResponseUrlState>();
  private rateLimits = new Map<string, { times: number; retryAfterSeconds: number }>();
  private failures = new Map<string, { error: string; times: number }>();
  private readonly users = new Map<string, JsonObject>();
  private readonly channels = new Map<string, JsonObject>();
  private readonly userGroups = new Map<string, string[]>();
  private readonly callListeners = new Set<CallListener>();
  private readonly responseListeners = new Set<ResponseListener>();
  private readonly waiters = new Set<Waiter>();
  private socketUrl: string;
  private tsCounter = 0;
  private viewCounter = 0;
  private seq = 0;
  private responseIdCounter = 0;
  private closed = false;

  private constructor(server: Server, options: Required<FakeSlackOptions>) {
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${urlHost(options.host)}:${this.port}`;
    this.apiUrl = `${this.url}/api/`;
    this.botUserId = options.botUserId;
    this.botId = options.botId;
    this.appId = options.appId;
    this.teamId = options.teamId;
    this.teamDomain = options.teamDomain;
    this.tsBaseSeconds = options.tsBaseSeconds;
    this.responseUrlMaxUses = options.responseUrlMaxUses;
    this.responseUrlTtlMs = options.responseUrlTtlMs;
    this.socketUrl = `ws://${urlHost(options.host)}:${this.port}/socket-mode`;
    this.handlers = this.buildHandlers();
    this.grantedScopes = [...options.scopes];
  }

  /** Changes the scopes the bot token holds (the `x-oauth-scopes` header of later calls). */
  setScopes(scopes: readonly string[]): void {
    this.grantedScopes = [...scopes];
  }

  /** Starts the server and resolves once it listens. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const resolved: Required<FakeSlackOptions> = {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      botUserId: options.botUserId ?? 'UBOT',
      botId: options.botId ?? 'BBOT',
      appId: options.appId ?? 'A0AMIBOT',
      teamId: options.teamId ?? 'T0001',
      teamDomain: options.teamDomain ?? 'amibot-sandbox',
      tsBaseSeconds: options.tsBaseSeconds ?? 1_764_160_000,
      responseUrlMaxUses: options.responseUrlMaxUses ?? 5,
      responseUrlTtlMs: options.responseUrlTtlMs ?? 30 * 60 * 1000,
      scopes: options.scopes ?? MANIFEST_BOT_SCOPES,
    };
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      if (fake === undefined) {
        sendJson(res, 503, fail('starting'));
        return;
      }
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          const status = error instanceof HttpError ? error.status : 400;
          sendJson(res, status, fail(error instanceof HttpError ? error.error : 'invalid_request'));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fake = new FakeSlack(server, resolved);
    return fake;
  }

  /** Stops the server, dropping kept-alive connections; pending waits reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.reject(new Error('FakeSlack closed'));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- recorded traffic

  /** Recorded Web API calls, oldest first; only those to `method` when given. */
  calls(method?: string): RecordedCall[] {
    return method === undefined ? [...this.callLog] : this.callLog.filter((call) => call.method === method);
  }

  /** Recorded response_url POSTs, oldest first; only those to `id` when given. */
  responses(id?: string): RecordedResponse[] {
    return id === undefined ? [...this.responseLog] : this.responseLog.filter((r) => r.id === id);
  }

  /**
   * Forgets recorded calls and responses, messages, ephemerals, views, response URLs and injected
   * failures. Keeps the directory (users, channels, user groups) and the socket URL; ts keep
   * increasing so a stale ts from before the reset never matches a new message.
   */
  reset(): void {
    this.callLog = [];
    this.responseLog = [];
    this.history = new Map();
    this.ephemeralLog = [];
    this.viewStore = new Map();
    this.homeStore = new Map();
    this.responseUrls = new Map();
    this.rateLimits = new Map();
    this.failures = new Map();
  }

  /** Calls `listener` after every Web API call is answered. Returns an unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** Calls `listener` after every response_url POST is answered. Returns an unsubscribe function. */
  onResponse(listener: ResponseListener): () => void {
    this.responseListeners.add(listener);
    return () => this.responseListeners.delete(listener);
  }

  /** Resolves with the first call to `method` (already recorded or still to come) matching `predicate`. */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<RecordedCall> {
    return this.waitFor(
      () => this.callLog.find((call) => call.method === method && predicate(call)),
      timeoutMs,
      () =>
        `no matching ${method} call within ${timeoutMs} ms; calls seen: ` +
        (this.callLog.map((call) => call.method).join(', ') || 'none'),
    );
  }

  /** Resolves with the first POST to response_url `id` (already recorded or still to come) matching `predicate`. */
  waitForResponse(id: string, options: WaitForResponseOptions = {}): Promise<RecordedResponse> {
    const { timeoutMs = DEFAULT_WAIT_MS, predicate = () => true } = options;
    return this.waitFor(
      () => this.responseLog.find((response) => response.id === id && predicate(response)),
      timeoutMs,
      () =>
        `no matching response to ${id} within ${timeoutMs} ms; ` +
        `${this.responses(id).length} response(s) to it, ${this.responseLog.length} in all`,
    );
  }

  // ---------------------------------------------------------------- state for tests and pages

  /** Top-level messages of a channel (what `conversations.history` shows), oldest first, current content. */
  messages(channel: string): FakeMessage[] {
    return (this.history.get(channel) ?? []).filter(isTopLevel).map(clone);
  }

  /** The parent and replies of a thread, oldest first (what `conversations.replies` shows). */
  replies(channel: string, threadTs: string): FakeMessage[] {
    return (this.history.get(channel) ?? [])
      .filter((m) => m.ts === threadTs || m.thread_ts === threadTs)
      .map(clone);
  }

  /** One message (top-level or reply) with its current content, or undefined if it does not exist (any more). */
  message(channel: string, ts: string): FakeMessage | undefined {
    const found = this.findMessage(channel, ts);
    return found === undefined ? undefined : clone(found);
  }

  /** Ephemeral messages, oldest first; only those in `channel` when given. */
  ephemerals(channel?: string): FakeEphemeral[] {
    return this.ephemeralLog.filter((e) => channel === undefined || e.channel === channel).map(clone);
  }

  /** Views opened, pushed or updated, in their current state. */
  views(): FakeView[] {
    return [...this.viewStore.values()].map(clone);
  }

  /** The Home tab view last published for `userId` (`views.publish`), or undefined if none was. */
  homeView(userId: string): FakeView | undefined {
    const found = this.homeStore.get(userId);
    return found === undefined ? undefined : clone(found);
  }

  /** Resolves with the first Home view published for `userId` (already or still to come) matching `predicate`. */
  waitForHomeView(
    userId: string,
    predicate: (view: FakeView) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<FakeView> {
    return this.waitFor(
      () => {
        const view = this.homeStore.get(userId);
        return view !== undefined && predicate(view) ? clone(view) : undefined;
      },
      timeoutMs,
      () => `no matching Home view for ${userId} within ${timeoutMs} ms`,
    );
  }

  view(id: string): FakeView | undefined {
    const found = this.viewStore.get(id);
    return found === undefined ? undefined : clone(found);
  }

  /** Channels, ephemerals and views in one copy, for a page that renders everything. */
  snapshot(): FakeSlackSnapshot {
    const channels: Record<string, FakeMessage[]> = {};
    for (const [channel, messages] of this.history) channels[channel] = messages.map(clone);
    return { channels, ephemerals: this.ephemerals(), views: this.views() };
  }

  // ---------------------------------------------------------------- directory and behaviour setup

  /** Members of a user group, for `usergroups.users.list`. */
  setUserGroup(id: string, userIds: string[]): void {
    this.userGroups.set(id, [...userIds]);
  }

  /** A user for `users.info`; returns the Slack user object the fake will answer with. */
  addUser(input: FakeUserInput): JsonObject {
    const name = input.name ?? input.id.toLowerCase();
    const realName = input.realName ?? name;
    const user: JsonObject = {
      id: input.id,
      team_id: this.teamId,
      name,
      deleted: input.deleted ?? false,
      real_name: realName,
      tz: input.tz ?? 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      is_admin: input.isAdmin ?? false,
      is_owner: false,
      is_bot: input.isBot ?? false,
      is_app_user: false,
      updated: this.tsBaseSeconds,
      profile: {
        real_name: realName,
        display_name: input.displayName ?? name,
        email: input.email ?? `${name}@example.com`,
        team: this.teamId,
      },
    };
    this.users.set(input.id, user);
    return clone(user);
  }

  /** A channel for `conversations.info` (and `#name` lookups in `chat.postMessage`). */
  addChannel(input: FakeChannelInput): JsonObject {
    const channel: JsonObject = {
      id: input.id,
      name: input.name,
      is_channel: !(input.isPrivate ?? false),
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: input.isPrivate ?? false,
      is_archived: false,
      is_general: false,
      is_member: input.isMember ?? true,
      created: this.tsBaseSeconds,
      creator: this.botUserId,
      context_team_id: this.teamId,
      topic: { value: input.topic ?? '', creator: '', last_set: 0 },
      purpose: { value: input.purpose ?? '', creator: '', last_set: 0 },
    };
    this.channels.set(input.id, channel);
    return clone(channel);
  }

  /** The WebSocket URL `apps.connections.open` hands out (for Socket Mode tests). */
  setSocketUrl(url: string): void {
    this.socketUrl = url;
  }

  /** The next `times` calls to `method` get HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, { times = 1, retryAfterSeconds = 1 }: RateLimitOptions = {}): void {
    this.rateLimits.set(method, { times, retryAfterSeconds });
  }

  /** The next `times` calls to `method` answer `{ ok: false, error }` (e.g. `channel_not_found`). */
  failNext(method: string, error: string, { times = 1 }: { times?: number } = {}): void {
    this.failures.set(method, { error, times });
  }

  /**
   * A response_url served by the fake, `http://127.0.0.1:PORT/response/<id>`. Give `target` so
   * that `replace_original`, `delete_original` and `in_channel` responses change channel history.
   */
  responseUrl(id?: string, target: ResponseUrlTarget = {}): string {
    const key = id ?? `R${String(++this.responseIdCounter).padStart(6, '0')}`;
    this.responseUrls.set(key, { target: { ...target }, createdAt: Date.now(), uses: 0 });
    return `${this.url}/response/${encodeURIComponent(key)}`;
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const apiMatch = /^\/api\/([^/]+)$/.exec(url.pathname);
    if (apiMatch?.[1] !== undefined && (method === 'POST' || method === 'GET')) {
      const raw = method === 'POST' ? await readBody(req) : '';
      await this.handleApi(decodeURIComponent(apiMatch[1]), req, res, raw, url);
      return;
    }
    const responseMatch = /^\/response\/([^/]+)$/.exec(url.pathname);
    if (responseMatch?.[1] !== undefined && method === 'POST') {
      const raw = await readBody(req);
      this.handleResponseUrl(decodeURIComponent(responseMatch[1]), req, res, raw);
      return;
    }
    sendJson(res, 404, fail('not_found'));
  }

  private async handleApi(
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    url: URL,
  ): Promise<void> {
    const at = Date.now();
    let body: JsonObject;
    let result: ApiResult;
    let status = 200;
    const headers: JsonObject = {};
    try {
      body =
        req.method === 'GET' ? parseForm(url.search.slice(1)) : parseBody(raw, req.headers['content-type']);
    } catch (error) {
      body = { raw };
      result = fail(error instanceof HttpError ? error.error : 'invalid_request');
      this.finishCall(res, { method, body, token: undefined, at, status, response: result }, headers);
      return;
    }
    const token = bearerToken(req, body);
    const handler = this.handlers[method];
    const rateLimit = this.rateLimits.get(method);
    const failure = this.failures.get(method);
    // Slack tells every call made with a bot token which scopes that token holds.
    if (handler !== undefined && token?.startsWith('xoxb-'))
      headers['x-oauth-scopes'] = this.grantedScopes.join(',');
    if (handler === undefined) {
      result = fail('unknown_method');
    } else if (token === undefined) {
      result = fail('not_authed');
    } else if (!token.startsWith('xoxb-') && !token.startsWith('xapp-')) {
      result = fail('invalid_auth');
    } else if (token.startsWith('xapp-') !== APP_TOKEN_METHODS.has(method)) {
      result = fail('not_allowed_token_type');
    } else if (rateLimit !== undefined && rateLimit.times > 0) {
      rateLimit.times -= 1;
      if (rateLimit.times === 0) this.rateLimits.delete(method);
      status = 429;
      headers['retry-after'] = String(rateLimit.retryAfterSeconds);
      result = fail('ratelimited');
    } else if (failure !== undefined && failure.times > 0) {
      failure.times -= 1;
      if (failure.times === 0) this.failures.delete(method);
      result = fail(failure.error);
    } else {
      result = handler(body);
    }
    this.finishCall(res, { method, body, token, at, status, response: result }, headers);
  }

  private finishCall(res: ServerResponse, call: Omit<RecordedCall, 'seq'>, headers: JsonObject): void {
    const recorded: RecordedCall = { seq: ++this.seq, ...call };
    this.callLog.push(recorded);
    sendJson(res, recorded.status, recorded.response, headers);
    for (const listener of this.callListeners) this.safely(() => listener(recorded));
    this.checkWaiters();
  }

  private handleResponseUrl(id: string, req: IncomingMessage, res: ServerResponse, raw: string): void {
    const at = Date.now();
    let body: JsonObject = { raw };
    let status = 200;
    let result: JsonObject;
    try {
      body = parseBody(raw, req.headers['content-type']);
      // Slack also accepts `payload=<json>` form posts on response URLs.
      if (typeof body.payload === 'string') body = parseBody(body.payload, 'application/json');
      result = this.applyResponse(id, body);
    } catch (error) {
      status = error instanceof HttpError ? error.status : 400;
      result = fail(error instanceof HttpError ? error.error : 'invalid_payload');
    }
    if (result.ok !== true && status === 200) status = 400;
    const recorded: RecordedResponse = { seq: ++this.seq, id, body, at, status, response: result };
    this.responseLog.push(recorded);
    sendJson(res, status, result);
    for (const listener of this.responseListeners) this.safely(() => listener(recorded));
    this.checkWaiters();
  }

  private applyResponse(id: string, body: JsonObject): JsonObject {
    let state = this.responseUrls.get(id);
    if (state === undefined) {
      // An id the fake never handed out (e.g. built by hand in a test): serve it anyway.
      state = { target: {}, createdAt: Date.now(), uses: 0 };
      this.responseUrls.set(id, state);
    }
    if (Date.now() - state.createdAt > this.responseUrlTtlMs) throw new HttpError(404, 'expired_url');
    if (state.uses >= this.responseUrlMaxUses) throw new HttpError(404, 'used_url');
    state.uses += 1;

    const { channel, messageTs, userId } = state.target;
    const deleteOriginal = flag(body, 'delete_original');
    const replaceOriginal = flag(body, 'replace_original');
    const text = typeof body.text === 'string' ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    const attachments = Array.isArray(body.attachments) ? body.attachments : undefined;

    if (deleteOriginal) {
      if (channel !== undefined && messageTs !== undefined) this.removeMessage(channel, messageTs);
      return { ok: true };
    }
    if (text === undefined && blocks === undefined && attachments === undefined) return fail('no_text');
    if (body.blocks !== undefined) {
      const problems = blockProblems(body.blocks, 'message');
      if (problems.length > 0) return fail('invalid_blocks', { errors: problems });
    }

    if (replaceOriginal) {
      const original =
        channel !== undefined && messageTs !== undefined && this.findMessage(channel, messageTs);
      if (original) {
        this.applyUpdate(original, {
          text: text ?? '',
          blocks: blocks ?? [],
          attachments: attachments ?? [],
        });
        return { ok: true };
      }
    }
    // Replacing an ephemeral (the one this URL posted, or the one clicked) marks it and posts the new one.
    const replaced = replaceOriginal
      ? this.ephemeralLog.find(
          (e) => e.replacedBy === undefined && (e.ts === messageTs || e.ts === state.lastEphemeralTs),
        )
      : undefined;

    if (body.response_type === 'in_channel' && channel !== undefined) {
      const posted = this.storeMessage(channel, {
        text: text ?? '',
        blocks,
        attachments,
        thread_ts: str(body, 'thread_ts'),
      });
      if (replaced !== undefined) replaced.replacedBy = posted.ts;
      return { ok: true };
    }
    const ephemeral: FakeEphemeral = {
      channel,
      user: userId,
      ts: this.nextTs(),
      text: text ?? '',
      source: 'response_url',
    };
    if (blocks !== undefined) ephemeral.blocks = blocks;
    if (attachments !== undefined) ephemeral.attachments = attachments;
    const threadTs = str(body, 'thread_ts');
    if (threadTs !== undefined) ephemeral.thread_ts = threadTs;
    this.ephemeralLog.push(ephemeral);
    if (replaced !== undefined) replaced.replacedBy = ephemeral.ts;
    state.lastEphemeralTs = ephemeral.ts;
    return { ok: true };
  }

  // ---------------------------------------------------------------- Web API methods

  private buildHandlers(): Record<string, Handler> {
    return {
      'api.test': (body) => ({ ok: true, args: body }),
      'auth.test': () => ({
        ok: true,
        url: `https://${this.teamDomain}.slack.com/`,
        team: 'amibot sandbox',
        user: 'amibot',
        team_id: this.teamId,
        user_id: this.botUserId,
        bot_id: this.botId,
        is_enterprise_install: false,
      }),
      'apps.connections.open': () => ({ ok: true, url: this.socketUrl }),
      'chat.postMessage': (body) => this.postMessage(body),
      'chat.update': (body) => this.updateMessage(body),
      'chat.delete': (body) => this.deleteMessage(body),
      'chat.postEphemeral': (body) => this.postEphemeral(body),
      'chat.getPermalink': (body) => {
        const channel = str(body, 'channel');
        const ts = str(body, 'message_ts');
        if (channel === undefined || ts === undefined || this.findMessage(channel, ts) === undefined) {
          return fail('message_not_found');
        }
        return {
          ok: true,
          channel,
          permalink: `https://${this.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
        };
      },
      'views.open': (body) => this.openView(body, false),
      'views.push': (body) => this.openView(body, true),
      'views.update': (body) => this.updateView(body),
      'views.publish': (body) => this.publishView(body),
      'usergroups.users.list': (body) => {
        const users = this.userGroups.get(str(body, 'usergroup') ?? '');
        return users === undefined ? fail('no_such_subteam') : { ok: true, users: [...users] };
      },
      'users.info': (body) => {
        const user = this.users.get(str(body, 'user') ?? '');
        return user === undefined ? fail('user_not_found') : { ok: true, user: clone(user) };
      },
      'conversations.info': (body) => {
        const id = str(body, 'channel') ?? '';
        const channel = this.channels.get(id);
        if (channel !== undefined) return { ok: true, channel: clone(channel) };
        if (id.startsWith('D')) {
          return {
            ok: true,
            channel: { id, created: this.tsBaseSeconds, is_im: true, is_org_shared: false },
          };
        }
        return fail('channel_not_found');
      },
      'conversations.open': (body) => {
        const users = (str(body, 'users') ?? '').split(',').filter((u) => u.length > 0);
        if (users.length !== 1 || users[0] === undefined) return fail('not_enough_users');
        return { ok: true, channel: { id: this.dmChannelId(users[0]) } };
      },
    };
  }

  private dmChannelId(userId: string): string {
    return `D${userId}`;
  }

  /** Resolves a `channel` argument: ids as given, user ids to their DM, `#name` via `addChannel`. */
  private resolveChannel(raw: string | undefined): string | undefined {
    if (raw === undefined) return undefined;
    if (raw.startsWith('#')) {
      const name = raw.slice(1);
      for (const channel of this.channels.values()) if (channel.name === name) return String(channel.id);
      return undefined;
    }
    if (/^[UW]/.test(raw)) return this.dmChannelId(raw);
    return raw;
  }

  /** Checks text/blocks/attachments of a message argument; returns an error result or undefined. */
  private checkContent(
    body: JsonObject,
    { requireContent }: { requireContent: boolean },
  ): ApiResult | undefined {
    const text = body.text;
    if (
      requireContent &&
      str(body, 'text') === undefined &&
      body.blocks === undefined &&
      body.attachments === undefined
    ) {
      return fail('no_text');
    }
    if (typeof text === 'string' && text.length > MAX_TEXT_CHARS) return fail('msg_too_long');
    if (body.blocks !== undefined) {
      const problems = blockProblems(body.blocks, 'message');
      if (problems.length > 0) {
        return fail('invalid_blocks', {
          errors: problems,
          response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
        });
      }
    }
    if (body.attachments !== undefined && !Array.isArray(body.attachments))
      return fail('invalid_attachments');
    return undefined;
  }

  private postMessage(body: JsonObject): ApiResult {
    const channel = this.resolveChannel(str(body, 'channel'));
    if (channel === undefined) return fail('channel_not_found');
    const problem = this.checkContent(body, { requireContent: true });
    if (problem !== undefined) return problem;
    const message = this.storeMessage(channel, {
      text: str(body, 'text') ?? '',
      blocks: body.blocks as unknown[] | undefined,
      attachments: body.attachments as unknown[] | undefined,
      metadata: body.metadata,
      thread_ts: str(body, 'thread_ts'),
      reply_broadcast: flag(body, 'reply_broadcast'),
    });
    return { ok: true, channel, ts: message.ts, message: wireMessage(message) };
  }

  private updateMessage(body: JsonObject): ApiResult {
    const channel = this.resolveChannel(str(body, 'channel'));
    const ts = str(body, 'ts');
    if (channel === undefined) return fail('channel_not_found');
    const message = ts === undefined ? undefined : this.findMessage(channel, ts);
    if (message === undefined) return fail('message_not_found');
    const problem = this.checkContent(body, { requireContent: false });
    if (problem !== undefined) return problem;
    this.applyUpdate(message, {
      text: typeof body.text === 'string' ? body.text : undefined,
      blocks: Array.isArray(body.blocks) ? body.blocks : undefined,
      attachments: Array.isArray(body.attachments) ? body.attachments : undefined,
      metadata: body.metadata,
    });
    return { ok: true, channel, ts: message.ts, text: message.text, message: wireMessage(message) };
  }

  private deleteMessage(body: JsonObject): ApiResult {
    const channel = this.resolveChannel(str(body, 'channel'));
    const ts = str(body, 'ts');
    if (channel === undefined) return fail('channel_not_found');
    if (ts === undefined || !this.removeMessage(channel, ts)) return fail('message_not_found');
    return { ok: true, channel, ts };
  }

  private postEphemeral(body: JsonObject): ApiResult {
    const channel = this.resolveChannel(str(body, 'channel'));
    const user = str(body, 'user');
    if (channel === undefined) return fail('channel_not_found');
    if (user === undefined) return fail('user_not_in_channel');
    const problem = this.checkContent(body, { requireContent: true });
    if (problem !== undefined) return problem;
    const ephemeral: FakeEphemeral = {
      channel,
      user,
      ts: this.nextTs(),
      text: str(body, 'text') ?? '',
      source: 'chat.postEphemeral',
    };
    if (Array.isArray(body.blocks)) ephemeral.blocks = body.blocks;
    if (Array.isArray(body.attachments)) ephemeral.attachments = body.attachments;
    const threadTs = str(body, 'thread_ts');
    if (threadTs !== undefined) ephemeral.thread_ts = threadTs;
    this.ephemeralLog.push(ephemeral);
    return { ok: true, message_ts: ephemeral.ts };
  }

  private viewProblem(view: unknown): ApiResult | undefined {
    if (!isObject(view))
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing view'] } });
    const surface: BlockSurface = view.type === 'home' ? 'home' : 'modal';
    const problems = blockProblems(view.blocks, surface);
    if (view.type !== 'modal' && view.type !== 'home')
      problems.unshift('must be modal or home [json-pointer:/view/type]');
    if (problems.length > 0) {
      return fail('invalid_arguments', {
        response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
      });
    }
    return undefined;
  }

  private openView(body: JsonObject, push: boolean): ApiResult {
    if (str(body, 'trigger_id') === undefined) {
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing trigger_id'] } });
    }
    const problem = this.viewProblem(body.view);
    if (problem !== undefined) return problem;
    const spec = body.view as JsonObject;
    const id = `V${String(++this.viewCounter).padStart(10, '0')}`;
    const view: FakeView = {
      id,
      team_id: this.teamId,
      type: String(spec.type),
      callback_id: typeof spec.callback_id === 'string' ? spec.callback_id : '',
      private_metadata: typeof spec.private_metadata === 'string' ? spec.private_metadata : '',
      external_id: typeof spec.external_id === 'string' ? spec.external_id : '',
      title: spec.title ?? null,
      submit: spec.submit ?? null,
      close: spec.close ?? null,
      blocks: spec.blocks as unknown[],
      state: { values: {} },
      hash: this.viewHash(),
      clear_on_close: spec.clear_on_close === true,
      notify_on_close: spec.notify_on_close === true,
      root_view_id: id,
      previous_view_id: null,
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
    if (push) {
      const previous = [...this.viewStore.values()].at(-1);
      if (previous !== undefined) {
        view.previous_view_id = previous.id;
        view.root_view_id = previous.root_view_id;
      }
    }
    this.viewStore.set(id, view);
    return { ok: true, view: clone(view) };
  }

  /**
   * `views.publish`: the Home tab of `user_id` (a user id; a user added with `addUser` or any
   * `U…`/`W…` id) becomes `view`, which must be of type `home`. The last view per user is kept.
   */
  private publishView(body: JsonObject): ApiResult {
    const userId = str(body, 'user_id');
    if (userId === undefined || userId === '') {
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing user_id'] } });
    }
    if (!/^[UW][A-Z0-9_]{1,40}$/.test(userId)) return fail('user_not_found');
    const spec = body.view;
    if (!isObject(spec) || spec.type !== 'home') {
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] must be home [json-pointer:/view/type]'] },
      });
    }
    const problem = this.viewProblem(spec);
    if (problem !== undefined) return problem;
    const previous = this.homeStore.get(userId);
    const hash = str(body, 'hash');
    if (hash !== undefined && previous !== undefined && hash !== previous.hash) return fail('hash_conflict');
    const id = previous?.id ?? `V${String(++this.viewCounter).padStart(10, '0')}`;
    const view: FakeView = {
      id,
      team_id: this.teamId,
      type: 'home',
      callback_id: typeof spec.callback_id === 'string' ? spec.callback_id : '',
      private_metadata: typeof spec.private_metadata === 'string' ? spec.private_metadata : '',
      external_id: typeof spec.external_id === 'string' ? spec.external_id : '',
      title: null,
      submit: null,
      close: null,
      blocks: spec.blocks as unknown[],
      state: { values: {} },
      hash: this.viewHash(),
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: id,
      previous_view_id: null,
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
    this.homeStore.set(userId, view);
    return { ok: true, view: clone(view) };
  }

  private updateView(body: JsonObject): ApiResult {
    const viewId = str(body, 'view_id');
    const externalId = str(body, 'external_id');
    const view =
      viewId !== undefined
        ? this.viewStore.get(viewId)
        : [...this.viewStore.values()].find((v) => externalId !== undefined && v.external_id === externalId);
    if (view === undefined) return fail('not_found');
    const hash = str(body, 'hash');
    if (hash !== undefined && hash !== view.hash) return fail('hash_conflict');
    const problem = this.viewProblem(body.view);
    if (problem !== undefined) return problem;
    const spec = body.view as JsonObject;
    view.blocks = spec.blocks as unknown[];
    view.title = spec.title ?? view.title;
    view.submit = spec.submit ?? null;
    view.close = spec.close ?? null;
    if (typeof spec.callback_id === 'string') view.callback_id = spec.callback_id;
    if (typeof spec.private_metadata === 'string') view.private_metadata = spec.private_metadata;
    if (typeof spec.external_id === 'string') view.external_id = spec.external_id;
    view.hash = this.viewHash();
    return { ok: true, view: clone(view) };
  }

  // ---------------------------------------------------------------- message store

  /** Next message ts: unique, increasing, Slack-shaped (`1764160000.000100`, `1764160000.000200`, …). */
  private nextTs(): string {
    const micros = ++this.tsCounter * 100;
    const seconds = this.tsBaseSeconds + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private viewHash(): string {
    return `${this.nextTs()}.${Math.random().toString(16).slice(2, 10)}`;
  }

  private storeMessage(
    channel: string,
    content: {
      text: string;
      blocks?: unknown[] | undefined;
      attachments?: unknown[] | undefined;
      metadata?: unknown;
      thread_ts?: string | undefined;
      reply_broadcast?: boolean;
    },
  ): FakeMessage {
    const message: FakeMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      text: content.text,
    };
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (content.metadata !== undefined) message.metadata = content.metadata;
    if (content.thread_ts !== undefined) {
      message.thread_ts = content.thread_ts;
      if (content.reply_broadcast) message.reply_broadcast = true;
      const parent = this.findMessage(channel, content.thread_ts);
      if (parent !== undefined) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.reply_users = [...new Set([...(parent.reply_users ?? []), message.user])];
        parent.latest_reply = message.ts;
      }
    }
    const list = this.history.get(channel) ?? [];
    list.push(message);
    this.history.set(channel, list);
    return message;
  }

  private applyUpdate(
    message: FakeMessage,
    change: {
      text?: string | undefined;
      blocks?: unknown[] | undefined;
      attachments?: unknown[] | undefined;
      metadata?: unknown;
    },
  ): void {
    // Like chat.update: fields left out keep their value; an empty array removes blocks/attachments.
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) {
      if (change.blocks.length > 0) message.blocks = change.blocks;
      else delete message.blocks;
    }
    if (change.attachments !== undefined) {
      if (change.attachments.length > 0) message.attachments = change.attachments;
      else delete message.attachments;
    }
    if (change.metadata !== undefined) message.metadata = change.metadata;
    message.edited = { user: this.botUserId, ts: this.nextTs() };
  }

  private findMessage(channel: string, ts: string): FakeMessage | undefined {
    return this.history.get(channel)?.find((m) => m.ts === ts);
  }

  private removeMessage(channel: string, ts: string): boolean {
    const list = this.history.get(channel);
    const index = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (list === undefined || index < 0) return false;
    const [removed] = list.splice(index, 1);
    if (removed?.thread_ts !== undefined && removed.thread_ts !== removed.ts) {
      const parent = list.find((m) => m.ts === removed.thread_ts);
      if (parent?.reply_count !== undefined) parent.reply_count = Math.max(0, parent.reply_count - 1);
    }
    return true;
  }

  // ---------------------------------------------------------------- waiting

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const existing = find();
    if (existing !== undefined) return Promise.resolve(existing);
    if (this.closed) return Promise.reject(new Error('FakeSlack closed'));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (found === undefined) return false;
          done();
          resolve(found);
          return true;
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.reject(new Error(describe())), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  private checkWaiters(): void {
    for (const waiter of [...this.waiters]) this.safely(() => waiter.check());
  }

  private safely(fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      process.emitWarning(
        `FakeSlack listener failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
