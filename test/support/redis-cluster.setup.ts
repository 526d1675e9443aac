import { inject } from 'vitest';

// The `cluster` project runs its files against the Redis Cluster: every connection the tests and
// the app under test make (and the processes they start) takes REDIS_URL, read when they load.
process.env.REDIS_URL = inject('redisClusterUrl');
