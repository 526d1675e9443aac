/**
 * The sandbox page's backend, served by the app's own HTTP server (Bolt custom routes). It turns
 * what the browser does into the requests Slack would send — signed slash commands, block actions
 * and view submissions POSTed to the app's `/slack/events`, with response_urls served by the
 * FakeSlack — and renders what the FakeSlack holds (channel history, ephemerals, open modals) as
 * HTML for the page. Live updates go out as Server-Sent Events whenever the FakeSlack records a
 * Web API call or a response_url POST.
 *
 * Routes: GET /sandbox (the page), GET /sandbox/api/state?user=U, GET /sandbox/api/events,
 * POST /sandbox/api/command, /sandbox/api/action, /sandbox/api/view, /sandbox/api/view/close.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FakeEphemeral,
  FakeMessage,
  FakeSlack,
  FakeView,
  RecordedCall,
} from '../fake-slack/fake-slack.js';
import {
  buildBlockAction,
  buildSlashCommand,
  buildViewSubmission,
  plainTextValue,
  postSigned,
} from '../fake-slack/slack-payloads.js';
import { escapeHtml, messageToHtml, type RenderContext, textToHtml } from './block-html.js';
import { SANDBOX_PAGE_HTML } from './page.js';

export interface SandboxUser {
  id: string;
  name: string;
  /** Shown in the user switcher. */
  role: string;
}

export interface SandboxChannel {
  id: string;
  name: string;
  topic?: string;
}

export interface SandboxRoutesOptions {
  fakeSlack: FakeSlack;
  signingSecret: string;
  users: SandboxUser[];
  channel: SandboxChannel;
  /** Facts for the page's welcome text (e.g. an own image id to try commands on). */
  hints?: Record<string, string>;
}

/** A route as Bolt's `customRoutes` takes it. */
export interface SandboxRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

type Json = Record<string, unknown>;

interface Invocation {
  user: string;
  channel: string;
  text: string;
  /** Position among FakeSlack timestamps: just after the last message seen when it was sent. */
  key: number;
  at: number;
}

interface ModalState {
  viewId: string;
  user: string;
  closed: boolean;
}

/** One entry of a channel as the page shows it. */
export interface SandboxItem {
  kind: 'message' | 'ephemeral' | 'command';
  key: number;
  ts: string;
  author: string;
  authorId: string;
  bot: boolean;
  at: number;
  html: string;
  edited?: boolean;
  replies?: SandboxItem[];
}

const MAX_BODY = 64 * 1024;

/** `1764160000.000100` → 1764160000000100, comparable across messages and ephemerals. */
function tsKey(ts: string): number {
  const [s = '0', f = '0'] = ts.split('.');
  return Number(s) * 1_000_000 + Number(f.padEnd(6, '0').slice(0, 6));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('expected an object');
  return parsed as Json;
}

