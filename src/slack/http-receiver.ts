/**
 * Bolt's HTTP receiver with a strict gate in front of `POST /slack/events`. Before Bolt sees a
 * request, the gate:
 *
 * 1. reads the body, at most {@link SLACK_BODY_LIMIT} bytes (more: 413, nothing read further);
 * 2. checks the signature the way Slack documents it (`v0=` HMAC-SHA256 of
 *    `v0:<timestamp>:<body>` with the signing secret, compared in constant time) and the
 *    timestamp: more than 5 minutes old *or ahead* is refused (401). Bolt checks only old ones;
 * 3. checks the body is a shape Slack sends: a slash command form (`command=/…`), an
 *    interaction form whose `payload` is one JSON object with a string `type`, or a JSON object
 *    with a string `type` (400 otherwise: `payload=null`, `payload={`, a JSON array, a missing
 *    `type`… — Bolt would crash the whole process on some of them);
 * 4. remembers the signature in Redis ({@link ReplayGuard}): the same signed request seen again
 *    within the window is answered 200 and not processed again. When Redis cannot answer, the
 *    request is not processed either (fail closed): a slash command gets an ephemeral "the state
 *    store is unavailable, nothing was changed" in its ack, a click the same through its
 *    `response_url`, anything else a 503.
 *
 * Only then is the (already buffered) request handed to Bolt, which verifies it again and
 * dispatches it. Errors from listeners never become a 500 with a stack trace: they are logged and
 * answered with a short apology when nothing was answered yet.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CustomRoute, HTTPReceiver, type Logger } from '@slack/bolt';
import { renderError } from '../blocks/error.js';
import { newCid, withCorrelation } from '../correlation.js';
import { STATE_STORE_UNAVAILABLE } from '../errors.js';
import { type AckKind, ackByKind } from '../metrics.js';
import { type ReplayGuard, SLACK_WINDOW_SECONDS } from './replay-guard.js';
import { postToResponseUrl } from './response-url.js';

/** Slack's payloads are small; the largest (a block action carrying a 50-block message) stay far below this. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

export const EVENTS_PATH = '/slack/events';

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  logger: Logger;
  replayGuard: ReplayGuard;
  customRoutes?: CustomRoute[];
  bodyLimit?: number;
  /** Current time in ms (tests). */
  now?: () => number;
}

type Verdict =
  | {
      ok: true;
      kind: 'command' | 'interaction' | 'event' | 'ssl_check';
      signature: string;
      timestamp: number;
    }
  | { ok: false; status: number; reason: string };

/** Set on a response once its request passes the gate: when it arrived, and what kind it is. */
const ARRIVED = Symbol('amibot.arrived');
const KIND = Symbol('amibot.kind');
type TimedResponse = ServerResponse & { [ARRIVED]?: number; [KIND]?: AckKind };

/** One listener shared by every response (no closure per request): the ack has been sent. */
function observeAck(this: TimedResponse): void {
  const kind = this[KIND];
  const arrived = this[ARRIVED];
  if (kind !== undefined && arrived !== undefined)
    ackByKind[kind].observe((performance.now() - arrived) / 1000);
}

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads at most `limit` bytes; undefined when the body is larger. The rest of a larger body is
 * read and dropped (so the client gets the 413 rather than a reset), up to 16 times the limit;
 * beyond that the connection is closed.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > 16 * limit) {
        req.destroy();
        resolve(undefined);
      }
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** What kind of Slack request the body is, or why it is not one. */
function shape(
  body: string,
  contentType: string,
): { ok: true; kind: 'command' | 'interaction' | 'event' | 'ssl_check' } | { ok: false; reason: string } {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body);
    if (form.get('ssl_check') === '1') return { ok: true, kind: 'ssl_check' };
    const payloads = form.getAll('payload');
    if (payloads.length > 1) return { ok: false, reason: 'more than one payload' };
    if (payloads.length === 1) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payloads[0] as string);
      } catch {
        return { ok: false, reason: 'payload is not JSON' };
      }
      if (!isPlainObject(parsed)) return { ok: false, reason: 'payload is not a JSON object' };
      if (typeof parsed.type !== 'string' || parsed.type === '')
        return { ok: false, reason: 'payload has no type' };
      return { ok: true, kind: 'interaction' };
    }
    const command = form.get('command');
    if (typeof command === 'string' && command.startsWith('/')) return { ok: true, kind: 'command' };
    return { ok: false, reason: 'neither a slash command nor an interaction' };
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { ok: false, reason: 'body is not JSON' };
    }
    if (!isPlainObject(parsed)) return { ok: false, reason: 'body is not a JSON object' };
    if (typeof parsed.type !== 'string' || parsed.type === '')
      return { ok: false, reason: 'body has no type' };
    return { ok: true, kind: 'event' };
  }
  return { ok: false, reason: `unsupported content type ${JSON.stringify(type ?? '')}` };
}

export class SlackHttpReceiver extends HTTPReceiver {
  private readonly gateLogger: Logger;
  private readonly secret: string;
  private readonly replayGuard: ReplayGuard;
  private readonly limit: number;
  private readonly now: () => number;

