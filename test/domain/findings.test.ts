import { describe, expect, it } from 'vitest';
import {
  applyWaivers,
  countsWithoutWaived,
  effectiveDue,
  type FindingLedger,
  type FindingRef,
  findingsOf,
  fixByFor,
  nextFindings,
  type Waiver,
} from '../../src/domain/findings.js';
import { DEFAULT_ACCEPTANCE, type ScanFinding } from '../../src/domain/scan.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const LATER = new Date('2026-11-27T12:00:00Z');

const builtIn = (id: string, severity: ScanFinding['severity']): ScanFinding => ({
  id,
  severity,
  title: id,
  detail: '',
  remediation: '',
});

function ledger(findings: FindingRef[], at = NOW): FindingLedger {
  const next = nextFindings(undefined, findings, {
    now: at,
    acceptance: DEFAULT_ACCEPTANCE,
    deepComplete: true,
  });
  return {
    account: 'a',
    region: 'r',
    imageId: 'ami-1',
    lastScanId: 'scan-1',
    lastScanAt: at.toISOString(),
    findings: next.findings,
  };
}

describe('finding ids', () => {
  it('are the check id for built-ins and the scanner’s id for deep findings; info never counts', () => {
    const refs = findingsOf([builtIn('no-ena', 'low'), builtIn('public-launch-permission', 'info')], {
      status: 'succeeded',
      counts: { critical: 0, high: 2, medium: 0, low: 0 },
      findings: [
        { id: 'CVE-1', severity: 'high', title: 't' },
        { id: 'no-ena', severity: 'high', title: 'a deep id like a built-in one' },
        { id: 'CVE-1', severity: 'high', title: 'listed twice' },
      ],
    });
    expect(refs.map((r) => `${r.source}:${r.id}`)).toEqual([
      'built-in:no-ena',
      'deep:CVE-1',
      'deep:deep:no-ena',
    ]);
  });

  it('leave a failed deep scan out', () => {
    expect(findingsOf([], { status: 'failed', message: 'x' })).toEqual([]);
  });
});

describe('fix-by dates', () => {
  it.each([
    ['critical', { kind: 'block' }],
    ['high', { kind: 'date', days: 7, due: '2026-12-03T12:00:00.000Z' }],
    ['medium', { kind: 'date', days: 30, due: '2026-12-26T12:00:00.000Z' }],
    ['low', { kind: 'note' }],
  ] as const)('%s', (severity, expected) => {
    expect(fixByFor(severity, DEFAULT_ACCEPTANCE, NOW)).toEqual(expected);
  });
});

describe('what is new', () => {
  const a: FindingRef = { id: 'CVE-A', source: 'deep', severity: 'high', title: 'a' };
  const b: FindingRef = { id: 'CVE-B', source: 'deep', severity: 'medium', title: 'b' };
  const c: FindingRef = { id: 'no-ena', source: 'built-in', severity: 'low', title: 'c' };
  const opts = { now: LATER, acceptance: DEFAULT_ACCEPTANCE, deepComplete: true };

  it('everything, the first time', () => {
    const r = nextFindings(undefined, [a, c], opts);
    expect(r.diff).toMatchObject({ first: true, resolved: [] });
    expect(r.diff.added.map((f) => f.id)).toEqual(['CVE-A', 'no-ena']);
  });

  it('only what the previous scan did not have; the rest keeps its first sighting and date', () => {
    const r = nextFindings(ledger([a, c]), [a, b], opts);
    expect(r.diff.added.map((f) => f.id)).toEqual(['CVE-B']);
    expect(r.diff.resolved.map((f) => f.id)).toEqual(['no-ena']);
    expect(r.findings['CVE-A']).toMatchObject({
      firstSeen: NOW.toISOString(),
      due: '2026-12-03T12:00:00.000Z',
    });
    expect(r.findings['CVE-B']).toMatchObject({
      firstSeen: LATER.toISOString(),
      due: '2026-12-27T12:00:00.000Z',
    });
  });

  it('carries deep findings over when the deep scan gave nothing this time', () => {
    const r = nextFindings(ledger([a, c]), [c], { ...opts, deepComplete: false });
    expect(r.diff.added).toEqual([]);
    expect(r.diff.resolved).toEqual([]);
    expect(Object.keys(r.findings).sort()).toEqual(['CVE-A', 'no-ena']);
  });

  it('keeps a hostile id as an ordinary own key', () => {
    const evil: FindingRef = { id: '__proto__', source: 'deep', severity: 'high', title: 'x' };
    const r = nextFindings(undefined, [evil], opts);
    expect(Object.hasOwn(r.findings, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(r.findings)).toBe(Object.prototype);
    expect(
      Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(r.findings)), '__proto__')?.value.id,
    ).toBe('__proto__');
  });
});

describe('waivers', () => {
  const waiver = (findingId: string, until: string, extra: Partial<Waiver> = {}): Waiver => ({
    account: 'a',
    region: 'r',
    imageId: 'ami-1',
    findingId,
    severity: 'medium',
    title: 't',
    until,
    reason: 'why',
    requestId: 'req-abcdef',
    requester: 'U1',
    approvers: ['U2'],
    grantedAt: NOW.toISOString(),
    ...extra,
  });
  const found: FindingRef[] = [
    { id: 'CVE-A', source: 'deep', severity: 'medium', title: 'a' },
    { id: 'CVE-B', source: 'deep', severity: 'high', title: 'b' },
  ];

  it('waives until the date, then re-opens once', () => {
    const active = applyWaivers(found, [waiver('CVE-A', '2026-12-01T00:00:00Z')], NOW);
    expect(active.waived.map((w) => w.id)).toEqual(['CVE-A']);
    expect(active.reopened).toEqual([]);
    const ended = applyWaivers(found, [waiver('CVE-A', '2026-11-20T00:00:00Z')], NOW);
    expect(ended).toMatchObject({
      waived: [],
      reopened: [{ id: 'CVE-A', waiverEnded: '2026-11-20T00:00:00Z' }],
    });
    const reported = applyWaivers(
      found,
      [waiver('CVE-A', '2026-11-20T00:00:00Z', { reopenedIn: 'scan-2' })],
      NOW,
    );
    expect(reported).toEqual({ waived: [], reopened: [] });
  });

  it('takes waived findings out of the counts, never below zero', () => {
    expect(
      countsWithoutWaived({ critical: 1, high: 3, medium: 0, low: 0 }, [
        { severity: 'high' },
        { severity: 'medium' },
      ]),
    ).toEqual({ critical: 1, high: 2, medium: 0, low: 0 });
  });

  it('moves the fix-by date to the end of a later waiver', () => {
    expect(effectiveDue({ due: '2026-12-01T00:00:00.000Z' }, waiver('x', '2026-12-10T00:00:00.000Z'))).toBe(
      '2026-12-10T00:00:00.000Z',
    );
    expect(effectiveDue({ due: '2026-12-01T00:00:00.000Z' }, waiver('x', '2026-11-10T00:00:00.000Z'))).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(effectiveDue({}, undefined)).toBeUndefined();
  });
});
