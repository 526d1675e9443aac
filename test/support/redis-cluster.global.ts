import type { TestProject } from 'vitest/node';
import { CLUSTER_URL_ENV, type RedisClusterHandle, startRedisCluster } from './redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The `redis+cluster://` URL of the cluster the `cluster` project's tests run against. */
    redisClusterUrl: string;
  }
}

/**
 * Global setup of the `cluster` project (vitest.config.ts): the cluster `.ci/run` started
 * (`AMIBOT_TEST_REDIS_CLUSTER_URL`), else a three-node one started here and stopped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let handle: RedisClusterHandle | undefined;
  let url = process.env[CLUSTER_URL_ENV];
  if (!url) {
    handle = await startRedisCluster();
    url = handle.url;
  }
  project.provide('redisClusterUrl', url);
  return async () => {
    await handle?.stop();
  };
}
