import { parentPort, threadId, workerData } from 'node:worker_threads';
import { createLogger } from '../logger.js';
import { waitForReady } from '../store/redis.js';
import { buildDeps } from '../wiring.js';
import { type AnswerTask, answer } from './answer.js';
import type { AnswerThreadMessage, AnswerThreadStart } from './answer-pool.js';

/** An answer thread: its own dependencies, answering tasks the main thread sends after acking. */
const data = workerData as AnswerThreadStart;
// Every line this thread logs names it, so an answer can be traced to the thread that gave it.
const logger = createLogger(data.config.logLevel).child({ thread: data.name, threadId });
const deps = buildDeps(data.config, { logger, awsCredentials: data.awsCredentials });
// The Redis client fails fast rather than queueing, so tasks wait until it is connected.
const connected = waitForReady(deps.redis, 10_000).catch((err: unknown) => {
  logger.error('answer thread could not reach Redis; answers will say so', { error: err });
});

const post = (msg: AnswerThreadMessage) => parentPort?.postMessage(msg);

parentPort?.on('message', (msg: { id: number; task: AnswerTask }) => {
  void connected
    .then(() => answer(deps, msg.task))
    .catch((err: unknown) => logger.error('answer thread task failed', { error: err }))
    .finally(() => post({ type: 'done', id: msg.id }));
});
post({ type: 'ready' });
logger.debug('answer thread ready');