  constructor(opts: SlackHttpReceiverOptions) {
    const limit = opts.bodyLimit ?? SLACK_BODY_LIMIT;
    super({
      signingSecret: opts.signingSecret,
      endpoints: [EVENTS_PATH],
      logger: opts.logger,
      customRoutes: opts.customRoutes ?? [],
      bodyLimit: limit,
      processEventErrorHandler: async ({ error, logger, response }) => {
        logger.error(`a Slack listener failed: ${error instanceof Error ? error.message : String(error)}`);
        apologise(response);
        return false;
      },
      unhandledRequestHandler: ({ logger, response }) => {
        logger.error('a Slack request was not acknowledged within 3 seconds');
        apologise(response);
      },
    });
    this.gateLogger = opts.logger;
    this.secret = opts.signingSecret;
    this.replayGuard = opts.replayGuard;
    this.limit = limit;
    this.now = opts.now ?? Date.now;
    const bolt = this.requestListener;
    this.requestListener = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== EVENTS_PATH || (req.method ?? '').toUpperCase() !== 'POST') {
        bolt(req, res);
        return;
      }
      (res as TimedResponse)[ARRIVED] = performance.now();
      res.on('finish', observeAck);
      // Each Slack request is a piece of work of its own: the gate's lines, the listener's, and
      // whatever it files or queues carry one correlation id (correlation.ts).
      withCorrelation(newCid(), () =>
        this.gate(req, res)
          .then((pass) => {
            if (pass) bolt(req, res);
          })
          .catch((err: unknown) => {
            this.gateLogger.error(
              `could not check a Slack request: ${err instanceof Error ? err.message : String(err)}`,
            );
            answer(res, 400);
          }),
      );
    };
  }

  /** True when the request may go on to Bolt; otherwise it has been answered. */
  private async gate(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const raw = await readBody(req, this.limit);
    if (raw === undefined) {
      this.gateLogger.warn(`refused a Slack request: body over ${this.limit} bytes`);
      answer(res, 413, true);
      return false;
    }
    const verdict = this.verify(req, raw);
    if (!verdict.ok) {
      this.gateLogger.warn(`refused a Slack request: ${verdict.reason}`);
      answer(res, verdict.status);
      return false;
    }
    // Bolt reads the buffered body instead of the (consumed) stream.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    (res as TimedResponse)[KIND] = verdict.kind;
    if (verdict.kind === 'ssl_check') return true;
    const nowSec = Math.floor(this.now() / 1000);
    const seen = await this.replayGuard.sight(verdict.signature, verdict.timestamp, nowSec);
    if (seen === 'seen') {
      this.gateLogger.warn('ignored a Slack request whose signature was already used (a replay)');
      answer(res, 200);
      return false;
    }
    if (seen === 'unknown') {
      // Redis is away (the outage is logged once a minute by the connection's outage log). A
      // command is told in its ack; a click is acknowledged and told through its response_url
      // (which needs no Redis); anything else gets a 503.
      this.gateLogger.info('refused a Slack request: Redis did not answer, so a replay cannot be ruled out');
      if (verdict.kind === 'command') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ response_type: 'ephemeral', text: STATE_STORE_UNAVAILABLE }));
      } else if (verdict.kind === 'interaction') {
        answer(res, 200);
        void tellClicker(raw.toString('utf8'), this.gateLogger);
      } else {
        answer(res, 503);
      }
      return false;
    }
    this.gateLogger.debug(`accepted a Slack ${verdict.kind}`);
    return true;
  }

  private verify(req: IncomingMessage, raw: Buffer): Verdict {
    const signature = header(req, 'x-slack-signature');
    const stamp = header(req, 'x-slack-request-timestamp');
    if (!signature || !SIGNATURE.test(signature))
      return { ok: false, status: 401, reason: 'no valid signature header' };
    if (!stamp || !TIMESTAMP.test(stamp))
      return { ok: false, status: 401, reason: 'no valid timestamp header' };
    const timestamp = Number(stamp);
    const skew = timestamp - Math.floor(this.now() / 1000);
    if (skew < -SLACK_WINDOW_SECONDS)
      return { ok: false, status: 401, reason: 'timestamp more than 5 minutes old' };
    if (skew > SLACK_WINDOW_SECONDS)
      return { ok: false, status: 401, reason: 'timestamp more than 5 minutes ahead' };
    const expected = createHmac('sha256', this.secret).update(`v0:${stamp}:`).update(raw).digest();
    const given = Buffer.from(signature.slice(3), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, reason: 'signature mismatch' };
    }
    const body = raw.toString('utf8');
    const kind = shape(body, header(req, 'content-type') ?? '');
    if (!kind.ok) return { ok: false, status: 400, reason: `malformed body: ${kind.reason}` };
    return { ok: true, kind: kind.kind, signature, timestamp };
  }
}

const APOLOGY = 'Something went wrong on our side. It has been logged; please try again.';

/**
 * Tells the person who clicked (or submitted a dialog) that nothing was done, through the
 * interaction's `response_url` (signed by Slack, already verified). Interactions without one
 * (a dialog submission) are only acknowledged.
 */
async function tellClicker(body: string, logger: Logger): Promise<void> {
  let responseUrl: unknown;
  try {
    const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Record<string, unknown>;
    responseUrl = payload.response_url;
  } catch {
    return;
  }
  if (typeof responseUrl !== 'string' || !/^https?:\/\//.test(responseUrl)) return;
  const msg = renderError({ message: STATE_STORE_UNAVAILABLE, retry: true });
  await postToResponseUrl(responseUrl, msg, { replaceOriginal: false, timeoutMs: 2_500 }).catch(
    (err: unknown) =>
      logger.warn(
        `could not tell a user that Redis is away: ${err instanceof Error ? err.message : String(err)}`,
      ),
  );
}

/** An apology Slack shows for a slash command and ignores for the rest; never a 500 or a stack trace. */
function apologise(res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ response_type: 'ephemeral', text: APOLOGY }));
}

function answer(res: ServerResponse, status: number, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, close ? { connection: 'close' } : {});
  res.end();
}
