import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { ScanRecord } from '../domain/scan.js';

const DAY_MS = 86_400_000;

/** Whether an image has a scan recent and good enough to promote it, and if not, why. */
export type ScanGate =
  | { ok: true; scan: ScanRecord; ageDays: number }
  | { ok: false; reason: string; running?: boolean; scanId?: string };

/**
 * The image's latest `/ami scan` (its record in the scan store) must be finished, complete, pass
 * (`pass` or `pass-with-deadlines` under `scan.acceptance`) and be at most `golden.maxScanAgeDays`
 * old. Anything else is refused with the reason.
 */
export async function scanGate(
  deps: Pick<Deps, 'scans' | 'clock' | 'config'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<ScanGate> {
  const scan = await deps.scans.latestFor(account.alias, region, imageId);
  const maxDays = deps.config.golden.maxScanAgeDays;
  if (!scan) return { ok: false, reason: `\`${imageId}\` has no scan on record.` };
  if (scan.state === 'queued' || scan.state === 'running') {
    return {
      ok: false,
      running: true,
      scanId: scan.id,
      reason: `A scan of \`${imageId}\` (\`${scan.id}\`) is still running; promote it once it has passed.`,
    };
  }
  if (scan.state === 'failed' || !scan.report) {
    return {
      ok: false,
      scanId: scan.id,
      reason: `The last scan of \`${imageId}\` (\`${scan.id}\`) did not finish.`,
    };
  }
  const report = scan.report;
  if (report.verdict === 'fail') {
    return {
      ok: false,
      scanId: scan.id,
      reason: `The last scan of \`${imageId}\` (\`${scan.id}\`) failed the acceptance policy: ${report.blocking.length} blocking finding(s).`,
    };
  }
  if (!report.complete) {
    return {
      ok: false,
      scanId: scan.id,
      reason: `The last scan of \`${imageId}\` (\`${scan.id}\`) is incomplete (the deep scan gave no result).`,
    };
  }
  const ageDays = (deps.clock().getTime() - Date.parse(report.finishedAt)) / DAY_MS;
  if (!(ageDays <= maxDays)) {
    return {
      ok: false,
      scanId: scan.id,
      reason: `The last scan of \`${imageId}\` is ${Math.floor(ageDays)} days old; promotions need one from the last ${maxDays} days.`,
    };
  }
  return { ok: true, scan, ageDays };
}
