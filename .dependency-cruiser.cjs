/**
 * The layer rules of `src/` (docs/architecture.md, "Layers"), checked by `npm run lint` and so by
 * `npm test` and CI. A folder may use the folders below it, never one above it:
 *
 *   main.ts wiring.ts app.ts …   composition: builds Deps, starts the app and the workers (health-server.ts:
 *                                /metrics, and a worker's own health server)
 *   doctor.ts doctor/            `npm run doctor`: checks config, Redis, Slack and AWS (uses any layer below)
 *   handlers/                    Slack listeners (Bolt): ack, call a use case, answer
 *   answer/                      answer threads: run /ami subcommands beside the acking thread
 *   commands/                    the /ami subcommands
 *   jobs/                        one definition per BullMQ job, the worker, the producers
 *   home/                        the App Home tab: what it shows one person, and its publication
 *   expiry/                      the expiry sweep, reminder delivery, the digest
 *   hygiene/                     retention and cleanup: prune plans, orphaned snapshots, unused images, cost,
 *                                the sharing audit, scheduled rescans, scan findings and waivers
 *   golden/                      golden images: promotion plans and steps, rollback, the catalogue, why
 *   requests/                    the request lifecycle and its outbox relay
 *   copies/                      the copy machinery (slots, pacing, the wait for EC2)
 *   slack/  aws/  store/         I/O: the Slack Web API, AWS (the only user of the AWS SDK), Redis
 *   blocks/                      pure: state → Block Kit
 *   domain/                      pure: grammar, ids, policy, request states, checks, cost, …
 *   config.ts correlation.ts errors.ts logger.ts metrics.ts secrets.ts   leaves every layer may use
 *
 * Type-only imports are free (`deps.ts` names every dependency's type): the rules are about what
 * runs. `answer/answer-thread.ts` is a thread's entry point and builds its own Deps like main.ts.
 */
const LAYERS = [
  ['doctor'],
  ['handlers'],
  ['answer'],
  ['commands'],
  ['jobs'],
  ['home'],
  ['expiry'],
  ['golden', 'hygiene'],
  ['requests'],
  ['copies'],
  ['slack', 'aws', 'store'],
  ['blocks'],
  ['domain'],
];
const COMPOSITION =
  '^src/(main|wiring|app|health-server|sandbox-mode|process-guards|redis-migrate-prefix|doctor)\\.ts$';

const folder = (names) => `^src/(${names.join('|')})/`;

const upwards = LAYERS.map((layer, i) => ({
  name: `no-upward-import-from-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not use a layer above it (${LAYERS.slice(0, i).flat().join(', ') || 'composition only'})`,
  severity: 'error',
  from: { path: folder(layer), pathNot: '^src/answer/answer-thread\\.ts$' },
  to: {
    path: i === 0 ? COMPOSITION : `${folder(LAYERS.slice(0, i).flat())}|${COMPOSITION}`,
    dependencyTypesNot: ['type-only'],
  },
}));

module.exports = {
  forbidden: [
    ...upwards,
    {
      name: 'no-upward-import-from-leaves',
      comment:
        'config, correlation, errors, logger, metrics and secrets are leaves: they use domain/ at most',
      severity: 'error',
      from: { path: '^src/(config|correlation|errors|logger|metrics|secrets)\\.ts$' },
      to: {
        path: '^src/',
        pathNot:
          '^src/(domain/|config\\.ts|correlation\\.ts|errors\\.ts|logger\\.ts|metrics\\.ts|secrets\\.ts)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'only-aws-uses-the-aws-sdk',
      comment: 'Only src/aws/ imports the AWS SDK (and its smithy runtime)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/aws/' },
      to: { path: 'node_modules/@(aws-sdk|smithy)/' },
    },
    {
      name: 'pure-layers-do-no-io',
      comment:
        'domain/ and blocks/ are pure: no Redis, queues, Slack or AWS clients, no network, files or threads',
      severity: 'error',
      from: { path: '^src/(domain|blocks)/' },
      to: {
        path: [
          'node_modules/(ioredis|bullmq|@slack/bolt|@slack/web-api|@slack/socket-mode|@aws-sdk|@smithy)/',
          '^(node:)?(http|https|net|tls|dgram|fs|fs/promises|child_process|worker_threads|cluster)$',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'handlers-do-not-use-each-other',
      comment: 'Each Slack listener stands alone; handlers/index.ts registers them',
      severity: 'error',
      from: { path: '^src/handlers/', pathNot: '^src/handlers/index\\.ts$' },
      to: { path: '^src/handlers/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-fakes-in-the-product',
      comment: 'The fakes and the sandbox (dev/) are loaded at run time by sandbox-mode.ts only',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(dev|test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'No module depends on itself through others (type-only imports aside)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
