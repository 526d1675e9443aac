/**
 * Image scans: findings, severities, the acceptance policy and its verdict, the deep scanner's
 * output contract (docs/scan-contract.md) and the scan record kept in Redis. Pure.
 */
import { z } from 'zod';
import { isCronPattern } from './expiry-settings.js';
import type { FindingDiff, ReopenedFinding, WaivedFinding } from './findings.js';
import { ACCOUNT_ALIAS_RE, STATE_MACHINE_ARN_RE } from './ids.js';
import type { ImageOwner, RouteSource } from './reminders.js';
import type { MessageRef } from './request.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severities that count towards the verdict (`info` never does). */
export const GRADED_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type GradedSeverity = (typeof GRADED_SEVERITIES)[number];

export type SeverityCounts = Record<GradedSeverity, number>;

/** One problem the built-in checks found. */
export interface ScanFinding {
  /** Stable id of the check (`public-launch-permission`, `missing-tag:Team`, …). */
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  remediation: string;
}

// ---- acceptance policy --------------------------------------------------------------------------

/** What a finding of a severity means: it blocks use, must be fixed within N days, or is just noted. */
export const acceptanceRuleSchema = z.union([
  z.literal('block'),
  z.literal('note'),
  z.number().int().min(0).max(3650),
]);
export type AcceptanceRule = z.infer<typeof acceptanceRuleSchema>;

export const acceptanceSchema = z
  .object({
    critical: acceptanceRuleSchema.default('block'),
    high: acceptanceRuleSchema.default(7),
    medium: acceptanceRuleSchema.default(30),
    low: acceptanceRuleSchema.default('note'),
  })
  .strict();
export type Acceptance = z.infer<typeof acceptanceSchema>;

export const DEFAULT_ACCEPTANCE: Acceptance = { critical: 'block', high: 7, medium: 30, low: 'note' };

// ---- scheduled rescans: what a Critical finding does ----------------------------------------------

/** `notify`: say so in the image's channel; `deprecate` / `disable`: file that request for the image. */
export const CRITICAL_ACTIONS = ['notify', 'deprecate', 'disable'] as const;
export type CriticalAction = (typeof CRITICAL_ACTIONS)[number];

const criticalAction = z.enum(CRITICAL_ACTIONS, {
  error: (iss) => `must be one of notify, deprecate, disable, got ${JSON.stringify(iss.input)}`,
});

/** `onCritical: deprecate`, or per account: `onCritical: { default: notify, prod: disable }`. */
export const onCriticalSchema = z.union(
  [
    criticalAction,
    z.record(z.string().regex(ACCOUNT_ALIAS_RE, 'must be an account alias or "default"'), criticalAction),
  ],
  {
    error: (iss) =>
      `must be one of notify, deprecate, disable, or a map of account alias (or "default") to one of them, got ${JSON.stringify(iss.input)}`,
  },
);
export type OnCriticalSetting = z.infer<typeof onCriticalSchema>;

/** The action for an account: its own entry, else `default`, else `notify`. */
export function criticalActionFor(setting: OnCriticalSetting, accountAlias: string): CriticalAction {
  if (typeof setting === 'string') return setting;
  if (Object.hasOwn(setting, accountAlias)) return setting[accountAlias] as CriticalAction;
  return Object.hasOwn(setting, 'default') ? (setting.default as CriticalAction) : 'notify';
}

