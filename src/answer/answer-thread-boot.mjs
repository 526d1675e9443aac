// The first module of an answer thread started from the TypeScript sources (`npm start`,
// `node --import tsx src/main.ts`, the tests). It is JavaScript on purpose: Node runs it as it is.
// A `--import tsx` flag in a Worker's execArgv does not give the thread a TypeScript loader on
// every Node version (tsx 4 registers its loader only on the main thread where Node cannot tell a
// worker from its own loader thread: Node 20 and Node 22 before 22.22.3), so the thread died at
// start with ERR_UNKNOWN_FILE_EXTENSION. Registering tsx's ESM loader through its API here works on
// every version. The compiled build (`node dist/main.js`) starts `answer-thread.js` directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
