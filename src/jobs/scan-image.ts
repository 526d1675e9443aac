import { z } from 'zod';
import type { ExecutionInfo } from '../aws/sfn.js';
import { SnapshotPermissions } from '../aws/snapshot-permissions.js';
import { renderScanMessage } from '../blocks/scan-report.js';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { applyWaivers, countsWithoutWaived, findingsOf } from '../domain/findings.js';
import { SCAN_ID_RE } from '../domain/ids.js';
import type { AmiImage, LaunchPermissions } from '../domain/image.js';
import {
  addCounts,
  countFindings,
  type DeepScanResult,
  decideVerdict,
  parseDeepScanOutput,
  SCAN_DATE_TAG,
  SCAN_VERDICT_TAG,
  type ScanProgress,
  type ScanRecord,
  type ScanReport,
  type TagOutcome,
  verdictTagValue,
  zeroCounts,
} from '../domain/scan.js';
import { isTrustedOwner, runBuiltInChecks, type ScannedSnapshot } from '../domain/scan-checks.js';
import { AppError, toAppError } from '../errors.js';
import { followUpScan, waiversOf } from '../hygiene/findings.js';
import { bullmq } from '../store/bullmq.js';
import { defineJob, type JobAttempt, rethrowInterruption } from './job.js';

/** `/ami scan`: built-in checks and, when configured, the deep scan (no approval needed). */
export const scanImageJob = defineJob({
  name: 'scan-image',
  queue: 'scans',
  schema: z.object({ scanId: z.string().regex(SCAN_ID_RE) }).strict(),
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  // Above the longest deep scan timeout (scan.timeoutMinutes ≤ 24 h); the scan stops itself first.
  timeoutMs: 25 * 3600_000,
  jobId: (p) => `scan-${p.scanId}`,
  run: (ctx) => runScan(ctx.deps, ctx.payload.scanId, ctx.attempt),
  onGiveUp: (ctx, message) => failScan(ctx.deps, ctx.payload.scanId, message),
});

/** Region of a state machine ARN (`arn:aws:states:<region>:…`). */
function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * Runs one scan: built-in checks on the image's metadata, then (when a state machine is
 * configured) the deep scan, a verdict, tags on owned images, the final message and an audit
 * entry. Safe to run again: a finished scan is left alone, and a scan whose deep scan already
 * started resumes polling the recorded execution instead of starting another.
 */
export async function runScan(deps: Deps, scanId: string, attempt: JobAttempt): Promise<void> {
  const stored = await deps.scans.get(scanId);
  if (!stored) throw new bullmq.UnrecoverableError(`scan ${scanId} does not exist`);
  if (stored.state === 'done' && !stored.followUp) {
    // Finished, but the worker stopped before its follow-up (ledger, notice): do that now.
    await new ScanJob(deps, stored, attempt).followUp();
    return;
  }
  if (stored.state === 'done' || stored.state === 'failed') {
    deps.logger.info('scan already finished', { scanId, state: stored.state });
    return;
  }
  const job = new ScanJob(deps, stored, attempt);
  await job.run();
}

/** A scan whose job was given up (timed out): failed, with the reason in its message. */
export async function failScan(deps: Deps, scanId: string, message: string): Promise<void> {
  const stored = await deps.scans.get(scanId);
  if (!stored || stored.state === 'done' || stored.state === 'failed') return;
  await new ScanJob(deps, stored, { attemptsMade: 0, attempts: 1 }).fail(message);
}

class ScanJob {
  constructor(
    private readonly deps: Deps,
    private scan: ScanRecord,
    private readonly attempt: JobAttempt,
  ) {}

  private get isLastAttempt(): boolean {
    return this.attempt.attemptsMade + 1 >= this.attempt.attempts;
  }

  private now(): Date {
    return this.deps.clock();
  }

  private async save(change: Partial<ScanRecord>): Promise<void> {
    const updatedAt = this.now().toISOString();
    const next = await this.deps.scans.update(this.scan.id, (s) => ({ ...s, ...change, updatedAt }));
    this.scan = next ?? { ...this.scan, ...change, updatedAt };
  }

  /** A progress update of the message: only on change and at most every few seconds. */
  private async progress(progress: ScanProgress): Promise<void> {
    await this.save({ progress });
    if (!this.scan.message) return;
    await this.deps.progress.update(this.scan.message, renderScanMessage({ scan: this.scan }));
  }

  /** The final message: always written (retried through rate limits). */
  private async finalMessage(): Promise<void> {
    if (!this.scan.message) return;
    try {
      await this.deps.progress.final(this.scan.message, renderScanMessage({ scan: this.scan }));
    } catch (err) {
      this.deps.logger.error('could not write the final scan message', { scanId: this.scan.id, error: err });
    }
  }

