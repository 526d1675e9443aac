import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { Logger } from '../logger.js';

/**
 * The shape of every job (trigger.dev's task shape): its payload schema, queue, retries, timeout,
 * deterministic id and `run` live together in one definition, one file per job under `jobs/`.
 * The catalogue (`catalog.ts`) lists the definitions; producers (`queues.ts`) and the worker
 * (`worker.ts`) take everything from there, so adding a job is one file and one catalogue line.
 */

export const QUEUES = {
  ops: 'amibot-ops',
  copies: 'amibot-copies',
  scans: 'amibot-scans',
  maintenance: 'amibot-maintenance',
} as const;
export type QueueKey = keyof typeof QUEUES;

export interface JobAttempt {
  /** Attempts already made before this one. */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
}

export interface JobContext<P> {
  deps: Deps;
  payload: P;
  attempt: JobAttempt;
  /** This is the last attempt: a retryable failure now is final. */
  lastAttempt: boolean;
  /** The job's time limit (the catalogue's, or a shorter one the worker was started with). */
  timeoutMs: number;
  /**
   * Aborted when the job must stop: its timeout passed (`JobTimedOut`) or the process is shutting
   * down and hands the job back (`JobHandedBack`). AWS calls and `deps.sleep` made while the job
   * runs observe it without being passed it (see `aws/abort.ts`); loops should check it too.
   */
  signal: AbortSignal;
  /** Merges `patch` into the job's data (its checkpoint), so a retried or resumed job continues. */
  checkpoint(patch: Partial<P>): Promise<void>;
  /**
   * Puts the job back in the queue for `ms` (BullMQ `moveToDelayed`) and ends this run without
   * holding a worker slot; `patch` is saved first. Never returns.
   */
  defer(ms: number, patch?: Partial<P>): Promise<never>;
  logger: Logger;
}

export interface JobDefinition<N extends string = string, S extends z.ZodType = z.ZodType> {
  name: N;
  queue: QueueKey;
  /** Parsed at enqueue and again when the job is taken off the queue. */
  schema: S;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
  /** The job is stopped (its signal aborted) after running this long; see `onGiveUp`. */
  timeoutMs: number;
  /** Deterministic job id: the same logical work always gets the same id (no ':' allowed). */
  jobId: (payload: z.infer<S>) => string;
  /** Removed from Redis as soon as it ends (completed or failed), so its id is free again at once. */
  ephemeral?: boolean;
  /**
   * A flow's parent: the jobs it waits for (BullMQ `FlowProducer`). Enqueueing it adds them with
   * it; it runs once every child has ended (a failed child does not block it).
   */
  children?: (payload: z.infer<S>) => Array<{ name: string; payload: Record<string, unknown> }>;
  /** Recurring jobs: when to run, from the configuration (undefined: not scheduled). */
  schedule?: (config: Config) => { every?: number; pattern?: string } | undefined;
  run(ctx: JobContext<z.infer<S>>): Promise<unknown>;
  /**
   * Called once when the job is given up for good because it timed out, so it can leave its
   * subject (a request, a scan) in a final, explained state. Errors are logged, not rethrown.
   */
  onGiveUp?(ctx: JobContext<z.infer<S>>, message: string): Promise<void>;
}

export function defineJob<N extends string, S extends z.ZodType>(
  def: JobDefinition<N, S>,
): JobDefinition<N, S> {
  return def;
}

export { JobHandedBack, JobInterrupted, JobTimedOut, rethrowInterruption } from '../errors.js';
