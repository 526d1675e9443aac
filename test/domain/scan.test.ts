import { describe, expect, it } from 'vitest';
import { SCAN_ID_RE } from '../../src/domain/ids.js';
import {
  acceptanceSchema,
  countFindings,
  DEFAULT_ACCEPTANCE,
  decideVerdict,
  newScanId,
  parseDeepScanOutput,
  type SeverityCounts,
  scanConfigSchema,
  verdictTagValue,
} from '../../src/domain/scan.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const counts = (c: Partial<SeverityCounts>): SeverityCounts => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  ...c,
});

describe('decideVerdict (default acceptance)', () => {
  it.each([
    [{}, 'pass', 0],
    [{ low: 4 }, 'pass', 0],
    [{ medium: 1 }, 'pass-with-deadlines', 1],
    [{ high: 2, medium: 1, low: 1 }, 'pass-with-deadlines', 2],
    [{ critical: 1 }, 'fail', 0],
    [{ critical: 1, high: 1 }, 'fail', 1],
  ] as const)('%j → %s with %i deadline(s)', (c, verdict, deadlines) => {
    const v = decideVerdict(counts(c), DEFAULT_ACCEPTANCE, NOW);
    expect(v.verdict).toBe(verdict);
    expect(v.deadlines).toHaveLength(deadlines);
  });

  it('dates the deadlines from now and lists blocking and noted severities', () => {
    const v = decideVerdict(counts({ critical: 1, high: 2, medium: 3, low: 4 }), DEFAULT_ACCEPTANCE, NOW);
    expect(v.blocking).toEqual([{ severity: 'critical', count: 1 }]);
    expect(v.deadlines).toEqual([
      { severity: 'high', count: 2, days: 7, due: '2026-12-03' },
      { severity: 'medium', count: 3, days: 30, due: '2026-12-26' },
    ]);
    expect(v.noted).toEqual([{ severity: 'low', count: 4 }]);
  });

  it('follows a configured acceptance policy', () => {
    const strict = acceptanceSchema.parse({ high: 'block', low: 90 });
    expect(strict).toEqual({ critical: 'block', high: 'block', medium: 30, low: 90 });
    expect(decideVerdict(counts({ high: 1 }), strict, NOW).verdict).toBe('fail');
    expect(decideVerdict(counts({ low: 1 }), strict, NOW).deadlines[0]?.due).toBe('2027-02-24');
  });
});

describe('scan config', () => {
  it('has the documented defaults', () => {
    const cfg = scanConfigSchema.parse({});
    expect(cfg).toMatchObject({
      maxAgeDays: 180,
      requiredTags: [],
      timeoutMinutes: 60,
      acceptance: { critical: 'block', high: 7, medium: 30, low: 'note' },
    });
    expect(cfg.stateMachineArn).toBeUndefined();
  });

  it.each([
    [{ stateMachineArn: 'arn:aws:states:us-east-1:111111111111:execution:x:y' }],
    [{ acceptance: { critical: 'warn' } }],
    [{ acceptance: { extra: 1 } }],
    [{ unknown: true }],
    [{ timeoutMinutes: 0 }],
  ])('rejects %j', (raw) => {
    expect(scanConfigSchema.safeParse(raw).success).toBe(false);
  });
});

describe('deep scan output contract', () => {
  const ok = {
    counts: { critical: 1, high: 3, medium: 0, low: 7 },
    findings: [
      {
        id: 'CVE-2026-0001',
        severity: 'critical',
        title: 'openssl RCE',
        package: 'openssl',
        fixedIn: '3.0.15',
      },
      { id: 'CVE-2026-0002', severity: 'high', title: 'sudo escalation', detail: 'long text' },
    ],
    extraField: 'ignored',
  };

  it('accepts valid output', () => {
    const res = parseDeepScanOutput(ok);
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.output.findings).toHaveLength(2);
  });

  it.each([
    ['not JSON', 'Traceback (most recent call last)'],
    ['null', null],
    ['no counts', { findings: [] }],
    ['negative count', { counts: { critical: -1, high: 0, medium: 0, low: 0 }, findings: [] }],
    ['unknown severity', { ...ok, findings: [{ id: 'x', severity: 'urgent', title: 't' }] }],
    ['finding without title', { ...ok, findings: [{ id: 'x', severity: 'low' }] }],
    [
      'more than 50 findings',
      {
        counts: { critical: 0, high: 0, medium: 0, low: 51 },
        findings: Array.from({ length: 51 }, (_, i) => ({ id: `f${i}`, severity: 'low', title: 't' })),
      },
    ],
    [
      'counts below the findings listed',
      {
        counts: { critical: 0, high: 0, medium: 0, low: 0 },
        findings: [{ id: 'x', severity: 'low', title: 't' }],
      },
    ],
  ])('reports malformed output: %s', (_label, raw) => {
    const res = parseDeepScanOutput(raw);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problems.length).toBeGreaterThan(0);
  });
});

describe('helpers', () => {
  it('makes scan ids that fit the job schema', () => {
    const id = newScanId((n) => new Uint8Array(n).map((_, i) => i * 37));
    expect(id).toMatch(SCAN_ID_RE);
  });

  it('counts graded findings only', () => {
    expect(countFindings([{ severity: 'info' }, { severity: 'low' }, { severity: 'low' }])).toEqual(
      counts({ low: 2 }),
    );
  });

  it.each([
    ['pass', true, 'pass'],
    ['pass', false, 'incomplete'],
    ['pass-with-deadlines', false, 'incomplete'],
    ['fail', false, 'fail'],
  ] as const)('tags verdict %s (complete %s) as %s', (verdict, complete, tag) => {
    expect(verdictTagValue({ verdict, complete })).toBe(tag);
  });
});