  async run(): Promise<void> {
    const { deps } = this;
    if (this.scan.state !== 'running') await this.save({ state: 'running' });
    await this.progress({ builtInDone: false });
    let report: ScanReport;
    try {
      report = await this.perform();
    } catch (err) {
      rethrowInterruption(err);
      const appErr = toAppError(err);
      if (appErr.retry && !this.isLastAttempt) {
        deps.logger.warn('scan failed; will retry', { scanId: this.scan.id, code: appErr.code });
        throw err;
      }
      await this.fail(appErr.userMessage);
      throw new bullmq.UnrecoverableError(appErr.userMessage);
    }
    await this.save({ state: 'done', report });
    await this.finalMessage();
    const c = report.counts;
    await this.audit(
      'ok',
      `${this.scan.id}: ${verdictTagValue(report)} (critical ${c.critical}, high ${c.high}, medium ${c.medium}, low ${c.low})`,
    );
    await this.followUp();
  }

  /**
   * The image's finding ledger and, for a scheduled scan, the notice of new findings, their
   * deadlines and the Critical action (hygiene/findings.ts). Its failure never undoes the report:
   * retried while attempts remain (a repeated follow-up repeats nothing), else logged.
   */
  async followUp(): Promise<void> {
    try {
      const followUp = await followUpScan(this.deps, this.scan);
      await this.save({ followUp });
    } catch (err) {
      rethrowInterruption(err);
      const appErr = toAppError(err);
      if (appErr.retry && !this.isLastAttempt) throw err;
      this.deps.logger.error('scan follow-up failed (ledger, notice)', { scanId: this.scan.id, error: err });
      await this.save({ followUp: { at: this.now().toISOString() } });
    }
  }

  async fail(message: string): Promise<void> {
    await this.save({ state: 'failed', error: message });
    await this.finalMessage();
    await this.audit('failed', message);
  }

  private async audit(result: 'ok' | 'failed', detail: string): Promise<void> {
    await this.deps.audit.record({
      actor: this.scan.requester,
      action: 'image.scanned',
      target: this.scan.imageId,
      imageId: this.scan.imageId,
      account: this.scan.account,
      region: this.scan.region,
      result,
      detail: detail.slice(0, 300),
    });
  }

  private async perform(): Promise<ScanReport> {
    const { deps, scan } = this;
    const cfg = deps.config.scan;
    const account = resolveAccount(deps.config, scan.account);
    if (!account) throw new AppError('bad_input', `Account ${scan.account} is no longer configured.`);
    const image = await deps.images.getImage(account, scan.region, scan.imageId);
    const ownAccountId = await deps.aws.accountId(account, scan.region);
    const owned = image.ownerId === ownAccountId;

    let launchPermissions: LaunchPermissions | undefined;
    if (owned)
      launchPermissions = await deps.images.getLaunchPermissions(account, scan.region, image.imageId);
    const snapshots = await this.snapshots(account, image);
    const builtIn = runBuiltInChecks({
      image,
      launchPermissions,
      snapshots,
      trustedOwners: deps.config.trustedOwners,
      ownAccountId,
      now: this.now(),
      policy: {
        maxAgeDays: cfg.maxAgeDays,
        requiredTags: cfg.requiredTags,
        expiryTagKey: deps.config.expiryTagKey,
      },
    });
    await this.progress({ builtInDone: true });

    let deep: DeepScanResult | undefined;
    if (cfg.stateMachineArn) deep = await this.deepScan(account, cfg.stateMachineArn, ownAccountId);
    else if (scan.deep) deep = { status: 'not-configured' };

    const now = this.now();
    // Approved waivers: their findings are shown, not counted; ended ones count again (re-opened).
    const { waived, reopened } = applyWaivers(
      findingsOf(builtIn, deep),
      await waiversOf(deps, { account: scan.account, region: scan.region, imageId: scan.imageId }),
      now,
    );
    const counts = countsWithoutWaived(
      addCounts(
        countFindings(builtIn),
        deep?.status === 'succeeded' ? (deep.counts ?? zeroCounts()) : zeroCounts(),
      ),
      waived,
    );
    const verdict = decideVerdict(counts, cfg.acceptance, now);
    const complete = !cfg.stateMachineArn || deep?.status === 'succeeded';
    const partial = { verdict: verdict.verdict, complete };
    const tags = await this.tag(account, image, owned, now, verdictTagValue(partial));
    return {
      finishedAt: now.toISOString(),
      image: {
        name: image.name,
        ownerId: image.ownerId,
        ...(image.ownerAlias ? { ownerAlias: image.ownerAlias } : {}),
        owned,
        trusted: isTrustedOwner(image, deps.config.trustedOwners, ownAccountId),
      },
      builtIn,
      ...(deep ? { deep } : {}),
      counts,
      verdict: verdict.verdict,
      blocking: verdict.blocking,
      deadlines: verdict.deadlines,
      noted: verdict.noted,
      complete,
      tags,
      ...(waived.length ? { waived } : {}),
      ...(reopened.length ? { reopened } : {}),
    };
  }

  /** The image's EBS snapshots: encryption from the image, public or not from the snapshot's permissions. */
  private async snapshots(account: AccountConfig, image: AmiImage): Promise<ScannedSnapshot[]> {
    const devices = image.blockDevices.filter((d) => d.snapshotId);
    const ids = devices.map((d) => d.snapshotId as string);
    const publicStatus = await new SnapshotPermissions(this.deps.aws).publicStatus(
      account,
      this.scan.region,
      ids,
      image.imageId,
    );
    return devices.map((d) => ({
      snapshotId: d.snapshotId as string,
      encrypted: d.encrypted === true,
      public: publicStatus.get(d.snapshotId as string),
    }));
  }

