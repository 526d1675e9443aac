import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { currentCid, withCorrelation } from '../correlation.js';
import type { Deps } from '../deps.js';
import type { Logger } from '../logger.js';
import { answerThreads, type MetricsSnapshot, onScrape, SCRAPE_SOURCE_TIMEOUT_MS } from '../metrics.js';
import { type AnswerTask, answer } from './answer.js';

/** Does the work behind an acknowledged command or click. */
export interface Answerer {
  answer(task: AnswerTask): Promise<void>;
  close(): Promise<void>;
}

/** Answers on the web process's own event loop (tests, the sandbox, `AMIBOT_ANSWER_THREADS=0`). */
export class InProcessAnswerer implements Answerer {
  constructor(private readonly deps: Deps) {}

  answer(task: AnswerTask): Promise<void> {
    return answer(this.deps, task);
  }

  async close(): Promise<void> {}
}

/** What an answer thread needs to build its own dependencies (plain data: it is copied over). */
export interface AnswerThreadData {
  config: Config;
  awsCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** What the pool hands each thread: the shared data, its name, and (from sources) the module to load. */
export interface AnswerThreadStart extends AnswerThreadData {
  /** `answer-<n>`: every log line of the thread carries it as `thread`. */
  name: string;
  /** The thread module's URL, for the TypeScript bootstrap (`answer-thread-boot.mjs`). */
  entry?: string;
}

/** What the pool sends a thread: a task and the correlation id of the work it belongs to (correlation.ts). */
export interface AnswerThreadTask {
  id: number;
  task: AnswerTask;
  cid?: string;
}

/**
 * Messages a thread sends: it is ready (its module loaded, its dependencies built), a task is done,
 * or its metrics (asked for at each scrape of `/metrics`).
 */
export type AnswerThreadMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number }
  | { type: 'metrics'; id: number; metrics: MetricsSnapshot };

/** What the pool sends a thread: a task to answer, or a request for its metrics. */
export type AnswerThreadRequest = AnswerThreadTask | { id: number; metrics: true };

export interface ThreadAnswererOptions {
  /** The thread module (default `answer-thread.ts` from sources, `answer-thread.js` when compiled). */
  entry?: URL;
  /** Wait before restarting a thread after its first failure in a row; doubles each time (default 500 ms). */
  firstRetryMs?: number;
  /** Longest wait between restarts (default 8 s). */
  maxRetryMs?: number;
  /** Failures in a row, without the thread ever becoming ready in between, before it is given up (default 5). */
  maxFailures?: number;
}

interface Slot {
  name: string;
  worker?: Worker;
  /** `starting`: spawned, not yet ready (tasks wait in its port); `waiting`: to be restarted; `gone`: given up. */
  state: 'starting' | 'ready' | 'waiting' | 'gone';
  pending: Map<number, { task: AnswerTask; cid?: string; resolve: () => void }>;
  /** Metrics asked for and not yet sent. */
  scrapes: Map<number, (metrics: MetricsSnapshot | undefined) => void>;
  /** Failures in a row since the thread was last ready. */
  failures: number;
  restart?: NodeJS.Timeout;
}

/** Where the thread module is, and how it must be started: compiled JavaScript, or TypeScript through a bootstrap. */
export function answerThreadModule(entry?: URL): { file: URL; entry?: string } {
  const target =
    entry ??
    new URL(
      `./answer-thread.${fileURLToPath(import.meta.url).endsWith('.ts') ? 'ts' : 'js'}`,
      import.meta.url,
    );
  if (!target.pathname.endsWith('.ts')) return { file: target };
  return { file: new URL('./answer-thread-boot.mjs', import.meta.url), entry: target.href };
}

/**
 * Answers in worker threads, so the main thread does little more than verify signatures and ack.
 * A cold `/ami find` parses megabytes of EC2 XML (hundreds of ms of CPU); on the main thread that
 * would hold up every other ack for as long. Each thread builds its own dependencies (Redis, AWS
 * clients) from the configuration.
 *
 * A thread that dies is restarted, and the tasks it had are answered on the main thread instead, so
 * no command goes unanswered. Restarts back off (`firstRetryMs`, doubling up to `maxRetryMs`);
 * after `maxFailures` failures in a row without the thread ever becoming ready, it is given up with
 * one error line, and its share of the answers is given on the main thread (said once).
 */
