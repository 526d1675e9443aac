import { ConfigError, loadConfig } from '../config.js';
import { redactSecrets } from '../secrets.js';
import { awsChecks } from './aws-checks.js';
import { redisChecks } from './redis-checks.js';
import type { CheckRow, DoctorReport } from './report.js';
import { slackChecks } from './slack-checks.js';

/**
 * Every check of `npm run doctor`, in order: the configuration (nothing else runs without it),
 * then Redis, Slack and AWS. A check that throws unexpectedly becomes a failed row; the run itself
 * never throws.
 */
export async function runDoctor(
  env: Record<string, string | undefined> = process.env,
  { partTimeoutMs = 120_000 }: { partTimeoutMs?: number } = {},
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
  // Each part gets a time limit, so a black-holed endpoint shows as a failed row, not a hang.
  const part = async (name: string, run: () => Promise<{ rows: CheckRow[]; notes?: string[] }>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const out = await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${partTimeoutMs / 1000} s`)),
            partTimeoutMs,
          );
        }),
      ]);
      report.rows.push(...out.rows);
      report.notes.push(...(out.notes ?? []));
    } catch (err) {
      report.rows.push({
        check: name,
        status: 'fail',
        detail: `the check itself failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}`,
      });
    } finally {
      clearTimeout(timer);
    }
  };
  await part('redis', async () => ({ rows: await redisChecks(config) }));
  await part('slack', async () => ({ rows: await slackChecks(config) }));
  await part('aws', () => awsChecks(config));
  return report;
}
