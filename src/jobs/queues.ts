import type { FlowProducer, Queue } from 'bullmq';
import { currentCid, isCid } from '../correlation.js';
import { bullmq } from '../store/bullmq.js';
import { keyRoot } from '../store/keys.js';
import type { RedisConnection } from '../store/redis.js';
import {
  InvalidPayload,
  isJobName,
  type JobName,
  type JobPayload,
  jobDefinition,
  parsePayload,
} from './catalog.js';
import { QUEUES, type QueueKey } from './job.js';

/**
 * BullMQ keys live under `{<prefix>}:bull:<queue>:…`, beside the bot's own keys and in the same
 * Redis Cluster hash slot (BullMQ's scripts touch several keys of a queue at once; see
 * store/keys.ts).
 */
export function bullPrefix(keyPrefix: string): string {
  return `${keyRoot(keyPrefix)}:bull`;
}

/**
 * The reserved field of a job's data that carries the correlation id of the work it belongs to
 * (docs/logging.md). It is not part of any job's payload schema: producers add it beside the
 * parsed payload, and the worker takes it off before parsing and runs the job in its context.
 */
export const CID_FIELD = '_cid';

/** `data` with the correlation id `cid` in its reserved field (none: unchanged). */
export function withCidField(data: unknown, cid: string | undefined): unknown {
  if (!isCid(cid) || typeof data !== 'object' || data === null) return data;
  return { ...(data as Record<string, unknown>), [CID_FIELD]: cid };
}

/** A job's data split into its payload (without the reserved field) and its correlation id, if any. */
export function splitCidField(data: unknown): { payload: unknown; cid?: string } {
  if (typeof data !== 'object' || data === null || !(CID_FIELD in data)) return { payload: data };
  const { [CID_FIELD]: cid, ...payload } = data as Record<string, unknown>;
  return isCid(cid) ? { payload, cid } : { payload };
}

/**
 * Producers for every queue. The connection is a fail-fast one (no offline queue): when Redis is
 * down, enqueueing fails at once and the user is told, instead of hanging.
 */
export class JobQueues {
  private readonly queues = new Map<QueueKey, Queue>();
  private flows?: FlowProducer;
  private errorHandler: (err: Error) => void = () => {};

  constructor(
    private readonly connection: RedisConnection,
    private readonly keyPrefix: string,
  ) {}

  queue(key: QueueKey): Queue {
    let q = this.queues.get(key);
    if (!q) {
      q = new bullmq.Queue(QUEUES[key], { connection: this.connection, prefix: bullPrefix(this.keyPrefix) });
      // A queue re-emits its connection's errors; unheard, each one would be an uncaught exception.
      q.on('error', (err) => this.errorHandler(err));
      this.queues.set(key, q);
    }
    return q;
  }

  /** Where the queues' `error` events (their connection's, while Redis is away) go; by default nowhere. */
  onError(handler: (err: Error) => void): void {
    this.errorHandler = handler;
  }

