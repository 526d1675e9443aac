import { parseRedisUrl } from './config.js';
import { QUEUES } from './jobs/job.js';
import { findLegacyKeys, MigrationRefused, migrateKeyLayout } from './store/key-layout.js';
import { keyRoot, legacyKeyRoot } from './store/keys.js';
import { createRedis, waitForReady } from './store/redis.js';

/**
 * `npm run redis:migrate-prefix [-- --dry-run]`: moves an installation's Redis keys from the old
 * layout (`amibot:…`) to the hash-tagged one (`{amibot}:…`) that this version uses (see
 * docs/redis.md). Reads `REDIS_URL` and `AMIBOT_REDIS_PREFIX` like the bot; run it once, with every
 * amibot process stopped. Safe to run again: it carries on where it stopped and never overwrites.
 * Exit status: 0 done (or nothing to do), 1 refused or failed, 2 done with keys left in conflict.
 */
async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const unknown = argv.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown argument ${unknown[0]}; usage: npm run redis:migrate-prefix [-- --dry-run]\n`,
    );
    return 1;
  }
  const dryRun = argv.includes('--dry-run');
  const url = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  const prefix = env.AMIBOT_REDIS_PREFIX?.trim() || 'amibot';
  const shownUrl = url.replace(/\/\/[^@]*@/, '//***@');
  try {
    parseRedisUrl(url);
  } catch (err) {
    process.stderr.write(`REDIS_URL ${(err as Error).message}\n`);
    return 1;
  }
  if (!/^[a-z0-9_-]+$/i.test(prefix)) {
    process.stderr.write('AMIBOT_REDIS_PREFIX: letters, digits, "-" or "_" only\n');
    return 1;
  }
  const redis = createRedis(url, 'client', { enableOfflineQueue: true, commandTimeout: 10_000 });
  try {
    await waitForReady(redis, 5_000).catch(() => {
      throw new MigrationRefused(`Redis is not reachable at ${shownUrl}.`);
    });
    const queueNames = Object.values(QUEUES);
    const report = await migrateKeyLayout(redis, prefix, queueNames, { dryRun });
    const from = `${legacyKeyRoot(prefix)}:`;
    const to = `${keyRoot(prefix)}:`;
    if (report.found === 0) {
      process.stdout.write(`Nothing to move: no keys under "${from}" at ${shownUrl}.\n`);
      return 0;
    }
    if (dryRun) {
      process.stdout.write(
        `Dry run: ${report.found} keys under "${from}" would move to "${to}"` +
          (report.conflicts.length
            ? `; ${report.conflicts.length} of them already exist there and would be left alone`
            : '') +
          '.\n',
      );
      return 0;
    }
    process.stdout.write(
      `Moved ${report.moved} of ${report.found} keys from "${from}" to "${to}"` +
        (report.vanished ? ` (${report.vanished} expired meanwhile)` : '') +
        '.\n',
    );
    if (report.conflicts.length > 0) {
      process.stdout.write(
        `${report.conflicts.length} keys were left under "${from}" because their new name is taken (nothing was overwritten), for example ${report.conflicts.slice(0, 3).join(', ')}. ` +
          'Compare each pair, delete the one you do not need, and run this again.\n',
      );
      return 2;
    }
    const left = await findLegacyKeys(redis, prefix, queueNames);
    if (left.length > 0) {
      process.stdout.write(
        `Keys appeared under "${from}" meanwhile (${left.join(', ')}): is an old amibot still running?\n`,
      );
      return 1;
    }
    process.stdout.write('Done: amibot can start.\n');
    return 0;
  } catch (err) {
    process.stderr.write(`The migration stopped: ${(err as Error).message}\n`);
    return 1;
  } finally {
    redis.disconnect();
  }
}

run(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`The migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
