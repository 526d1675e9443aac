import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { Logger } from '../logger.js';
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

interface Slot {
  worker: Worker;
  pending: Map<number, { task: AnswerTask; resolve: () => void }>;
}

/**
 * Answers in worker threads, so the main thread does little more than verify signatures and ack.
 * A cold `/ami find` parses megabytes of EC2 XML (hundreds of ms of CPU); on the main thread that
 * would hold up every other ack for as long. Each thread builds its own dependencies (Redis, AWS
 * clients) from the configuration. A thread that dies is replaced, and the tasks it had are
 * answered on the main thread instead, so no command goes unanswered.
 */
export class ThreadAnswerer implements Answerer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly data: AnswerThreadData,
    threads: number,
    private readonly fallback: Answerer,
    private readonly logger: Logger,
  ) {
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const here = fileURLToPath(import.meta.url);
    const ts = here.endsWith('.ts');
    const file = new URL(`./answer-thread.${ts ? 'ts' : 'js'}`, import.meta.url);
    // From TypeScript sources (npm start, tests) the thread needs tsx's loader too.
    const execArgv = ts ? ['--import', 'tsx'] : [];
    const worker = new Worker(file, { workerData: this.data, execArgv });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: { id: number }) => {
      const entry = slot.pending.get(msg.id);
      if (!entry) return;
      slot.pending.delete(msg.id);
      entry.resolve();
    });
    const fail = (reason: unknown) => {
      if (this.closing) return;
      this.logger.error('answer thread stopped; answering its tasks on the main thread', { error: reason });
      const orphans = [...slot.pending.values()];
      slot.pending.clear();
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
      for (const o of orphans) void this.fallback.answer(o.task).finally(o.resolve);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 || slot.pending.size > 0) fail(new Error(`answer thread exited with code ${code}`));
    });
    worker.unref();
    return slot;
  }

  answer(task: AnswerTask): Promise<void> {
    if (this.closing || this.slots.length === 0) return this.fallback.answer(task);
    // The thread with the fewest tasks in hand.
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      slot.pending.set(id, { task, resolve });
      slot.worker.postMessage({ id, task });
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Lets the threads finish what they have (up to `deadlineMs`), then stops them. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closing = true;
    const until = Date.now() + deadlineMs;
    while (this.slots.some((s) => s.pending.size > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