/** The `scan` section of the configuration (file `scan:`; `SCAN_STATE_MACHINE_ARN` in the environment). */
export const scanConfigSchema = z
  .object({
    /** Deep scan state machine; when set every scan also runs it. */
    stateMachineArn: z
      .string()
      .regex(STATE_MACHINE_ARN_RE, 'must be a Step Functions state machine ARN')
      .optional(),
    /** Images older than this many days get a medium finding. */
    maxAgeDays: z.number().int().min(1).max(3650).default(180),
    /** Tag keys every image should carry (a low finding per missing key). */
    requiredTags: z.array(z.string().min(1).max(128)).max(50).default([]),
    /** The deep scan is stopped and reported as timed out after this long. */
    timeoutMinutes: z.number().int().min(1).max(1440).default(60),
    /** First wait between DescribeExecution polls; doubles up to `maxPollMs`. */
    pollMs: z.number().int().min(10).max(600_000).default(10_000),
    maxPollMs: z.number().int().min(10).max(3_600_000).default(60_000),
    acceptance: acceptanceSchema.default(() => ({ ...DEFAULT_ACCEPTANCE })),
    /** When golden and recently launched images are scanned again (cron, UTC); unset: never. */
    schedule: z
      .string()
      .refine(isCronPattern, {
        error: (iss) =>
          `must be a cron pattern of 5 fields (minute hour day month weekday) such as "0 3 * * *", got ${JSON.stringify(iss.input)}`,
      })
      .optional(),
    /** Images launched within this many days are rescanned on the schedule (besides golden ones). */
    rescanLaunchedWithinDays: z.number().int().min(1).max(3650).default(30),
    /** Scans one scheduled run starts at most (golden images first, then the most recently launched). */
    maxRescansPerRun: z.number().int().min(1).max(10_000).default(200),
    /** What a new Critical finding of a scheduled rescan does: one action, or one per account alias. */
    onCritical: onCriticalSchema.default('notify'),
    /** Reminders of a finding's fix-by date: this many days before it (0: on the day). */
    reminderDays: z
      .array(z.number().int().min(0).max(365))
      .max(10)
      .default([7, 1, 0])
      .transform((days) => [...new Set([...days, 0])].sort((a, b) => b - a)),
    /** When finding deadlines are looked at (cron, UTC). */
    reminderCron: z
      .string()
      .refine(isCronPattern, { error: 'must be a cron pattern of 5 fields such as "15 * * * *"' })
      .default('15 * * * *'),
    /** A waiver lasts at most this many days. */
    maxWaiverDays: z.number().int().min(1).max(3650).default(365),
  })
  .strict();
export type ScanConfig = z.infer<typeof scanConfigSchema>;

export type Verdict = 'pass' | 'pass-with-deadlines' | 'fail';

export interface Deadline {
  severity: GradedSeverity;
  count: number;
  days: number;
  /** `YYYY-MM-DD` (UTC): now + days. */
  due: string;
}

export interface VerdictResult {
  verdict: Verdict;
  /** Severities whose findings block use. */
  blocking: Array<{ severity: GradedSeverity; count: number }>;
  deadlines: Deadline[];
  /** Severities that are only noted. */
  noted: Array<{ severity: GradedSeverity; count: number }>;
}

const DAY_MS = 86_400_000;

/** The verdict of a scan from its counts: any blocking finding fails, any finding with a deadline passes with deadlines. */
export function decideVerdict(counts: SeverityCounts, acceptance: Acceptance, now: Date): VerdictResult {
  const out: VerdictResult = { verdict: 'pass', blocking: [], deadlines: [], noted: [] };
  for (const severity of GRADED_SEVERITIES) {
    const count = counts[severity];
    if (count <= 0) continue;
    const rule = acceptance[severity];
    if (rule === 'block') out.blocking.push({ severity, count });
    else if (rule === 'note') out.noted.push({ severity, count });
    else {
      const due = new Date(now.getTime() + rule * DAY_MS).toISOString().slice(0, 10);
      out.deadlines.push({ severity, count, days: rule, due });
    }
  }
  if (out.blocking.length > 0) out.verdict = 'fail';
  else if (out.deadlines.length > 0) out.verdict = 'pass-with-deadlines';
  return out;
}

export function zeroCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

/** Counts of graded findings (info left out). */
export function countFindings(findings: ReadonlyArray<{ severity: Severity }>): SeverityCounts {
  const counts = zeroCounts();
  for (const f of findings) if (f.severity !== 'info') counts[f.severity]++;
  return counts;
}

export function addCounts(a: SeverityCounts, b: SeverityCounts): SeverityCounts {
  return {
    critical: a.critical + b.critical,
    high: a.high + b.high,
    medium: a.medium + b.medium,
    low: a.low + b.low,
  };
}

// ---- deep scan output contract (docs/scan-contract.md) -----------------------------------------

export const DEEP_FINDINGS_MAX = 50;

const count = z.number().int().min(0).max(1_000_000);

export const deepFindingSchema = z.object({
  id: z.string().min(1).max(200),
  severity: z.enum(GRADED_SEVERITIES),
  title: z.string().min(1).max(500),
  detail: z.string().max(2000).optional(),
  package: z.string().max(200).optional(),
  fixedIn: z.string().max(200).optional(),
});
export type DeepFinding = z.infer<typeof deepFindingSchema>;

