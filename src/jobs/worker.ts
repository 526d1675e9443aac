import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Deps } from '../deps.js';
import { isJobName, JOB_CATALOG, parsePayload, QUEUES, type QueueKey } from './catalog.js';
import { copyRegion } from './processors/copy-region.js';
import { processReminderPost } from './processors/expiry-reminder-post.js';
import { processExpiryDigest, processExpirySweep, scheduleExpiryJobs } from './processors/expiry-sweep.js';
import { executeRequest } from './processors/request-execute.js';
import { expirePendingRequests } from './processors/requests-expire.js';
import { runScan } from './processors/scan.js';
import { bullPrefix } from './queues.js';

export interface WorkerOptions {
  /** A connection with `maxRetriesPerRequest: null`, as BullMQ workers require. */
  connection: Redis;
  concurrency: number;
  /** Queues this process serves (default: all). */
  queues?: QueueKey[];
}

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for running ones, up to `deadlineMs`; then closes forcibly. */
  close(deadlineMs?: number): Promise<void>;
}

/** Runs one job: validates its payload against the catalog again, then hands it to its processor. */
export async function processJob(deps: Deps, job: Job, token?: string): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const spec = JOB_CATALOG[job.name];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnrecoverableError(`${job.name} timed out after ${spec.timeoutMs} ms`)),
      spec.timeoutMs,
    );
  });
  const attempt = { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 };
  const run = async (): Promise<unknown> => {
    switch (job.name) {
      case 'request-execute': {
        const p = parsePayload('request-execute', job.data);
        return executeRequest(deps, p.requestId, attempt);
      }
      case 'scan-image': {
        const p = parsePayload('scan-image', job.data);
        return runScan(deps, p.scanId, attempt);
      }
      case 'requests-expire':
        parsePayload('requests-expire', job.data);
        return expirePendingRequests(deps);
      case 'expiry-sweep':
        parsePayload('expiry-sweep', job.data);
        return processExpirySweep(deps);
      case 'expiry-digest':
        parsePayload('expiry-digest', job.data);
        return processExpiryDigest(deps);
      case 'reminder-post': {
        const p = parsePayload('reminder-post', job.data);
        return processReminderPost(deps, p, {
          attempt,
          saveSlot: (slotAt) => job.updateData({ ...p, slotAt }),
          defer: token
            ? async (ms) => {
                await job.moveToDelayed(Date.now() + ms, token);
                throw new DelayedError();
              }
            : undefined,
        });
      }
      case 'copy-region': {
        const p = parsePayload('copy-region', job.data);
        return copyRegion(deps, p.requestId, p.region, {
          attempt,
          checkpoint: { step: p.step, imageId: p.imageId },
          saveCheckpoint: (c) => job.updateData({ ...p, ...c }),
          defer: token
            ? async (ms) => {
                await job.moveToDelayed(Date.now() + ms, token);
                throw new DelayedError();
              }
            : undefined,
        });
      }
      default:
        throw new UnrecoverableError(`no processor for ${job.name}`);
    }
  };
  try {
    return await Promise.race([run(), timeout]);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('invalid payload'))
      throw new UnrecoverableError(err.message);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts BullMQ workers (one per queue) with production settings and error logging. */
export function startWorkers(deps: Deps, opts: WorkerOptions): RunningWorkers {
  const keys = opts.queues ?? (Object.keys(QUEUES) as QueueKey[]);
  const workers = keys.map((key) => {
    const worker = new Worker(QUEUES[key], (job, token) => processJob(deps, job, token), {
      connection: opts.connection,
      prefix: bullPrefix(deps.config.redis.keyPrefix),
      concurrency: opts.concurrency,
      // A job whose worker died (SIGKILL, lost node) is picked up again after about one lock period.
      lockDuration: deps.config.jobs.lockMs,
      stalledInterval: deps.config.jobs.lockMs,
    });
    worker.on('error', (err) => deps.logger.error('worker error', { queue: key, error: err }));
    worker.on('failed', (job, err) =>
      deps.logger.warn('job failed', {
        queue: key,
        job: job?.name,
        jobId: job?.id,
        attempt: job?.attemptsMade,
        error: err,
      }),
    );
    return worker;
  });
  return {
    workers,
    async close(deadlineMs = 25_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref()),
      ]);
      if (timedOut) await Promise.all(workers.map((w) => w.close(true)));
    },
  };
}

/** Recurring maintenance, registered idempotently by every worker process (it still fires once per tick). */
export async function scheduleMaintenance(deps: Deps): Promise<void> {
  await deps.queues.schedule('requests-expire', {}, { every: 60_000 });
  await scheduleExpiryJobs(deps);
}
