/**
 * Socket Mode, offline: the client asks the fake Slack API for a WebSocket URL
 * (`apps.connections.open` with the `xapp-` token), and a local WebSocket server plays Slack's
 * side of the link (hello, envelopes, disconnect) and reads the acks.
 */
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { createLogger, toSlackLogger } from '../../src/logger.js';
import { SocketModeReceiver } from '../../src/slack/socket-mode-receiver.js';
import { allText, startTestApp, type TestApp } from '../support/app-under-test.js';
import { sample, scrape } from '../support/metrics.js';
import {
  buildBlockActionPayload,
  buildSlashCommandPayload,
  buildViewSubmissionPayload,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

const APP_TOKEN = 'xapp-1-A0-1-abc';

interface ClientMessage {
  envelope_id?: string;
  payload?: Record<string, unknown>;
  at: number;
}

/** Slack's side of the Socket Mode link: says hello on connect, sends envelopes, records acks. */
class FakeSocketModeServer {
  readonly messages: ClientMessage[] = [];
  readonly connections: WebSocket[] = [];
  readonly closeCodes: number[] = [];
  private readonly listeners = new Set<() => void>();
  private counter = 0;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (socket) => {
      this.connections.push(socket);
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const parsed = JSON.parse(data.toString()) as Omit<ClientMessage, 'at'>;
        this.messages.push({ ...parsed, at: Date.now() });
        this.notify();
      });
      socket.on('close', (code) => {
        this.closeCodes.push(code);
        this.notify();
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0AMIBOT' },
        }),
      );
      this.notify();
    });
  }

  static async start(): Promise<FakeSocketModeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const { port } = wss.address() as AddressInfo;
    return new FakeSocketModeServer(wss, `ws://127.0.0.1:${port}/link/?ticket=test`);
  }

  get current(): WebSocket {
    const socket = this.connections.at(-1);
    if (!socket) throw new Error('no Socket Mode connection yet');
    return socket;
  }

  /** Sends an envelope on the latest connection; returns its envelope_id and when it was sent. */
  send(type: string, payload: unknown, extra: Record<string, unknown> = {}): { id: string; sentAt: number } {
    this.counter += 1;
    const id = `env-${this.counter}-${Date.now()}`;
    const sentAt = Date.now();
    this.current.send(JSON.stringify({ envelope_id: id, type, payload, ...extra }));
    return { id, sentAt };
  }

  acks(id: string): ClientMessage[] {
    return this.messages.filter((m) => m.envelope_id === id);
  }

  waitForAck(id: string, timeoutMs = 3000): Promise<ClientMessage> {
    return this.waitFor(() => this.acks(id)[0], timeoutMs, `no ack for ${id}`);
  }

  waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out: ${what}`));
      }, timeoutMs);
      // Also polled, for conditions that change without a socket event.
      const poll = setInterval(check, 20);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

describe('the app in Socket Mode', () => {
  let fakeSlack: FakeSlack;
  let link: FakeSocketModeServer;
  let t: TestApp;
  let closed = false;
  const logged: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    fakeSlack = await FakeSlack.start();
    link = await FakeSocketModeServer.start();
    fakeSlack.setSocketUrl(link.url);
    t = await startTestApp({
      fakeSlack,
      env: { SLACK_APP_TOKEN: APP_TOKEN },
      logger: createLogger('debug', (line) => logged.push(JSON.parse(line) as Record<string, unknown>)),
    });
  });

  afterAll(async () => {
    if (!closed) await t?.close();
    await link?.close();
    await fakeSlack?.close();
  });

  it('opens the connection through SLACK_API_URL with the app-level token', () => {
    const opens = fakeSlack.calls('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.token).toBe(APP_TOKEN);
    expect(link.connections).toHaveLength(1);
  });

  it('acks a slash command envelope at once and answers on its response_url', async () => {
    const responseId = 'socket-help';
    const payload = buildSlashCommandPayload({
      text: 'help',
      responseUrl: fakeSlack.responseUrl(responseId),
    });
    const { id, sentAt } = link.send('slash_commands', payload, { accepts_response_payload: false });
    const ack = await link.waitForAck(id);
    expect(ack.at - sentAt).toBeLessThan(1000);
    const reply = await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    expect(allText(reply.body)).toMatch(/deregister/);
    expect(link.acks(id)).toHaveLength(1);
  });

  it('gives each envelope a correlation id of its own, carried into its answer', async () => {
    const start = logged.length;
    const sent = ['UCORR1', 'UCORR2'].map((userId) =>
      link.send(
        'slash_commands',
        buildSlashCommandPayload({
          text: 'help',
          userId,
          responseUrl: fakeSlack.responseUrl(`corr-${userId}`),
        }),
        { accepts_response_payload: false },
      ),
    );
    await Promise.all(sent.map((s) => link.waitForAck(s.id)));
    await Promise.all(['UCORR1', 'UCORR2'].map((u) => fakeSlack.waitForResponse(`corr-${u}`)));
    const lines = logged.slice(start);
    const accepted = lines.filter((l) => l.msg === 'accepted a Socket Mode slash_commands envelope');
    const answered = lines.filter((l) => l.msg === 'answered /ami');
    expect(accepted).toHaveLength(2);
    expect(answered.map((l) => l.user).sort()).toEqual(['UCORR1', 'UCORR2']);
    const ids = accepted.map((l) => l.cid);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(answered.map((l) => l.cid).sort()).toEqual([...ids].sort());
  });

  it('times its acks in /metrics (amibot_slack_ack_seconds, by kind)', async () => {
    const count = async (kind: string) =>
      sample((await scrape(t.url)).text, 'amibot_slack_ack_seconds_count', { kind });
    const [commands, interactions] = [await count('command'), await count('interaction')];
    const command = link.send(
      'slash_commands',
      buildSlashCommandPayload({ text: 'help', responseUrl: fakeSlack.responseUrl('socket-metrics') }),
      { accepts_response_payload: false },
    );
    await link.waitForAck(command.id);
    const click = link.send(
      'interactive',
      buildBlockActionPayload({
        actionId: 'ami_show:0',
        value: 'x',
        responseUrl: fakeSlack.responseUrl('socket-m2'),
      }),
      { accepts_response_payload: false },
    );
    await link.waitForAck(click.id);
    // Observed once the client has sent the ack, which may be just after Slack's side has it.
    await waitFor('both acks timed', async () => (await count('interaction')) === interactions + 1);
    expect(await count('command')).toBe(commands + 1);
  });

  it('acks a block_actions envelope and runs the action', async () => {
    const responseId = 'socket-click';
    const payload = buildBlockActionPayload({
      actionId: 'ami_show:0',
      value: 'evil/us-east-1/ami-0123456789abcdef0',
      responseUrl: fakeSlack.responseUrl(responseId),
    });
    const { id, sentAt } = link.send('interactive', payload, { accepts_response_payload: false });
    const ack = await link.waitForAck(id);
    expect(ack.at - sentAt).toBeLessThan(1000);
    const reply = await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    expect(allText(reply.body)).toMatch(/Unknown account/);
  });

  it('carries the response payload of a view_submission ack (response_action)', async () => {
    const payload = buildViewSubmissionPayload({ callbackId: 'reject_request', privateMetadata: 'nope' });
    const { id } = link.send('interactive', payload, { accepts_response_payload: true });
    const ack = await link.waitForAck(id);
    expect(ack.payload).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringMatching(/does not point at a request/) },
    });
  });

  it('drops malformed envelopes without crashing, acks those with an envelope_id, and keeps serving', async () => {
    const malformed: Array<[string, string | undefined]> = [
      ['null', undefined],
      ['[1,2]', undefined],
      ['"text"', undefined],
      ['{not json', undefined],
      ['{"envelope_id":"bad-1","type":"events_api","payload":null}', 'bad-1'],
      ['{"envelope_id":"bad-2","type":"events_api","payload":{"event":null}}', 'bad-2'],
      ['{"envelope_id":"bad-3","type":"interactive","payload":null}', 'bad-3'],
      ['{"envelope_id":"bad-4","type":"interactive","payload":[1]}', 'bad-4'],
      ['{"envelope_id":"bad-5","type":"slash_commands","payload":"x"}', 'bad-5'],
      ['{"envelope_id":"bad-6","type":"interactive","payload":{"no":"type"}}', 'bad-6'],
      ['{"envelope_id":"bad-7"}', 'bad-7'],
      ['{"type":"interactive","payload":{"type":"block_actions"}}', undefined],
    ];
    for (const [raw] of malformed) link.current.send(raw);
    for (const [, id] of malformed) if (id) await link.waitForAck(id);
    const responseId = 'socket-after-malformed';
    const payload = buildSlashCommandPayload({
      text: 'help',
      responseUrl: fakeSlack.responseUrl(responseId),
    });
    const { id } = link.send('slash_commands', payload, { accepts_response_payload: false });
    await link.waitForAck(id);
    const reply = await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
    expect(allText(reply.body)).toMatch(/deregister/);
    expect(link.connections).toHaveLength(1);
  });

  it('serves /healthz and /readyz on the port start() returned', async () => {
    expect(t.url).not.toMatch(/:0$/);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, redis: 'ok', mode: 'bot' });
    expect((await fetch(`${t.url}/slack/events`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${t.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('stops cleanly: closes the WebSocket (1000) and the health server', async () => {
    closed = true;
    await t.close();
    await link.waitFor(() => link.closeCodes[0], 2000, 'socket closed');
    expect(link.closeCodes).toEqual([1000]);
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    // No reconnection after a deliberate stop.
    await new Promise((r) => setTimeout(r, 300));
    expect(fakeSlack.calls('apps.connections.open')).toHaveLength(1);
  });
});

describe('SocketModeReceiver', () => {
  let fakeSlack: FakeSlack;
  let link: FakeSocketModeServer;
  const lines: string[] = [];
  const logger = toSlackLogger(
    createLogger('warn', (line) => lines.push(line)),
    'warn',
  );

  beforeAll(async () => {
    fakeSlack = await FakeSlack.start();
    link = await FakeSocketModeServer.start();
    fakeSlack.setSocketUrl(link.url);
  });

  afterAll(async () => {
    await link?.close();
    await fakeSlack?.close();
  });

  function receiverWith(processEvent: App['processEvent']): SocketModeReceiver {
    const receiver = new SocketModeReceiver({
      appToken: APP_TOKEN,
      slackApiUrl: fakeSlack.apiUrl,
      logger,
      host: '127.0.0.1',
      // Fast reconnects for the test (the client waits this long before reconnecting).
      clientPingTimeout: 300,
    });
    receiver.init({ processEvent } as App);
    return receiver;
  }

  it('logs a failing listener without acking or crashing, acks once, and reconnects on "disconnect"', async () => {
    let calls = 0;
    const receiver = receiverWith(async (event) => {
      calls += 1;
      if (event.body.type === 'boom') throw new Error('listener exploded');
      await event.ack({ response_action: 'clear' });
      await event.ack(); // a second ack is ignored
    });
    const port = await receiver.start(0);
    try {
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(404); // no routes given

      const failing = link.send('interactive', { type: 'boom' });
      await link.waitFor(() => (calls >= 1 ? true : undefined), 2000, 'processEvent called');
      await new Promise((r) => setTimeout(r, 100));
      expect(link.acks(failing.id)).toHaveLength(0);
      expect(lines.join('\n')).toMatch(/listener exploded/);

      const ok = link.send('interactive', { type: 'view_submission' });
      expect((await link.waitForAck(ok.id)).payload).toEqual({ response_action: 'clear' });
      await new Promise((r) => setTimeout(r, 100));
      expect(link.acks(ok.id)).toHaveLength(1);

      // Slack recycles the connection: the client closes it and opens a new one via the API.
      const opensBefore = fakeSlack.calls('apps.connections.open').length;
      const connectionsBefore = link.connections.length;
      link.current.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }));
      await link.waitFor(
        () => (link.connections.length > connectionsBefore ? true : undefined),
        5000,
        'reconnected',
      );
      expect(fakeSlack.calls('apps.connections.open').length).toBe(opensBefore + 1);
      await new Promise((r) => setTimeout(r, 50)); // let the client see the new hello
      const again = link.send('interactive', { type: 'view_submission' });
      await link.waitForAck(again.id);
    } finally {
      await receiver.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('fails start() on an unrecoverable apps.connections.open error and frees the port', async () => {
    fakeSlack.failNext('apps.connections.open', 'invalid_auth');
    const receiver = receiverWith(async () => {});
    await expect(receiver.start(0)).rejects.toThrow(/invalid_auth/);
    await receiver.stop();
  });
});