export const deepScanOutputSchema = z
  .object({
    counts: z.object({ critical: count, high: count, medium: count, low: count }),
    findings: z.array(deepFindingSchema).max(DEEP_FINDINGS_MAX),
  })
  .superRefine((out, ctx) => {
    const listed = countFindings(out.findings);
    for (const s of GRADED_SEVERITIES) {
      if (listed[s] > out.counts[s]) {
        ctx.addIssue({
          code: 'custom',
          path: ['counts', s],
          message: `is ${out.counts[s]} but ${listed[s]} ${s} findings are listed`,
        });
      }
    }
  });
export type DeepScanOutput = z.infer<typeof deepScanOutputSchema>;

/** Validates a deep scan's output against the contract; problems are readable one-liners. */
export function parseDeepScanOutput(
  raw: unknown,
): { ok: true; output: DeepScanOutput } | { ok: false; problems: string[] } {
  if (typeof raw === 'string') return { ok: false, problems: ['the output is not JSON'] };
  const res = deepScanOutputSchema.safeParse(raw);
  if (res.success) return { ok: true, output: res.data };
  return {
    ok: false,
    problems: res.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`),
  };
}

export type DeepScanStatus =
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'aborted'
  | 'malformed'
  | 'error'
  | 'not-configured';

/** What became of the deep scan. Only `succeeded` carries counts and findings. */
export interface DeepScanResult {
  status: DeepScanStatus;
  executionArn?: string;
  /** Why it did not succeed, in words. */
  message?: string;
  durationMs?: number;
  counts?: SeverityCounts;
  findings?: DeepFinding[];
}

// ---- the scan record ----------------------------------------------------------------------------

export type ScanState = 'queued' | 'running' | 'done' | 'failed';

export interface ScanProgress {
  builtInDone: boolean;
  /** Step Functions status while the deep scan runs (`RUNNING`). */
  deepStatus?: string;
  deepElapsedMs?: number;
}

export type TagOutcome =
  | { written: true; values: Record<string, string> }
  | { written: false; reason: string };

export interface ScanReport {
  finishedAt: string;
  image: { name: string; ownerId: string; ownerAlias?: string; owned: boolean; trusted: boolean };
  builtIn: ScanFinding[];
  deep?: DeepScanResult;
  /** Built-in and deep counts together. */
  counts: SeverityCounts;
  verdict: Verdict;
  blocking: VerdictResult['blocking'];
  deadlines: Deadline[];
  noted: VerdictResult['noted'];
  /** False when a deep scan was meant to run but gave no usable result. */
  complete: boolean;
  tags: TagOutcome;
  /** Findings under an approved waiver: shown, not counted in `counts` and the verdict. */
  waived?: WaivedFinding[];
  /** Findings whose waiver ended since the last scan: counted again. */
  reopened?: ReopenedFinding[];
}

export interface ScanRecord {
  id: string;
  imageId: string;
  imageName?: string;
  /** Account alias. */
  account: string;
  region: string;
  requester: string;
  /** Where the scan was asked for (its message lives there). */
  channel: string;
  /** `--deep` was given. */
  deep: boolean;
  state: ScanState;
  createdAt: string;
  updatedAt: string;
  message?: MessageRef;
  progress?: ScanProgress;
  /** The deep scan's execution, recorded as soon as it starts so a retried job resumes polling. */
  execution?: { arn: string; startedAt: string };
  report?: ScanReport;
  /** Why the scan failed, in words. */
  error?: string;
  /** Started by the rescan schedule (`scan.schedule`): no message of its own; new findings are posted in `channel`. */
  scheduled?: boolean;
  /** Scheduled scans: how `channel` was chosen (as expiry reminders route) and the image's owner. */
  routeSource?: RouteSource;
  owner?: ImageOwner;
  /** What happened after the report: the image's finding ledger updated, new findings announced. */
  followUp?: { at: string; diff?: FindingDiff; notice?: string };
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newScanId(randomBytes: (n: number) => Uint8Array): string {
  let id = 'scan-';
  for (const b of randomBytes(10)) id += ID_ALPHABET[b % 36];
  return id;
}

/** Tag keys written on owned images after a scan. */
export const SCAN_DATE_TAG = 'amibot:scan-date';
export const SCAN_VERDICT_TAG = 'amibot:scan-verdict';

/** The verdict tag's value: the verdict, or `incomplete` when the deep scan gave no result and nothing failed. */
export function verdictTagValue(report: Pick<ScanReport, 'verdict' | 'complete'>): string {
  return report.complete || report.verdict === 'fail' ? report.verdict : 'incomplete';
}