  /**
   * Adds a job; the same logical work (same deterministic id) is only ever queued once. The job
   * carries the correlation id `opts.cid`, by default the current one (correlation.ts); an
   * ephemeral job (a poller serving many requests) carries none and gets a fresh one per run.
   */
  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: { delayMs?: number; cid?: string } = {},
  ): Promise<string> {
    const spec = jobDefinition(name);
    const data = parsePayload(name, payload);
    const jobId = spec.jobId(data);
    const cid = spec.ephemeral ? undefined : (opts.cid ?? currentCid());
    if (spec.children) {
      await this.addFlow(name, data, spec.children(data), { ...opts, cid });
      return jobId;
    }
    await this.queue(spec.queue).add(name, withCidField(data, cid), {
      jobId,
      attempts: spec.attempts,
      backoff: spec.backoff,
      delay: opts.delayMs,
      // An ephemeral job (a poller) is gone when it ends, so the next one can take its id at once.
      removeOnComplete: spec.ephemeral ? true : { age: 7 * 24 * 3600, count: 1000 },
      removeOnFail: spec.ephemeral ? true : { age: 30 * 24 * 3600, count: 5000 },
    });
    return jobId;
  }

  /**
   * A flow: the parent and its children in one atomic `FlowProducer.add`, every job with its
   * deterministic id (adding the same flow again adds nothing new). Children end without blocking
   * the parent when they fail (`ignoreDependencyOnFailure`).
   */
  private async addFlow(
    name: JobName,
    data: unknown,
    children: Array<{ name: string; payload: Record<string, unknown> }>,
    opts: { delayMs?: number; cid?: string },
  ): Promise<void> {
    const spec = jobDefinition(name);
    this.flows ??= new bullmq.FlowProducer({
      connection: this.connection,
      prefix: bullPrefix(this.keyPrefix),
    });
    await this.flows.add({
      name,
      queueName: QUEUES[spec.queue],
      data: withCidField(data, opts.cid),
      opts: {
        jobId: spec.jobId(data),
        attempts: spec.attempts,
        backoff: spec.backoff,
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
        removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
      },
      children: children.map((c) => {
        if (!isJobName(c.name)) throw new InvalidPayload(`unknown job ${c.name}`);
        const childSpec = jobDefinition(c.name);
        const childData = parsePayload(c.name, c.payload);
        return {
          name: c.name,
          queueName: QUEUES[childSpec.queue],
          data: withCidField(childData, opts.cid),
          opts: {
            jobId: childSpec.jobId(childData),
            attempts: childSpec.attempts,
            backoff: childSpec.backoff,
            ignoreDependencyOnFailure: true,
            removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
            removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
          },
        };
      }),
    });
  }

  /** Removes a job that has not started yet; true when it was removed. */
  async removeWaiting<N extends JobName>(name: N, payload: JobPayload<N>): Promise<boolean> {
    const spec = jobDefinition(name);
    const jobId = spec.jobId(parsePayload(name, payload));
    const job = await this.queue(spec.queue).getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      await job.remove();
      return true;
    }
    return false;
  }

  /**
   * A job named at run time (an outbox intent): the name is checked against the catalogue and
   * the payload parsed like any other; an unknown name is an `InvalidPayload` error.
   */
  named(name: string): JobName {
    if (!isJobName(name)) throw new InvalidPayload(`unknown job ${name}`);
    return name;
  }

  /** Runs a delayed job now (a copy whose status changed, a freed slot). False when it was not delayed. */
  async wake(queue: QueueKey, jobId: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(jobId);
    if (!job || !(await job.isDelayed())) return false;
    try {
      await job.promote();
      return true;
    } catch {
      // It left the delayed set meanwhile (it is running, or another process woke it).
      return false;
    }
  }

  /** `wake` by job name and payload. */
  async wakeJob<N extends JobName>(name: N, payload: JobPayload<N>): Promise<boolean> {
    const spec = jobDefinition(name);
    return this.wake(spec.queue, spec.jobId(parsePayload(name, payload)));
  }

  /** Where a job stands (`unknown` when there is no such job). */
  async jobState<N extends JobName>(name: N, payload: JobPayload<N>): Promise<string> {
    const spec = jobDefinition(name);
    const jobId = spec.jobId(parsePayload(name, payload));
    return this.queue(spec.queue).getJobState(jobId);
  }

  /** Registers a recurring job once for all processes (BullMQ job schedulers are idempotent by id). */
  async schedule<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    repeat: { every?: number; pattern?: string },
  ): Promise<void> {
    const spec = jobDefinition(name);
    await this.queue(spec.queue).upsertJobScheduler(`sched-${name}`, repeat, {
      name,
      data: parsePayload(name, payload),
      opts: { attempts: spec.attempts, backoff: spec.backoff, removeOnComplete: 100, removeOnFail: 500 },
    });
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const key of Object.keys(QUEUES) as QueueKey[]) {
      out[key] = await this.queue(key).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.flows?.close();
    this.flows = undefined;
  }
}
