import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { withAbortSignal } from '../aws/abort.js';
import { withCorrelation } from '../correlation.js';
import type { Deps } from '../deps.js';
import { jobSeconds } from '../metrics.js';
import type { RedisConnection } from '../store/redis.js';
import {
  InvalidPayload,
  isJobName,
  JOB_CATALOG,
  type JobName,
  jobDefinition,
  parsePayload,
} from './catalog.js';
import { type JobContext, JobHandedBack, JobTimedOut, QUEUES, type QueueKey } from './job.js';
import { bullPrefix, splitCidField, withCidField } from './queues.js';

export interface WorkerOptions {
  /** A connection with `maxRetriesPerRequest: null`, as BullMQ workers require. */
  connection: RedisConnection;
  concurrency: number;
  /** Queues this process serves (default: all). */
  queues?: QueueKey[];
  /** How long a stopped job may take to wind down before it is let go (default 5 s). */
  stopGraceMs?: number;
  /** Shorter time limits than the catalogue's, per job (tests, benchmarks). */
  timeouts?: Partial<Record<JobName, number>>;
  /** Where the workers' `error` events go (default: one error line each). `main.ts` sends Redis outages to a throttled log. */
  onError?: (err: Error, queue: QueueKey) => void;
}

export interface RunningWorkers {
  workers: Worker[];
  /**
   * Stops taking jobs, hands every running job back to the queue (its signal is aborted with
   * `JobHandedBack`; it resumes on another worker from its checkpoint) and waits for the workers to
   * close, up to `deadlineMs`; then closes forcibly.
   */
  close(deadlineMs?: number): Promise<void>;
}

/** After a hand-back the job waits this long, so this process is gone before another takes it. */
const HAND_BACK_DELAY_MS = 5_000;

/**
 * Runs one job from the catalogue: validates its payload again, builds its context and runs it
 * with an abort signal that fires on its timeout or on shutdown. A job that does not stop within
 * the grace period after its signal is let go (it can no longer change anything that matters: its
 * AWS calls fail at once and its request has moved on).
 */
export function processJob(
  deps: Deps,
  job: Job,
  token: string | undefined,
  running: Set<AbortController> = new Set(),
  opts: Pick<WorkerOptions, 'stopGraceMs' | 'timeouts'> = {},
): Promise<unknown> {
  // The job runs in the correlation context of the work that queued it (its data's reserved
  // field); a job without one — a run of a recurring job, a poller — gets a fresh id per run.
  const { payload, cid } = splitCidField(job.data);
  return withCorrelation(cid, () => runJob(deps, job, payload, cid, token, running, opts));
}

async function runJob(
  deps: Deps,
  job: Job,
  data: unknown,
  cid: string | undefined,
  token: string | undefined,
  running: Set<AbortController>,
  opts: Pick<WorkerOptions, 'stopGraceMs' | 'timeouts'>,
): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const def = jobDefinition(job.name);
  let payload: Record<string, unknown>;
  try {
    payload = parsePayload(job.name, data) as Record<string, unknown>;
  } catch (err) {
    throw new UnrecoverableError(err instanceof InvalidPayload ? err.message : String(err));
  }
  const controller = new AbortController();
  const attempts = job.opts.attempts ?? 1;
  const logger = deps.logger.child({ job: job.name, jobId: job.id });
  const ctx: JobContext<Record<string, unknown>> = {
    deps,
    payload,
    attempt: { attemptsMade: job.attemptsMade, attempts },
    lastAttempt: job.attemptsMade + 1 >= attempts,
    timeoutMs: opts.timeouts?.[job.name] ?? def.timeoutMs,
    signal: controller.signal,
    logger,
    async checkpoint(patch) {
      ctx.payload = { ...ctx.payload, ...patch };
      await job.updateData(withCidField(ctx.payload, cid));
    },
    async defer(ms, patch) {
      if (patch) await ctx.checkpoint(patch);
      if (!token) throw new Error(`${job.name} cannot be deferred outside a worker`);
      await job.moveToDelayed(Date.now() + Math.max(0, Math.round(ms)), token);
      throw new DelayedError();
    },
  };
  logger.debug('job started', { attempt: job.attemptsMade + 1 });
  const timeoutMs = ctx.timeoutMs;
  const timer = setTimeout(() => controller.abort(new JobTimedOut(def.name, timeoutMs)), timeoutMs);
  running.add(controller);
  // amibot_job_duration_seconds: one observation per run, by how the run ended.
  const started = performance.now();
  let outcome: 'completed' | 'deferred' | 'handed_back' | 'timed_out' | 'failed' = 'failed';
  try {
    const result = await settleOrLetGo(
      withAbortSignal(controller.signal, () => def.run(ctx)),
      controller.signal,
      opts.stopGraceMs ?? 5_000,
    );
    outcome = 'completed';
    return result;
  } catch (err) {
    if (err instanceof DelayedError) {
      outcome = 'deferred';
      throw err;
    }
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && reason instanceof JobHandedBack && token) {
      outcome = 'handed_back';
      logger.info('job handed back for another worker', { requestId: payload.requestId });
      await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
      throw new DelayedError();
    }
    if (controller.signal.aborted && reason instanceof JobTimedOut) {
      outcome = 'timed_out';
      logger.warn('job timed out', { timeoutMs });
      await def.onGiveUp?.(ctx, reason.userMessage).catch((e: unknown) => {
        logger.error('could not record a timed-out job as failed', { error: e });
      });
      throw new UnrecoverableError(reason.message);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    running.delete(controller);
    jobSeconds.labels(def.name, outcome).observe((performance.now() - started) / 1000);
  }
}

