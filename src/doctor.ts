import { exitCodeFor, renderTable } from './doctor/report.js';
import { runDoctor } from './doctor/run-doctor.js';

/**
 * `npm run doctor` (or `node dist/doctor.js` in the image): checks the configuration, Redis, Slack
 * and every configured AWS account, prints one table and exits 1 when any check failed
 * (docs/operations.md).
 */
async function main(): Promise<void> {
  const report = await runDoctor(process.env);
  process.stdout.write(renderTable(report));
  process.exit(exitCodeFor(report.rows));
}

main().catch((err: unknown) => {
  process.stderr.write(`amibot doctor failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
