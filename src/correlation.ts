import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * The correlation id of the piece of work running now (docs/logging.md). One is made where work
 * begins — a Slack request reaching a receiver, a job without one, a run of a recurring job — and
 * held in an AsyncLocalStorage context, so everything that work does (awaits, timers, callbacks)
 * sees it without passing it around. The logger writes it as `cid` on every line; a request
 * filed inside the context keeps it in its record, and the jobs queued for the request carry it
 * in their data, so another process picks it up again.
 *
 * Work done on behalf of a request from another piece of work (an approval click, the outbox
 * relay, the re-drive of a stuck request) keeps its own `cid` and adds the request's as
 * `requestCid`.
 */
export interface Correlation {
  cid: string;
  /** The id of the request this work acts on, when that request was filed under another id. */
  requestCid?: string;
}

const storage = new AsyncLocalStorage<Correlation>();

/** What a correlation id may look like (url-safe, short): anything else read back is replaced. */
const CID_RE = /^[A-Za-z0-9_-]{6,32}$/;

/** A fresh id: 12 url-safe characters (72 random bits). */
export function newCid(): string {
  return randomBytes(9).toString('base64url');
}

export function isCid(value: unknown): value is string {
  return typeof value === 'string' && CID_RE.test(value);
}

/** The context of the work running now, if any (one lookup; the logger calls it per line). */
export function currentCorrelation(): Correlation | undefined {
  return storage.getStore();
}

export function currentCid(): string | undefined {
  return storage.getStore()?.cid;
}

/** Runs `fn` as a piece of work of its own: with `cid` when it is a valid id, else with a fresh one. */
export function withCorrelation<T>(cid: string | undefined, fn: () => T): T {
  return storage.run({ cid: isCid(cid) ? cid : newCid() }, fn);
}

/**
 * Runs `fn` on behalf of the request filed under `requestCid`: outside any context it becomes the
 * context; inside another one (a click, the relay) the lines keep that `cid` and add `requestCid`.
 */
export function withRequestCid<T>(requestCid: string | undefined, fn: () => T): T {
  if (!isCid(requestCid)) return fn();
  const current = storage.getStore();
  if (!current) return storage.run({ cid: requestCid }, fn);
  if (current.cid === requestCid && current.requestCid === undefined) return fn();
  return storage.run({ cid: current.cid, requestCid }, fn);
}

/**
 * The work running now turned out to act on the request filed under `requestCid` (a click that
 * loaded its request): its later lines add `requestCid`. No-op outside a context.
 */
export function noteRequestCid(requestCid: string | undefined): void {
  const current = storage.getStore();
  if (!current || !isCid(requestCid) || current.cid === requestCid) return;
  current.requestCid = requestCid;
}