  /** Tags owned images with the scan date and verdict; never foreign ones. A failed tagging is reported, not fatal. */
  private async tag(
    account: AccountConfig,
    image: AmiImage,
    owned: boolean,
    now: Date,
    verdict: string,
  ): Promise<TagOutcome> {
    if (!owned) {
      return {
        written: false,
        reason: `the image belongs to account \`${image.ownerId}\`, and amibot only tags images its account owns`,
      };
    }
    const values = { [SCAN_DATE_TAG]: now.toISOString().slice(0, 10), [SCAN_VERDICT_TAG]: verdict };
    try {
      await this.deps.changes.setTags(account, this.scan.region, [image.imageId], values);
      return { written: true, values };
    } catch (err) {
      rethrowInterruption(err);
      const appErr = toAppError(err);
      if (appErr.retry && !this.isLastAttempt) throw err;
      return { written: false, reason: `tagging failed: ${appErr.userMessage}` };
    }
  }

  /**
   * Starts the state machine (once: the execution is named after the scan and recorded), polls it
   * with backoff until it ends or the configured timeout, and reads its output against the
   * contract. Whatever happens to the execution is a result, not an error; AWS errors worth
   * retrying are thrown while attempts remain.
   */
  private async deepScan(
    account: AccountConfig,
    stateMachineArn: string,
    accountId: string,
  ): Promise<DeepScanResult> {
    const { deps } = this;
    const cfg = deps.config.scan;
    const region = arnRegion(stateMachineArn) ?? this.scan.region;
    try {
      let execution = this.scan.execution;
      if (!execution) {
        const started = await deps.sfn.startExecution(account, region, stateMachineArn, this.scan.id, {
          imageId: this.scan.imageId,
          region: this.scan.region,
          accountId,
          requestId: this.scan.id,
        });
        execution = { arn: started.executionArn, startedAt: this.now().toISOString() };
        await this.save({ execution });
      }
      const startedAt = Date.parse(execution.startedAt);
      const deadline = startedAt + cfg.timeoutMinutes * 60_000;
      let delay = cfg.pollMs;
      for (;;) {
        const info = await deps.sfn.describeExecution(account, region, execution.arn);
        const elapsed = this.now().getTime() - startedAt;
        if (info.status !== 'RUNNING') return this.interpret(info, execution.arn, elapsed);
        if (this.now().getTime() >= deadline) {
          await deps.sfn
            .stopExecution(account, region, execution.arn, {
              error: 'amibot.ScanTimeout',
              cause: `No result after ${cfg.timeoutMinutes} minutes`,
            })
            .catch((err: unknown) => {
              deps.logger.warn('could not stop the timed-out deep scan', {
                scanId: this.scan.id,
                error: err,
              });
            });
          return {
            status: 'timed-out',
            executionArn: execution.arn,
            durationMs: elapsed,
            message: `no result after ${cfg.timeoutMinutes} minutes; amibot stopped the execution`,
          };
        }
        await this.progress({ builtInDone: true, deepStatus: info.status, deepElapsedMs: elapsed });
        await deps.sleep(delay);
        delay = Math.min(delay * 2, Math.max(cfg.pollMs, cfg.maxPollMs));
      }
    } catch (err) {
      rethrowInterruption(err);
      const appErr = toAppError(err);
      if (appErr.retry && !this.isLastAttempt) throw err;
      return {
        status: 'error',
        ...(this.scan.execution ? { executionArn: this.scan.execution.arn } : {}),
        message: appErr.userMessage,
      };
    }
  }

  private interpret(info: ExecutionInfo, executionArn: string, elapsedMs: number): DeepScanResult {
    const durationMs = info.stopDate ? info.stopDate.getTime() - info.startDate.getTime() : elapsedMs;
    const base = { executionArn, durationMs: Math.max(0, durationMs) };
    const why = [info.error, info.cause].filter(Boolean).join(': ').slice(0, 1000);
    switch (info.status) {
      case 'SUCCEEDED': {
        const parsed = parseDeepScanOutput(info.output);
        if (!parsed.ok) return { ...base, status: 'malformed', message: parsed.problems.join('; ') };
        return {
          ...base,
          status: 'succeeded',
          counts: parsed.output.counts,
          findings: parsed.output.findings,
        };
      }
      case 'FAILED':
        return { ...base, status: 'failed', message: why || 'the state machine reported no reason' };
      case 'TIMED_OUT':
        return { ...base, status: 'timed-out', message: why || "the state machine's own timeout ended it" };
      case 'ABORTED':
        return { ...base, status: 'aborted', message: why || 'the execution was stopped before it finished' };
      default:
        return {
          ...base,
          status: 'error',
          message: `the execution ended in an unexpected state (${info.status})`,
        };
    }
  }
}