function field(body: Json, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export class SandboxController {
  /** The app's base URL (`http://127.0.0.1:PORT`), known once it listens. */
  appUrl = '';
  private readonly fakeSlack: FakeSlack;
  private readonly signingSecret: string;
  private readonly users: SandboxUser[];
  private readonly channel: SandboxChannel;
  private readonly hints: Record<string, string>;
  private readonly invocations: Invocation[] = [];
  private readonly triggers = new Map<string, string>();
  private readonly modals = new Map<string, ModalState>();
  private readonly firstSeen = new Map<string, number>();
  private readonly streams = new Set<ServerResponse>();
  private readonly unsubscribe: Array<() => void> = [];
  private version = 0;
  private notifyTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(opts: SandboxRoutesOptions) {
    this.fakeSlack = opts.fakeSlack;
    this.signingSecret = opts.signingSecret;
    this.users = opts.users;
    this.channel = opts.channel;
    this.hints = opts.hints ?? {};
    this.unsubscribe.push(
      this.fakeSlack.onCall((call) => this.onCall(call)),
      this.fakeSlack.onResponse(() => this.changed()),
    );
  }

  routes(): SandboxRoute[] {
    const wrap =
      (fn: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void) =>
      (req: IncomingMessage, res: ServerResponse) => {
        Promise.resolve()
          .then(() => fn(req, res))
          .catch((err: unknown) => {
            if (!res.headersSent) sendJson(res, 400, { ok: false, error: (err as Error).message });
            else res.end();
          });
      };
    const page = wrap((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
      });
      res.end(SANDBOX_PAGE_HTML);
    });
    return [
      {
        path: '/',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(302, { location: '/sandbox' });
          res.end();
        },
      },
      { path: '/sandbox', method: ['GET'], handler: page },
      { path: '/sandbox/', method: ['GET'], handler: page },
      {
        path: '/sandbox/api/state',
        method: ['GET'],
        handler: wrap((req, res) => {
          const user = new URL(req.url ?? '/', 'http://localhost').searchParams.get('user') ?? '';
          sendJson(res, 200, this.state(this.knownUser(user)));
        }),
      },
      { path: '/sandbox/api/events', method: ['GET'], handler: (req, res) => this.events(req, res) },
      {
        path: '/sandbox/api/command',
        method: ['POST'],
        handler: wrap(async (req, res) => sendJson(res, 200, await this.command(await readJson(req)))),
      },
      {
        path: '/sandbox/api/action',
        method: ['POST'],
        handler: wrap(async (req, res) => sendJson(res, 200, await this.action(await readJson(req)))),
      },
      {
        path: '/sandbox/api/view',
        method: ['POST'],
        handler: wrap(async (req, res) => sendJson(res, 200, await this.submitView(await readJson(req)))),
      },
      {
        path: '/sandbox/api/view/close',
        method: ['POST'],
        handler: wrap(async (req, res) => {
          const body = await readJson(req);
          const modal = this.modals.get(field(body, 'viewId') ?? '');
          if (modal) modal.closed = true;
          this.changed();
          sendJson(res, 200, { ok: true });
        }),
      },
    ];
  }

  /** Ends the live-update streams (an open SSE stream would keep the HTTP server from closing). */
  close(): void {
    for (const off of this.unsubscribe) off();
    clearTimeout(this.notifyTimer);
    clearInterval(this.heartbeat);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  // ---------------------------------------------------------------- browser actions → Slack requests

  private knownUser(id: string | undefined): string {
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new Error(`unknown sandbox user ${JSON.stringify(id)}`);
    return user.id;
  }

  private userName(id: string): string {
    return id === this.fakeSlack.botUserId ? 'amibot' : (this.users.find((u) => u.id === id)?.name ?? id);
  }

  private newTrigger(user: string): string {
    const id = `${Date.now()}.${Math.floor(Date.now() / 1000) % 1e10}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, user);
    if (this.triggers.size > 500) this.triggers.delete(this.triggers.keys().next().value as string);
    return id;
  }

  private async post(body: string) {
    if (!this.appUrl) throw new Error('the app is not listening yet');
    const res = await postSigned(`${this.appUrl}/slack/events`, body, this.signingSecret);
    return { status: res.status, body: res.body };
  }

  async command(body: Json): Promise<Json> {
    const user = this.knownUser(field(body, 'user'));
    const channel = field(body, 'channel') ?? this.channel.id;
    const text = (field(body, 'text') ?? '').replace(/^\s*\/?ami\b/, '').trim();
    const userName = this.userName(user);
    this.invocations.push({ user, channel, text, key: this.lastKey() + 1, at: Date.now() });
    this.changed();
    const payload = buildSlashCommand({
      text,
      userId: user,
      userName: userName.split(' ')[0]?.toLowerCase() ?? user,
      channelId: channel,
      channelName: channel === this.channel.id ? this.channel.name : undefined,
      responseUrl: this.fakeSlack.responseUrl(undefined, { channel, userId: user }),
      triggerId: this.newTrigger(user),
      teamId: this.fakeSlack.teamId,
      teamDomain: this.fakeSlack.teamDomain,
      apiAppId: this.fakeSlack.appId,
    });
    return { ok: true, ...(await this.post(payload)) };
  }

  async action(body: Json): Promise<Json> {
    const user = this.knownUser(field(body, 'user'));
    const channel = field(body, 'channel') ?? this.channel.id;
    const actionId = field(body, 'actionId');
    if (!actionId) throw new Error('actionId is required');
    const ts = field(body, 'messageTs') ?? field(body, 'responseId');
    const message = ts ? this.fakeSlack.message(channel, ts) : undefined;
    const ephemeral = message ? undefined : this.fakeSlack.ephemerals(channel).find((e) => e.ts === ts);
    if (!message && !ephemeral) throw new Error(`no message ${ts ?? '(none)'} in ${channel}`);
    const payload = buildBlockAction({
      actionId,
      value: field(body, 'value'),
      blockId: field(body, 'blockId'),
      userId: user,
      userName: this.userName(user).split(' ')[0]?.toLowerCase(),
      channelId: channel,
      channelName: channel === this.channel.id ? this.channel.name : undefined,
      messageTs: ts,
      message: message
        ? {
            ts: message.ts,
            text: message.text,
            blocks: message.blocks,
            user: message.user,
            bot_id: message.bot_id,
          }
        : undefined,
      ephemeral: ephemeral !== undefined,
      responseUrl: this.fakeSlack.responseUrl(undefined, { channel, messageTs: ts, userId: user }),
      triggerId: this.newTrigger(user),
      teamId: this.fakeSlack.teamId,
      teamDomain: this.fakeSlack.teamDomain,
      apiAppId: this.fakeSlack.appId,
    });
    return { ok: true, ...(await this.post(payload)) };
  }

  async submitView(body: Json): Promise<Json> {
    const user = this.knownUser(field(body, 'user'));
    const viewId = field(body, 'viewId') ?? '';
    const view = this.fakeSlack.view(viewId);
    const modal = this.modals.get(viewId);
    if (!view || !modal || modal.user !== user) throw new Error(`no open view ${viewId} for ${user}`);
    const raw = typeof body.values === 'object' && body.values !== null ? (body.values as Json) : {};
    const values: Record<string, Record<string, ReturnType<typeof plainTextValue>>> = {};
    for (const [blockId, actions] of Object.entries(raw)) {
      if (typeof actions !== 'object' || actions === null) continue;
      for (const [actionId, value] of Object.entries(actions as Json)) {
        values[blockId] ??= {};
        values[blockId][actionId] = plainTextValue(typeof value === 'string' && value !== '' ? value : null);
      }
    }
    const payload = buildViewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values,
      userId: user,
      userName: this.userName(user).split(' ')[0]?.toLowerCase(),
      viewId: view.id,
      externalId: view.external_id,
      blocks: view.blocks,
      title:
        typeof view.title === 'object' && view.title ? String((view.title as Json).text ?? '') : undefined,
      hash: view.hash,
      triggerId: this.newTrigger(user),
      teamId: this.fakeSlack.teamId,
      teamDomain: this.fakeSlack.teamDomain,
      apiAppId: this.fakeSlack.appId,
    });
    const res = await this.post(payload);
    let ack: Json = {};
    try {
      ack = res.body.trim() ? (JSON.parse(res.body) as Json) : {};
    } catch {
      ack = {};
    }
    if (ack.response_action === 'errors') return { ok: false, status: res.status, errors: ack.errors ?? {} };
    if (res.status === 200) modal.closed = true;
    this.changed();
    return { ok: res.status === 200, status: res.status };
  }

  // ---------------------------------------------------------------- live updates

  private onCall(call: RecordedCall): void {
    if ((call.method === 'views.open' || call.method === 'views.push') && call.response.ok === true) {
      const view = call.response.view as Json | undefined;
      const user = this.triggers.get(String(call.body.trigger_id ?? ''));
      if (view && typeof view.id === 'string' && user) {
        this.modals.set(view.id, { viewId: view.id, user, closed: false });
      }
    }
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const res of this.streams) res.write(`data: ${this.version}\n\n`);
    }, 30);
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 1000\ndata: ${this.version}\n\n`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const stream of this.streams) stream.write(': ping\n\n');
      }, 15_000);
      this.heartbeat.unref();
    }
  }

  // ---------------------------------------------------------------- what the page shows

  private lastKey(): number {
    const snap = this.fakeSlack.snapshot();
    let max = 0;
    for (const messages of Object.values(snap.channels))
      for (const m of messages) max = Math.max(max, tsKey(m.ts));
    for (const e of snap.ephemerals) max = Math.max(max, tsKey(e.ts));
    for (const i of this.invocations) max = Math.max(max, i.key);
    return max;
  }

  private seen(ts: string): number {
    let at = this.firstSeen.get(ts);
    if (at === undefined) {
      at = Date.now();
      this.firstSeen.set(ts, at);
    }
    return at;
  }

  private renderContext(): RenderContext {
    return {
      userName: (id) => this.userName(id),
      channelName: (id) => (id === this.channel.id ? this.channel.name : undefined),
    };
  }

  private messageItem(m: FakeMessage, ctx: RenderContext): SandboxItem {
    return {
      kind: 'message',
      key: tsKey(m.ts),
      ts: m.ts,
      author: this.userName(m.user),
      authorId: m.user,
      bot: m.user === this.fakeSlack.botUserId,
      at: this.seen(m.ts),
      html: messageToHtml(m, ctx),
      edited: m.edited !== undefined,
    };
  }

  private ephemeralItem(e: FakeEphemeral, ctx: RenderContext): SandboxItem {
    return {
      kind: 'ephemeral',
      key: tsKey(e.ts),
      ts: e.ts,
      author: 'amibot',
      authorId: this.fakeSlack.botUserId,
      bot: true,
      at: this.seen(e.ts),
      html: messageToHtml(e, ctx),
    };
  }

  private modalFor(user: string, ctx: RenderContext): Json | undefined {
    const open = [...this.modals.values()].filter((m) => m.user === user && !m.closed).at(-1);
    const view: FakeView | undefined = open ? this.fakeSlack.view(open.viewId) : undefined;
    if (!view) return undefined;
    return {
      viewId: view.id,
      title: textToHtml(view.title, ctx),
      submit: view.submit ? textToHtml(view.submit, ctx) : undefined,
      close: textToHtml(view.close ?? { type: 'plain_text', text: 'Cancel' }, ctx),
      html: messageToHtml({ blocks: view.blocks }, ctx),
    };
  }

  /** Everything one user sees: channels (history, their ephemerals and commands) and their open modal. */
  state(user: string): Json {
    const ctx = this.renderContext();
    const snap = this.fakeSlack.snapshot();
    const ids = new Set<string>([this.channel.id]);
    for (const id of Object.keys(snap.channels)) {
      if (id.startsWith('D') ? id === `D${user}` : true) ids.add(id);
    }
    for (const e of snap.ephemerals) if (e.channel && e.user === user) ids.add(e.channel);
    const channels = [...ids].map((id) => {
      const history = snap.channels[id] ?? [];
      const top = history.filter(
        (m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast,
      );
      const items: SandboxItem[] = top.map((m) => {
        const item = this.messageItem(m, ctx);
        const replies = history.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
        if (replies.length > 0) item.replies = replies.map((r) => this.messageItem(r, ctx));
        return item;
      });
      for (const e of snap.ephemerals) {
        if (e.channel === id && e.user === user && e.replacedBy === undefined)
          items.push(this.ephemeralItem(e, ctx));
      }
      for (const inv of this.invocations) {
        if (inv.channel !== id || inv.user !== user) continue;
        items.push({
          kind: 'command',
          key: inv.key,
          ts: '',
          author: this.userName(user),
          authorId: user,
          bot: false,
          at: inv.at,
          html: `<code class="slash">/ami ${escapeHtml(inv.text)}</code>`,
        });
      }
      items.sort((a, b) => a.key - b.key);
      const name =
        id === this.channel.id ? this.channel.name : id.startsWith('D') ? 'amibot' : id.toLowerCase();
      return {
        id,
        name,
        dm: id.startsWith('D'),
        topic: id === this.channel.id ? this.channel.topic : undefined,
        items,
      };
    });
    return {
      me: user,
      version: this.version,
      users: this.users,
      bot: { id: this.fakeSlack.botUserId, name: 'amibot' },
      hints: this.hints,
      channels,
      modal: this.modalFor(user, ctx),
    };
  }
}