export class ThreadAnswerer implements Answerer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  private onMainThread = false;
  private readonly module: { file: URL; entry?: string };
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxFailures: number;

  constructor(
    private readonly data: AnswerThreadData,
    threads: number,
    private readonly fallback: Answerer,
    private readonly logger: Logger,
    options: ThreadAnswererOptions = {},
  ) {
    this.module = answerThreadModule(options.entry);
    this.firstRetryMs = options.firstRetryMs ?? 500;
    this.maxRetryMs = options.maxRetryMs ?? 8_000;
    this.maxFailures = options.maxFailures ?? 5;
    for (let i = 1; i <= threads; i++) {
      const slot: Slot = {
        name: `answer-${i}`,
        state: 'waiting',
        pending: new Map(),
        scrapes: new Map(),
        failures: 0,
      };
      this.slots.push(slot);
      this.spawn(slot);
    }
    // Each scrape of /metrics counts the threads alive and merges in what they counted.
    this.unregister = [
      onScrape('answer_threads', async () => {
        answerThreads.set(this.size);
      }),
      onScrape('answer_thread_metrics', () => this.metrics()),
    ];
  }

  private readonly unregister: Array<() => void>;

  /** The metrics of every ready thread (a thread that does not answer in time is left out). */
  async metrics(timeoutMs = SCRAPE_SOURCE_TIMEOUT_MS - 100): Promise<MetricsSnapshot[]> {
    const ready = this.slots.filter((s) => s.state === 'ready' && s.worker);
    const answers = await Promise.all(
      ready.map(
        (slot) =>
          new Promise<MetricsSnapshot | undefined>((resolve) => {
            const id = this.nextId++;
            const timer = setTimeout(() => {
              slot.scrapes.delete(id);
              resolve(undefined);
            }, timeoutMs);
            slot.scrapes.set(id, (m) => {
              clearTimeout(timer);
              slot.scrapes.delete(id);
              resolve(m);
            });
            slot.worker?.postMessage({ id, metrics: true } satisfies AnswerThreadRequest);
          }),
      ),
    );
    return answers.filter((m): m is MetricsSnapshot => m !== undefined);
  }

  private spawn(slot: Slot): void {
    slot.restart = undefined;
    if (this.closing) return;
    const workerData: AnswerThreadStart = { ...this.data, name: slot.name, entry: this.module.entry };
    // No flags inherited from the main thread (`--import tsx`, `--env-file`…): the bootstrap brings
    // the TypeScript loader when one is needed, and the environment is shared anyway.
    const worker = new Worker(this.module.file, { workerData, execArgv: [] });
    slot.worker = worker;
    slot.state = 'starting';
    worker.on('message', (msg: AnswerThreadMessage) => {
      if (slot.worker !== worker) return;
      if (msg.type === 'ready') {
        slot.state = 'ready';
        slot.failures = 0;
        if (this.onMainThread) {
          this.onMainThread = false;
          this.logger.info('answer thread running again; answering in threads', { thread: slot.name });
        }
        return;
      }
      if (msg.type === 'metrics') {
        slot.scrapes.get(msg.id)?.(msg.metrics);
        return;
      }
      const entry = slot.pending.get(msg.id);
      if (!entry) return;
      slot.pending.delete(msg.id);
      entry.resolve();
    });
    let failed = false;
    const fail = (reason: unknown) => {
      if (failed || slot.worker !== worker) return;
      failed = true;
      slot.worker = undefined;
      void worker.terminate();
      const orphans = [...slot.pending.values()];
      slot.pending.clear();
      if (!this.closing) this.failed(slot, reason);
      for (const o of orphans)
        void withCorrelation(o.cid, () => this.fallback.answer(o.task)).finally(o.resolve);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`answer thread exited with code ${code}`)));
    worker.unref();
  }

  private failed(slot: Slot, reason: unknown): void {
    slot.failures += 1;
    if (slot.failures >= this.maxFailures) {
      slot.state = 'gone';
      this.logger.error(
        `answer thread could not be started (${slot.failures} tries); answering its share on the main thread`,
        { thread: slot.name, error: reason },
      );
      return;
    }
    const delayMs = Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** (slot.failures - 1));
    slot.state = 'waiting';
    this.logger.warn('answer thread stopped; restarting it', {
      thread: slot.name,
      attempt: slot.failures,
      retryInMs: delayMs,
      error: reason,
    });
    slot.restart = setTimeout(() => this.spawn(slot), delayMs);
    slot.restart.unref();
  }

  answer(task: AnswerTask): Promise<void> {
    const usable = this.closing
      ? []
      : this.slots.filter((s) => s.state === 'ready' || s.state === 'starting');
    if (usable.length === 0) {
      if (!this.closing && !this.onMainThread) {
        this.onMainThread = true;
        this.logger.warn('no answer thread is running; answering on the main thread until one is');
      }
      return this.fallback.answer(task);
    }
    // A ready thread with the fewest tasks in hand (a starting one only when none is ready).
    const ready = usable.filter((s) => s.state === 'ready');
    const slot = (ready.length ? ready : usable).reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    // The thread has contexts of its own: the task's correlation id goes with it as plain data.
    const cid = currentCid();
    return new Promise<void>((resolve) => {
      slot.pending.set(id, { task, cid, resolve });
      slot.worker?.postMessage({ id, task, cid } satisfies AnswerThreadRequest);
    });
  }

  /** Threads running or starting (not waiting for a restart, not given up). */
  get size(): number {
    return this.slots.filter((s) => s.state === 'ready' || s.state === 'starting').length;
  }

  /**
   * Resolves once every thread is ready or given up (true when all are ready), or with false after
   * `timeoutMs`.
   */
  async settled(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.slots.some((s) => s.state === 'starting' || s.state === 'waiting')) {
      if (Date.now() > until || this.closing) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.slots.every((s) => s.state === 'ready');
  }

  /** Lets the threads finish what they have (up to `deadlineMs`), then stops them. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closing = true;
    for (const off of this.unregister) off();
    for (const s of this.slots) clearTimeout(s.restart);
    const until = Date.now() + deadlineMs;
    while (this.slots.some((s) => s.pending.size > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}
