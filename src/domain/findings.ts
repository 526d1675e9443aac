/**
 * Findings across scans of one image: their stable ids, what is new since the previous scan,
 * their fix-by dates (from `scan.acceptance`), and waivers (a finding accepted until a date: shown,
 * not counted; counted again, and reported as re-opened, once the waiver ends). Pure.
 *
 * A finding's id is stable across scans of the same image: a built-in finding is its check's id
 * (`unencrypted-snapshot`, `missing-tag:Team`), the image being the subject; a deep-scan finding is
 * the deep scanner's own id (`CVE-2026-12345`), or `deep:<id>` when that equals a built-in id.
 */
import type { ImageOwner, RouteSource } from './reminders.js';
import {
  type Acceptance,
  type DeepScanResult,
  GRADED_SEVERITIES,
  type GradedSeverity,
  type ScanFinding,
  type SeverityCounts,
} from './scan.js';

const DAY_MS = 86_400_000;

/** Sets an own property, whatever the key (a deep scanner's id may be `__proto__`). */
function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An own property or undefined (never one inherited from Object.prototype). */
export function ownFinding<T>(o: Record<string, T> | undefined, key: string): T | undefined {
  return o && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** One graded finding of a scan, under its stable id. */
export interface FindingRef {
  id: string;
  source: 'built-in' | 'deep';
  severity: GradedSeverity;
  title: string;
}

/** The graded findings of a scan (built-in checks, and the deep scan's listed findings). */
export function findingsOf(builtIn: readonly ScanFinding[], deep: DeepScanResult | undefined): FindingRef[] {
  const out: FindingRef[] = [];
  const builtInIds = new Set<string>();
  for (const f of builtIn) {
    if (f.severity === 'info') continue;
    builtInIds.add(f.id);
    out.push({ id: f.id, source: 'built-in', severity: f.severity, title: f.title });
  }
  if (deep?.status === 'succeeded') {
    const seen = new Set<string>();
    for (const f of deep.findings ?? []) {
      const id = builtInIds.has(f.id) ? `deep:${f.id}` : f.id;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, source: 'deep', severity: f.severity, title: f.title });
    }
  }
  return out;
}

/** What a finding's severity asks for: blocks use, must be fixed by a date, or is only noted. */
export type FixBy = { kind: 'block' } | { kind: 'date'; due: string; days: number } | { kind: 'note' };

export function fixByFor(severity: GradedSeverity, acceptance: Acceptance, from: Date): FixBy {
  const rule = acceptance[severity];
  if (rule === 'block') return { kind: 'block' };
  if (rule === 'note') return { kind: 'note' };
  return { kind: 'date', days: rule, due: new Date(from.getTime() + rule * DAY_MS).toISOString() };
}

// ---- the ledger: an image's findings as of its last scan ------------------------------------------

export interface LedgerFinding extends FindingRef {
  /** ISO 8601: the scan that first found it. */
  firstSeen: string;
  /** ISO 8601 fix-by date, for severities with a deadline. */
  due?: string;
  /** The severity blocks use. */
  blocks?: boolean;
}

export interface FindingLedger {
  account: string;
  region: string;
  imageId: string;
  imageName?: string;
  lastScanId: string;
  /** ISO 8601: when that scan finished. */
  lastScanAt: string;
  /** Open findings (in the last scan, or carried over from before when its deep scan gave no result). */
  findings: Record<string, LedgerFinding>;
  /** What the last scan changed (kept so a repeated follow-up of the same scan says the same). */
  lastDiff?: FindingDiff;
  /** Where the image's findings are announced (set by scheduled scans, routed like expiry reminders). */
  channel?: string;
  routeSource?: RouteSource;
  owner?: ImageOwner;
}

export interface FindingDiff {
  /** Not in the previous scan of the image. */
  added: LedgerFinding[];
  /** In the previous scan, not in this one. */
  resolved: LedgerFinding[];
  /** Whether this image had a scan before. */
  first: boolean;
}

/**
 * The image's open findings after a scan, and what changed since the previous one. Findings seen
 * before keep their first sighting and fix-by date. When the deep scan gave no usable result this
 * time (`deepComplete` false), the previous deep findings are carried over: not being able to look
 * is not the same as the finding being fixed.
 */
