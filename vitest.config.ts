import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { CLUSTER_URL_ENV, clusterUnavailableReason } from './test/support/redis-cluster.js';

const jsonReport = process.env.VITEST_JSON_REPORT;

/**
 * The Redis-touching tests that also run against a real three-node Redis Cluster (docs/redis.md,
 * "Tested on a cluster"), plus the cluster-only checks (`*.cluster.test.ts`).
 */
const CLUSTER_SET = [
  'test/store/*.cluster.test.ts',
  'test/handlers/approvals.e2e.test.ts',
  'test/requests/decisions.e2e.test.ts',
  'test/jobs/copy.e2e.test.ts',
  'test/jobs/copies-at-scale.e2e.test.ts',
  'test/expiry/sweep.e2e.test.ts',
  'test/expiry/delivery.e2e.test.ts',
  'test/slack/progress.test.ts',
];

function clusterProject(): TestProjectInlineConfiguration[] {
  if (!process.env[CLUSTER_URL_ENV]) {
    const why = clusterUnavailableReason();
    if (why) {
      // vitest may load this file more than once in one process: say it once.
      if (!process.env.AMIBOT_CLUSTER_SKIP_SAID) {
        process.env.AMIBOT_CLUSTER_SKIP_SAID = '1';
        process.stdout.write(
          `Redis Cluster tests skipped: ${why} (the cluster test project needs redis-server and redis-cli 5 or later).\n`,
        );
      }
      return [];
    }
  }
  return [
    {
      extends: true,
      test: {
        name: 'cluster',
        include: CLUSTER_SET,
        globalSetup: ['test/support/redis-cluster.global.ts'],
        setupFiles: ['test/support/redis-cluster.setup.ts'],
      },
    },
  ];
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    outputFile: jsonReport ? { json: jsonReport } : undefined,
    projects: [
      {
        extends: true,
        test: { name: 'single', include: ['test/**/*.test.ts'], exclude: ['test/**/*.cluster.test.ts'] },
      },
      ...clusterProject(),
    ],
  },
});
