import { AsyncLocalStorage } from 'node:async_hooks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';

/**
 * The abort signal of the work in progress (a job), carried by async context so that every AWS
 * call and every wait made while the job runs is stopped when the job is — without threading a
 * signal through each AWS method. `withAbortSignal` sets it; `AbortAwareHttpHandler` (used by every
 * SDK client, see clients.ts) and `abortableSleep` obey it.
 */
const current = new AsyncLocalStorage<AbortSignal>();

export function withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return current.run(signal, fn);
}

export function currentAbortSignal(): AbortSignal | undefined {
  return current.getStore();
}

/** Throws the signal's reason (or an AbortError) when the current work has been stopped. */
export function throwIfAborted(signal: AbortSignal | undefined = currentAbortSignal()): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'aborted');
  err.name = 'AbortError';
  return err;
}

/** Sleeps `ms`, or rejects with the abort reason as soon as the current work is stopped. */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined = currentAbortSignal(),
): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

/**
 * The SDK's Node HTTP handler, with the current work's abort signal added to every request: a
 * stopped job's AWS call fails at once with the job's own reason (`JobTimedOut`, `JobHandedBack`)
 * instead of an anonymous AbortError.
 */
export class AbortAwareHttpHandler implements RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> {
  private readonly inner = new NodeHttpHandler();

  get metadata() {
    return this.inner.metadata;
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const job = currentAbortSignal();
    const abortSignal = anySignal(options.abortSignal as AbortSignal | undefined, job);
    try {
      return await this.inner.handle(request as Parameters<NodeHttpHandler['handle']>[0], {
        ...options,
        ...(abortSignal ? { abortSignal } : {}),
      });
    } catch (err) {
      if (job?.aborted && (err as Error)?.name === 'AbortError') throw abortReason(job);
      throw err;
    }
  }

  destroy(): void {
    this.inner.destroy();
  }
}
