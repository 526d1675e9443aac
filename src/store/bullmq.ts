import { createRequire } from 'node:module';

type Bullmq = typeof import('bullmq');

const require = createRequire(import.meta.url);
let loaded: Bullmq | undefined;

/**
 * BullMQ, required on first use instead of at start. Queues are built when a job is first enqueued
 * (`jobs/queues.ts`), and job code throws `UnrecoverableError` only while it runs, in the worker
 * role: a web process (its main thread and each answer thread) that has not enqueued anything
 * does not hold the library (~7 MiB of idle RSS per thread; docs/benchmarks.md, "Memory (idle
 * RSS)"). BullMQ is CommonJS, so this is the same module instance an `import` of it gives.
 */
function load(): Bullmq {
  loaded ??= require('bullmq') as Bullmq;
  return loaded;
}

export const bullmq: Bullmq = new Proxy({} as Bullmq, {
  get: (_target, prop) => Reflect.get(load(), prop),
});
