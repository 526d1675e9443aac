import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../logger.js';
import { waitForReady } from '../store/redis.js';
import { buildDeps } from '../wiring.js';
import { type AnswerTask, answer } from './answer.js';
import type { AnswerThreadData } from './answer-pool.js';

/** An answer thread: its own dependencies, answering tasks the main thread sends after acking. */
const data = workerData as AnswerThreadData;
const logger = createLogger(data.config.logLevel).child({ thread: 'answer' });
const deps = buildDeps(data.config, { logger, awsCredentials: data.awsCredentials });
// The Redis client fails fast rather than queueing, so tasks wait until it is connected.
const ready = waitForReady(deps.redis, 10_000).catch((err: unknown) => {
  logger.error('answer thread could not reach Redis; answers will say so', { error: err });
});

parentPort?.on('message', (msg: { id: number; task: AnswerTask }) => {
  void ready
    .then(() => answer(deps, msg.task))
    .catch((err: unknown) => logger.error('answer thread task failed', { error: err }))
    .finally(() => parentPort?.postMessage({ id: msg.id }));
});
