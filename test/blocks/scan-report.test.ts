import { describe, expect, it } from 'vitest';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import {
  describeProgress,
  formatElapsed,
  renderScanMessage,
  renderScanStarted,
} from '../../src/blocks/scan-report.js';
import {
  type DeepFinding,
  type ScanFinding,
  type ScanRecord,
  type ScanReport,
  SEVERITIES,
} from '../../src/domain/scan.js';
import { allText } from './fixtures.js';

const NOW = new Date('2026-11-26T12:00:00Z');

function scan(overrides: Partial<ScanRecord> = {}): ScanRecord {
  return {
    id: 'scan-abc123def4',
    imageId: 'ami-0123456789abcdef0',
    imageName: 'golden-base',
    account: 'prod',
    region: 'us-east-1',
    requester: 'UREQ1',
    channel: 'COPS',
    deep: false,
    state: 'queued',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  };
}

function report(overrides: Partial<ScanReport> = {}): ScanReport {
  return {
    finishedAt: NOW.toISOString(),
    image: { name: 'golden-base', ownerId: '111111111111', owned: true, trusted: true },
    builtIn: [],
    counts: { critical: 0, high: 0, medium: 0, low: 0 },
    verdict: 'pass',
    blocking: [],
    deadlines: [],
    noted: [],
    complete: true,
    tags: { written: true, values: { 'amibot:scan-date': '2026-11-26', 'amibot:scan-verdict': 'pass' } },
    ...overrides,
  };
}

function finding(i: number, severity = SEVERITIES[i % SEVERITIES.length]!): ScanFinding {
  return {
    id: `check-${i}`,
    severity,
    title: `Finding number ${i} <with> *markup* & more ${'x'.repeat(i % 7 === 0 ? 400 : 10)}`,
    detail: `Detail ${i} `.repeat(i % 5 === 0 ? 200 : 3),
    remediation: `Fix ${i}`,
  };
}

function deepFinding(i: number): DeepFinding {
  const severity = (['critical', 'high', 'medium', 'low'] as const)[i % 4]!;
  return {
    id: `CVE-2026-${String(i).padStart(5, '0')}`,
    severity,
    title: `Vulnerability ${i} in a package with a long name ${'y'.repeat(i % 3 === 0 ? 300 : 5)}`,
    package: `pkg-${i}`,
    fixedIn: `1.${i}.0`,
    detail: i % 2 ? 'Long explanation '.repeat(50) : undefined,
  };
}

