import { ConfigError, loadConfig } from '../config.js';
import { redactSecrets } from '../secrets.js';
import { awsChecks } from './aws-checks.js';
import { redisChecks } from './redis-checks.js';
import type { DoctorReport } from './report.js';
import { slackChecks } from './slack-checks.js';

/**
 * Every check of `npm run doctor`, in order: the configuration (nothing else runs without it),
 * then Redis, Slack and AWS. A check that throws unexpectedly becomes a failed row; the run itself
 * never throws.
 */
export async function runDoctor(
  env: Record<string, string | undefined> = process.env,
): Promise<DoctorReport> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env });
  } catch (err) {
    const detail =
      err instanceof ConfigError
        ? err.problems.join('; ')
        : redactSecrets(err instanceof Error ? err.message : String(err));
    return {
      rows: [{ check: 'config', status: 'fail', detail }],
      notes: [
        'Nothing else was checked: fix the configuration first (see .env.example and config.example.yaml).',
      ],
    };
  }
  const report: DoctorReport = {
    rows: [
      {
        check: 'config',
        status: 'ok',
        detail: `role ${config.role}, ${config.accounts.length} account(s)${env.AMIBOT_CONFIG?.trim() ? `, file ${env.AMIBOT_CONFIG.trim()}` : ', no config file'}`,
      },
    ],
    notes: [],
  };
  const guard = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      report.rows.push({
        check: name,
        status: 'fail',
        detail: `the check itself failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}`,
      });
    }
  };
  await guard('redis', async () => {
    report.rows.push(...(await redisChecks(config)));
  });
  await guard('slack', async () => {
    report.rows.push(...(await slackChecks(config)));
  });
  await guard('aws', async () => {
    const aws = await awsChecks(config);
    report.rows.push(...aws.rows);
    report.notes.push(...aws.notes);
  });
  return report;
}