export function nextFindings(
  previous: FindingLedger | undefined,
  current: readonly FindingRef[],
  opts: { now: Date; acceptance: Acceptance; deepComplete: boolean },
): { findings: Record<string, LedgerFinding>; diff: FindingDiff } {
  const before = previous?.findings ?? {};
  const findings: Record<string, LedgerFinding> = {};
  const added: LedgerFinding[] = [];
  for (const f of current) {
    const old = ownFinding(before, f.id);
    if (old) {
      setOwn(findings, f.id, { ...old, severity: f.severity, title: f.title, source: f.source });
      continue;
    }
    const fix = fixByFor(f.severity, opts.acceptance, opts.now);
    const entry: LedgerFinding = {
      ...f,
      firstSeen: opts.now.toISOString(),
      ...(fix.kind === 'date' ? { due: fix.due } : {}),
      ...(fix.kind === 'block' ? { blocks: true } : {}),
    };
    setOwn(findings, f.id, entry);
    if (previous) added.push(entry);
  }
  const resolved: LedgerFinding[] = [];
  for (const [id, old] of Object.entries(before)) {
    if (Object.hasOwn(findings, id)) continue;
    if (old.source === 'deep' && !opts.deepComplete) setOwn(findings, id, old);
    else resolved.push(old);
  }
  // The first scan of an image has no "previous": everything it found is new.
  const first = previous === undefined;
  return {
    findings,
    diff: { added: first ? Object.values(findings) : added, resolved, first },
  };
}

// ---- waivers ---------------------------------------------------------------------------------------

export interface Waiver {
  account: string;
  region: string;
  imageId: string;
  findingId: string;
  severity: GradedSeverity;
  title: string;
  /** ISO 8601: the finding counts again from then. */
  until: string;
  reason: string;
  /** The `waive` request that granted it, who asked and who approved. */
  requestId: string;
  requester: string;
  approvers: string[];
  grantedAt: string;
  /** The scan that first reported the finding re-opened after the waiver ended. */
  reopenedIn?: string;
}

export interface WaivedFinding {
  id: string;
  severity: GradedSeverity;
  title: string;
  until: string;
  reason: string;
  requestId: string;
}

export interface ReopenedFinding {
  id: string;
  severity: GradedSeverity;
  title: string;
  /** When the waiver ended. */
  waiverEnded: string;
  requestId: string;
}

export function isActiveWaiver(w: Pick<Waiver, 'until'>, now: Date): boolean {
  const t = Date.parse(w.until);
  return !Number.isNaN(t) && t > now.getTime();
}

/**
 * Which findings of a scan are waived now, and which come back because their waiver ended (each
 * reported re-opened once: by the first scan after the end).
 */
export function applyWaivers(
  findings: readonly FindingRef[],
  waivers: readonly Waiver[],
  now: Date,
): { waived: WaivedFinding[]; reopened: ReopenedFinding[] } {
  const byId = new Map(waivers.map((w) => [w.findingId, w]));
  const waived: WaivedFinding[] = [];
  const reopened: ReopenedFinding[] = [];
  for (const f of findings) {
    const w = byId.get(f.id);
    if (!w) continue;
    if (isActiveWaiver(w, now)) {
      waived.push({
        id: f.id,
        severity: f.severity,
        title: f.title,
        until: w.until,
        reason: w.reason,
        requestId: w.requestId,
      });
    } else if (!w.reopenedIn) {
      reopened.push({
        id: f.id,
        severity: f.severity,
        title: f.title,
        waiverEnded: w.until,
        requestId: w.requestId,
      });
    }
  }
  return { waived, reopened };
}

/**
 * The counts a verdict is decided on, waived findings taken out (a deep count covers unlisted
 * findings too, so only the listed, waived ones are subtracted).
 */
export function countsWithoutWaived(
  counts: SeverityCounts,
  waived: ReadonlyArray<Pick<WaivedFinding, 'severity'>>,
): SeverityCounts {
  const out = { ...counts };
  for (const w of waived) out[w.severity] = Math.max(0, out[w.severity] - 1);
  return out;
}

/** The fix-by date reminders follow: the later of the finding's own and its waiver's end. */
export function effectiveDue(
  finding: Pick<LedgerFinding, 'due'>,
  waiver: Pick<Waiver, 'until'> | undefined,
): string | undefined {
  if (!finding.due) return undefined;
  if (!waiver) return finding.due;
  return Date.parse(waiver.until) > Date.parse(finding.due) ? waiver.until : finding.due;
}

/** Most severe first, then by id. */
export function bySeverity<T extends { severity: GradedSeverity; id: string }>(a: T, b: T): number {
  const rank = (s: GradedSeverity) => GRADED_SEVERITIES.indexOf(s);
  return rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
