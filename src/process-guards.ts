/**
 * Last-resort handlers for errors nothing else caught. An unhandled promise rejection or an
 * uncaught exception in one request or job must not take the whole process down (web and
 * workers together, in the `all` role): each is logged as one redacted JSON line (the logger
 * removes credentials; an error is logged by name, message and code, without its stack) and the
 * process keeps serving. The error that reached here is a bug to fix, so the line is at `error`
 * level and says where it came from.
 */
import type { Logger } from './logger.js';

export interface GuardedProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
}

/** Installs the handlers; returns a function that removes them. */
export function installProcessGuards(logger: Logger, proc: GuardedProcess = process): () => void {
  const onRejection = (reason: unknown) => {
    logger.error('unhandled promise rejection; still serving', { error: reason, source: 'process' });
  };
  const onException = (error: Error, origin: string) => {
    logger.error('uncaught exception; still serving', { error, origin, source: 'process' });
  };
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