/** The run's outcome; once `signal` is aborted, at most `graceMs` more, then the abort reason. */
function settleOrLetGo<T>(run: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      grace = setTimeout(() => reject(signal.reason), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    run.then(resolve, reject).finally(() => {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/** Starts BullMQ workers (one per queue) with production settings and error logging. */
export function startWorkers(deps: Deps, opts: WorkerOptions): RunningWorkers {
  const keys = opts.queues ?? (Object.keys(QUEUES) as QueueKey[]);
  const running = new Set<AbortController>();
  const workers = keys.map((key) => {
    const worker = new Worker(QUEUES[key], (job, token) => processJob(deps, job, token, running, opts), {
      connection: opts.connection,
      prefix: bullPrefix(deps.config.redis.keyPrefix),
      concurrency: opts.concurrency,
      // A job whose worker died (SIGKILL, lost node) is picked up again after about one lock period.
      lockDuration: deps.config.jobs.lockMs,
      stalledInterval: deps.config.jobs.lockMs,
    });
    worker.on('error', (err) =>
      opts.onError ? opts.onError(err, key) : deps.logger.error('worker error', { queue: key, error: err }),
    );
    worker.on('failed', (job, err) => {
      const log = () =>
        deps.logger.warn('job failed', {
          queue: key,
          job: job?.name,
          jobId: job?.id,
          attempt: job?.attemptsMade,
          error: err,
        });
      // The line belongs to the job's work (a job without an id of its own had a fresh one per run).
      const cid = splitCidField(job?.data).cid;
      if (cid) withCorrelation(cid, log);
      else log();
    });
    return worker;
  });
  return {
    workers,
    async close(deadlineMs = 25_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      for (const controller of running) controller.abort(new JobHandedBack());
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref()),
      ]);
      if (timedOut) {
        // BullMQ's close() hands back the same promise once closing has begun, so a forced close
        // cannot cut a job short; stop waiting instead. The job's lock expires and another worker
        // takes it up from its checkpoint.
        deps.logger.warn('workers did not stop in time; leaving their jobs to another worker', {
          deadlineMs,
        });
        for (const w of workers) void w.close(true).catch(() => {});
      }
    },
  };
}

/**
 * Recurring jobs (the catalogue's `schedule`), registered idempotently by every worker process:
 * job schedulers are keyed by id, so each still fires once per tick however many workers run. A
 * schedule that is switched off in the configuration loses its scheduler.
 */
export async function scheduleMaintenance(deps: Deps): Promise<void> {
  for (const name of Object.keys(JOB_CATALOG) as JobName[]) {
    const def = jobDefinition(name);
    if (!def.schedule) continue;
    const repeat = def.schedule(deps.config);
    if (repeat) await deps.queues.schedule(name, {} as never, repeat);
    else await deps.queues.queue(def.queue).removeJobScheduler(`sched-${name}`);
  }
}