describe('renderScanMessage', () => {
  it('shows a queued and a running scan with its progress', () => {
    const queued = renderScanMessage({ scan: scan() });
    expect(assertWithinSlackLimits(queued)).toEqual([]);
    expect(allText(queued)).toContain('queued');
    expect(allText(queued)).toContain('`scan-abc123def4`');

    const running = renderScanMessage({
      scan: scan({
        state: 'running',
        progress: { builtInDone: true, deepStatus: 'RUNNING', deepElapsedMs: 125_000 },
      }),
    });
    expect(assertWithinSlackLimits(running)).toEqual([]);
    expect(allText(running)).toContain('built-in checks done, deep scan running (state RUNNING, 2m)');
  });

  it('shows a failed scan with its reason', () => {
    const msg = renderScanMessage({
      scan: scan({ state: 'failed', error: 'amibot is not allowed to do that' }),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toContain('Scan failed');
    expect(allText(msg)).toContain('amibot is not allowed to do that');
  });

  it('shows a passing report', () => {
    const msg = renderScanMessage({ scan: scan({ state: 'done', report: report() }) });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(msg.blocks[0]).toMatchObject({ type: 'header' });
    const t = allText(msg);
    expect(t).toContain('✅ Scan passed');
    expect(t).toContain('nothing found');
    expect(t).toContain('amibot:scan-verdict=pass');
  });

  it('shows a failing report with counts, grouped findings, deadlines and the deep scan', () => {
    const builtIn = [finding(1, 'critical'), finding(2, 'high'), finding(3, 'low'), finding(4, 'info')];
    const msg = renderScanMessage({
      scan: scan({
        state: 'done',
        report: report({
          builtIn,
          counts: { critical: 2, high: 1, medium: 0, low: 1 },
          verdict: 'fail',
          blocking: [{ severity: 'critical', count: 2 }],
          deadlines: [{ severity: 'high', count: 1, days: 7, due: '2026-12-03' }],
          noted: [{ severity: 'low', count: 1 }],
          deep: {
            status: 'succeeded',
            durationMs: 240_000,
            counts: { critical: 1, high: 0, medium: 0, low: 0 },
            findings: [deepFinding(0)],
          },
          tags: { written: false, reason: 'the image belongs to account `099720109477`' },
        }),
      }),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    for (const s of [
      '⛔ Scan failed: ami-0123456789abcdef0',
      'Blocked',
      '*Built-in — critical* (1)',
      '*Built-in — info* (1)',
      'fix by *2026-12-03* (7 days)',
      'blocks use',
      'noted',
      'Deep scan finished',
      'CVE-2026-00000',
      '`openssl`'.replace('openssl', 'pkg-0'),
      'fixed in `1.0.0`',
      'Not tagged',
      '&lt;with&gt;',
    ]) {
      expect(t).toContain(s);
    }
    expect(msg.text).toContain('critical 2');
  });

  it.each([
    ['failed', 'Deep scan failed', 'States.TaskFailed: scanner crashed'],
    ['timed-out', 'Deep scan timed out', 'no result after 60 minutes; amibot stopped the execution'],
    ['aborted', 'Deep scan was aborted', 'stopped by an operator'],
    ['malformed', 'cannot read', 'counts.high is 0 but 2 high findings are listed'],
    ['error', 'could not run', 'The state machine does not exist'],
    ['not-configured', 'not configured', undefined],
  ] as const)('renders a %s deep scan', (status, headline, reason) => {
    const msg = renderScanMessage({
      scan: scan({
        state: 'done',
        report: report({
          complete: status === 'not-configured',
          deep: { status, message: reason, durationMs: 60_000 },
        }),
      }),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain(headline);
    if (reason) expect(t).toContain(reason);
    if (status !== 'not-configured') expect(t).toContain('rests on the built-in checks only');
  });

  it('stays within Slack limits with 200 built-in and 200 deep findings', () => {
    const builtIn = Array.from({ length: 200 }, (_, i) => finding(i));
    const findings = Array.from({ length: 200 }, (_, i) => deepFinding(i));
    const msg = renderScanMessage({
      scan: scan({
        state: 'done',
        imageName: 'n'.repeat(500),
        report: report({
          builtIn,
          counts: { critical: 90, high: 90, medium: 90, low: 90 },
          verdict: 'fail',
          blocking: [{ severity: 'critical', count: 90 }],
          deadlines: [
            { severity: 'high', count: 90, days: 7, due: '2026-12-03' },
            { severity: 'medium', count: 90, days: 30, due: '2026-12-26' },
          ],
          noted: [{ severity: 'low', count: 90 }],
          deep: { status: 'succeeded', counts: { critical: 60, high: 60, medium: 60, low: 60 }, findings },
        }),
      }),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    const t = allText(msg);
    expect(t).toMatch(/\+\d+ more critical findings not shown/);
    expect(t).toContain('50 of 60 listed');
    // The footer survives: the message was not cut by the 50-block fallback.
    expect(t).toContain('requested by <@UREQ1>');
  });
});

describe('renderScanStarted', () => {
  it('says where the report will appear', () => {
    const msg = renderScanStarted({ scan: scan(), deepConfigured: true });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toContain('<#COPS>');
    expect(allText(msg)).toContain('deep scan runs too');
  });

  it('warns when --deep is asked for without a deep scanner', () => {
    const msg = renderScanStarted({ scan: scan({ deep: true }), deepConfigured: false });
    expect(allText(msg)).toContain('no deep scanner is configured');
  });
});

describe('progress helpers', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [125_000, '2m'],
    [3_600_000, '1h'],
    [3_900_000, '1h 5m'],
  ])('formatElapsed(%i) = %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('describes each phase', () => {
    expect(describeProgress(undefined, 'queued')).toBe('queued');
    expect(describeProgress({ builtInDone: false }, 'running')).toBe('running built-in checks');
    expect(describeProgress({ builtInDone: true }, 'running')).toBe('built-in checks done');
  });
});
