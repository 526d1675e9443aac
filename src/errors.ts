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

/** Anything thrown, as an AppError: unknown errors become a generic message with no internals. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError('internal', 'Something went wrong on our side. It has been logged; please try again.', {
    retry: true,
    cause: err,
  });
}
