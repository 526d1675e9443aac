import { parentPort, threadId, workerData } from 'node:worker_threads';
import { withCorrelation } from '../correlation.js';
import { createLogger } from '../logger.js';
import { metricsSnapshot } from '../metrics.js';
import { createWatchedRedis, RedisOutageLog, waitForReady } from '../store/redis.js';
import { buildDeps } from '../wiring.js';
import { answer } from './answer.js';
import type { AnswerThreadMessage, AnswerThreadRequest, AnswerThreadStart } from './answer-pool.js';

/** An answer thread: its own dependencies, answering tasks the main thread sends after acking. */
const data = workerData as AnswerThreadStart;
// Every line this thread logs names it, so an answer can be traced to the thread that gave it.
const logger = createLogger(data.config.logLevel).child({ thread: data.name, threadId });
// Its own Redis connection (a thread cannot share the main thread's sockets), whose outages it logs once a minute.
const redis = createWatchedRedis(
  data.config.redis.url,
  'client',
  new RedisOutageLog(logger, 'answer-thread'),
);
const deps = buildDeps(data.config, { logger, awsCredentials: data.awsCredentials, redis });
// The Redis client fails fast rather than queueing: the first tasks wait (briefly) for it to connect.
// When it cannot, they run anyway and are answered that the state store is unavailable.
const connected = waitForReady(deps.redis, 3_000).catch(() => {});

const post = (msg: AnswerThreadMessage) => parentPort?.postMessage(msg);

parentPort?.on('message', (msg: AnswerThreadRequest) => {
  if ('metrics' in msg) {
    void metricsSnapshot().then((metrics) => post({ type: 'metrics', id: msg.id, metrics }));
    return;
  }
  // The task runs in the correlation context of the Slack request it answers.
  void withCorrelation(msg.cid, () =>
    connected
      .then(() => answer(deps, msg.task))
      .catch((err: unknown) => logger.error('answer thread task failed', { error: err }))
      .finally(() => post({ type: 'done', id: msg.id })),
  );
});
post({ type: 'ready' });
logger.debug('answer thread ready');
