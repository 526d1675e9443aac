/**
 * Prometheus metrics (docs/metrics.md): one registry per process (per thread: an answer thread has
 * its own, merged into the main thread's at scrape time), every name prefixed `amibot_`.
 *
 * A leaf every layer may use. The counters are bumped where things happen (the receivers, the AWS
 * clients' middleware, the Slack Web API client, the worker…); what is read from Redis (queue
 * depths, open requests) is read at scrape time by the sources registered with {@link onScrape},
 * each within {@link SCRAPE_SOURCE_TIMEOUT_MS}, so a slow Redis never hangs `/metrics`.
 *
 * Labels are bounded: subcommands, action id families, job names, queue names, request states, AWS
 * operations and error codes, Slack methods and error strings — never ids or user input.
 */
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';

export const registry = new Registry();

/** How long a scrape waits for one source (a Redis read, an answer thread) before leaving it out. */
export const SCRAPE_SOURCE_TIMEOUT_MS = 1_000;

let defaultsOn = false;
/** Node's process metrics (CPU, memory, event loop lag, GC), once per process: the main thread calls this. */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry, prefix: 'amibot_' });
}

/** Time from a Slack request reaching the receiver to its ack being sent. */
export const ackSeconds = new Histogram({
  name: 'amibot_slack_ack_seconds',
  help: 'Time from a Slack request reaching the receiver to its acknowledgement being sent, by kind',
  labelNames: ['kind'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers: [registry],
});

/** The kinds of Slack request, each with its histogram child made once (no lookup per request). */
export const ackByKind = {
  command: ackSeconds.labels('command'),
  interaction: ackSeconds.labels('interaction'),
  event: ackSeconds.labels('event'),
  ssl_check: ackSeconds.labels('ssl_check'),
} as const;
export type AckKind = keyof typeof ackByKind;

export const commands = new Counter({
  name: 'amibot_commands_total',
  help: '/ami commands answered, by subcommand and outcome (ok, invalid, refused, unavailable, error)',
  labelNames: ['subcommand', 'outcome'] as const,
  registers: [registry],
});

export const clicks = new Counter({
  name: 'amibot_clicks_total',
  help: 'Button clicks and dialog submissions handled, by action id family and outcome (ok, error)',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

export const awsCalls = new Counter({
  name: 'amibot_aws_calls_total',
  help: 'AWS API calls (after the SDK retries), by service, operation and error code (none: succeeded)',
  labelNames: ['service', 'operation', 'error_code'] as const,
  registers: [registry],
});

export const slackCalls = new Counter({
  name: 'amibot_slack_api_calls_total',
  help: 'Slack Web API calls (after retries), by method and outcome (ok, or the Slack error)',
  labelNames: ['method', 'outcome'] as const,
  registers: [registry],
});

export const slackRateLimited = new Counter({
  name: 'amibot_slack_rate_limited_total',
  help: 'Slack Web API answers of HTTP 429 (each is waited out and retried), by method',
  labelNames: ['method'] as const,
  registers: [registry],
});

export const slackRateLimitWait = new Counter({
  name: 'amibot_slack_rate_limit_wait_seconds_total',
  help: 'Seconds Slack asked to wait (Retry-After) before retrying rate-limited Web API calls',
  registers: [registry],
});

export const queueJobs = new Gauge({
  name: 'amibot_queue_jobs',
  help: 'BullMQ jobs per queue and state (waiting, active, delayed, failed, completed), read at scrape time',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});

export const jobSeconds = new Histogram({
  name: 'amibot_job_duration_seconds',
  help: 'Time one run of a job took, by job name and outcome (completed, deferred, handed_back, timed_out, failed)',
  labelNames: ['job', 'outcome'] as const,
  buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
  registers: [registry],
});

export const requestsOpen = new Gauge({
  name: 'amibot_requests_open',
  help: 'Requests not yet in a final state (pending, approved, queued, running), read at scrape time',
  registers: [registry],
});

export const requestsPending = new Gauge({
  name: 'amibot_requests_pending',
  help: 'Requests waiting for an approval, read at scrape time',
  registers: [registry],
});

export const requestTransitions = new Counter({
  name: 'amibot_request_transitions_total',
  help: 'Requests entering a state (pending when filed, then approved, queued, running, succeeded, …)',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const remindersSent = new Counter({
  name: 'amibot_reminders_sent_total',
  help: 'Reminders posted to Slack, by kind (expiry, malformed_expiry, finding)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const answerThreads = new Gauge({
  name: 'amibot_answer_threads_alive',
  help: 'Answer threads running or starting (not waiting for a restart, not given up)',
  registers: [registry],
});

export const scrapeSourceUp = new Gauge({
  name: 'amibot_scrape_source_up',
  help: 'Whether a source read at scrape time (queues, requests, answer threads) answered in time (1) or not (0)',
  labelNames: ['source'] as const,
  registers: [registry],
});

/** One registry's metrics as plain data (what an answer thread sends the main thread). */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Something read at scrape time: sets gauges, or returns other registries' metrics to merge in. */
type Source = () => Promise<MetricsSnapshot[] | unknown>;
/** Sources by name; the last registered of a name is read (a test process may run several apps). */
const sources = new Map<string, Source[]>();

/** Registers a source read at every scrape under `name`; returns its removal. */
export function onScrape(name: string, source: Source): () => void {
  sources.set(name, [...(sources.get(name) ?? []), source]);
  return () => {
    const left = (sources.get(name) ?? []).filter((s) => s !== source);
    if (left.length) sources.set(name, left);
    else sources.delete(name);
  };
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Every metric in the text format, with the scrape-time sources read (each within its timeout). */
export async function renderMetrics(timeoutMs = SCRAPE_SOURCE_TIMEOUT_MS): Promise<string> {
  const merged: MetricsSnapshot[] = [];
  await Promise.all(
    [...sources].map(async ([name, stack]) => {
      const source = stack[stack.length - 1] as Source;
      try {
        const out = await within(source(), timeoutMs);
        if (Array.isArray(out)) merged.push(...(out as MetricsSnapshot[]));
        scrapeSourceUp.labels(name).set(1);
      } catch {
        scrapeSourceUp.labels(name).set(0);
      }
    }),
  );
  if (merged.length === 0) return registry.metrics();
  const own = await registry.getMetricsAsJSON();
  return AggregatorRegistry.aggregate([own, ...merged]).metrics();
}

/** The content type of {@link renderMetrics}' output. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** This thread's metrics as plain data (an answer thread sends them to the main thread). */
export function metricsSnapshot(): Promise<MetricsSnapshot> {
  return registry.getMetricsAsJSON();
}

/** A label value of bounded length and alphabet from something we did not choose (an error code). */
export function boundedLabel(value: unknown, fallback = 'unknown'): string {
  if (typeof value !== 'string' || value === '') return fallback;
  return value.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);
}
