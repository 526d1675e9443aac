/**
 * The small error family the whole bot speaks. `userMessage` is what Slack shows (never a stack
 * trace); `retry` tells a worker whether trying again can help.
 */
export type ErrorCode =
  | 'bad_input'
  | 'not_found'
  | 'forbidden'
  | 'aws_access_denied'
  | 'aws_throttled'
  | 'aws_unavailable'
  | 'aws_error'
  | 'conflict'
  | 'store_unavailable'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retry: boolean;
  readonly userMessage: string;
  readonly context: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    userMessage: string,
    opts: { retry?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(userMessage, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = userMessage;
    this.retry = opts.retry ?? false;
    this.context = opts.context ?? {};
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** What a user is told when Redis, where amibot keeps every request and decision, cannot be used. */
export const STATE_STORE_UNAVAILABLE =
  "amibot's state store (Redis) is unavailable, so nothing was changed. Please try again in a minute.";

/**
 * Messages of the errors a Redis command fails with when the server cannot be used: ioredis's own
 * (disconnected with no offline queue, connection closed with the command in flight, retries
 * exhausted, `commandTimeout` passed), the readiness wait's, and the server's refusals while
 * loading, busy, read-only or out of memory.
 */
const STORE_DOWN_MESSAGES = [
  /^Stream isn't writeable/,
  /^Connection is closed/,
  /^Command timed out/,
  /^Reached the max retries per request limit/,
  /^Redis did not (become ready|answer)/,
  /^(LOADING|BUSY|MASTERDOWN|READONLY|MISCONF|OOM|TRYAGAIN|CLUSTERDOWN)\b/,
];

/** True when `err` (or its cause) says Redis could not be used, as opposed to a bug or a bad input. */
export function isStateStoreError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 3) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  if (STORE_DOWN_MESSAGES.some((re) => re.test(err.message))) return true;
  return isStateStoreError(err.cause, depth + 1);
}

/**
 * Anything thrown, as an AppError: a Redis outage becomes {@link STATE_STORE_UNAVAILABLE} (worth
 * retrying), and unknown errors a generic message with no internals.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isStateStoreError(err)) {
    return new AppError('store_unavailable', STATE_STORE_UNAVAILABLE, { retry: true, cause: err });
  }
  return new AppError('internal', 'Something went wrong on our side. It has been logged; please try again.', {
    retry: true,
    cause: err,
  });
}

/** Why a running job was stopped from outside: a retryable AppError no processor may swallow. */
export class JobInterrupted extends AppError {
  constructor(message: string) {
    super('internal', message, { retry: true });
    this.name = 'JobInterrupted';
  }
}

/** The job ran past its `timeoutMs`. */
export class JobTimedOut extends JobInterrupted {
  constructor(
    readonly jobName: string,
    readonly timeoutMs: number,
  ) {
    super(`${jobName} was stopped after ${formatDuration(timeoutMs)} (its time limit).`);
    this.name = 'JobTimedOut';
  }
}

/** The process is shutting down: the job goes back to the queue and resumes elsewhere. */
export class JobHandedBack extends JobInterrupted {
  constructor() {
    super('the worker is shutting down; the job resumes on another worker');
    this.name = 'JobHandedBack';
  }
}

/** Rethrows an interruption so no processor's catch-all turns it into a failed request. */
export function rethrowInterruption(err: unknown): void {
  if (err instanceof JobInterrupted) throw err;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
