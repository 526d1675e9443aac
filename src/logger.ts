import type { LogLevel, Logger as SlackLogger } from '@slack/bolt';
import { currentCorrelation } from './correlation.js';
import { redactSecrets, SECRET_KEYS } from './secrets.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A copy of `value` fit for a log line: secret-named keys and credential-looking text (`secrets.ts`) removed. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return redactSecrets(value);
  }
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), code: (value as { code?: unknown }).code };
  }
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

/**
 * Structured JSON-lines logger with redaction; one line per event. A line written inside a
 * correlation context (`correlation.ts`) carries its `cid` (and `requestCid` when the work acts on
 * a request filed under another id): one context lookup per line, nothing to pass around.
 */
export function createLogger(
  level: Level = 'info',
  sink: LogSink = (line) => process.stdout.write(`${line}\n`),
  base: Record<string, unknown> = {},
): Logger {
  const write = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const corr = currentCorrelation();
    const entry = {
      time: new Date().toISOString(),
      level: lvl,
      ...(corr ? { cid: corr.cid } : {}),
      ...(corr?.requestCid ? { requestCid: corr.requestCid } : {}),
      msg: redact(msg),
      ...(redact({ ...base, ...fields }) as object),
    };
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

/** Adapts our logger to the interface Bolt and the Slack SDKs expect. */
export function toSlackLogger(logger: Logger, level: Level): SlackLogger {
  const fmt = (args: unknown[]) =>
    args.map((a) => (typeof a === 'string' ? a : JSON.stringify(redact(a)))).join(' ');
  let current = level;
  return {
    debug: (...a: unknown[]) => logger.debug(fmt(a), { source: 'slack' }),
    info: (...a: unknown[]) => logger.info(fmt(a), { source: 'slack' }),
    warn: (...a: unknown[]) => logger.warn(fmt(a), { source: 'slack' }),
    error: (...a: unknown[]) => logger.error(fmt(a), { source: 'slack' }),
    setLevel: (l: LogLevel) => {
      current = l as Level;
    },
    getLevel: () => current as LogLevel,
    setName: () => {},
  };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
