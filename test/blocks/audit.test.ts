import { describe, expect, it } from 'vitest';
import { auditLine, renderAuditEntries } from '../../src/blocks/audit.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { AuditEntry } from '../../src/domain/audit.js';
import { NOW } from '../domain/request-fixtures.js';
import { allText, nasty } from './fixtures.js';

const entries: AuditEntry[] = [
  {
    id: '3-0',
    at: '2026-11-21T11:00:00Z',
    actor: 'amibot',
    action: 'job.succeeded',
    target: 'req-k3j9x0a2b1',
    requestId: 'req-k3j9x0a2b1',
    imageId: 'ami-0abc1234def567890',
    account: 'prod',
    region: 'us-east-1',
    result: 'ok',
    detail: 'shared with 1 account',
  },
  {
    id: '2-0',
    at: '2026-11-21T10:00:00Z',
    actor: 'UALICE01',
    action: 'request.approved',
    target: 'req-k3j9x0a2b1',
    result: 'ok',
  },
  {
    id: '1-0',
    at: '2026-11-21T09:00:00Z',
    actor: 'UEVE0001',
    action: 'request.refused',
    target: 'ami-0abc1234def567890',
    result: 'refused',
    detail: 'not a requester',
  },
];

describe('renderAuditEntries', () => {
  it('renders one line per entry, in the given order', () => {
    const msg = renderAuditEntries({ entries, target: 'ami-0abc1234def567890', now: NOW });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain('*Audit trail for `ami-0abc1234def567890`* · 3 entries, newest first');
    expect(t).toContain(
      '`2026-11-21 11:00 UTC` ✅ `job.succeeded` by 🤖 amibot (1 h ago) · `req-k3j9x0a2b1` · `ami-0abc1234def567890` · prod/us-east-1 — shared with 1 account',
    );
    expect(t).toContain(
      '`2026-11-21 10:00 UTC` ✅ `request.approved` by <@UALICE01> (2 h ago) · `req-k3j9x0a2b1`',
    );
    expect(t).toContain(
      '🚫 `request.refused` by <@UEVE0001> (3 h ago) · `ami-0abc1234def567890` — not a requester',
    );
    expect(t.indexOf('job.succeeded')).toBeLessThan(t.indexOf('request.refused'));
    expect(msg.text).toBe('Audit trail for ami-0abc1234def567890: 3 entries');
  });

  it('renders without a target', () => {
    const t = allText(renderAuditEntries({ entries: entries.slice(0, 1), now: NOW }));
    expect(t).toContain('*Audit trail* · 1 entry, newest first');
  });

  it('has friendly empty states', () => {
    const a = renderAuditEntries({ entries: [], target: 'req-abcdef1234', now: NOW });
    expect(assertWithinSlackLimits(a)).toEqual([]);
    expect(allText(a)).toContain('No audit entries for `req-abcdef1234`.');
    expect(allText(renderAuditEntries({ entries: [], now: NOW }))).toContain('No audit entries yet.');
  });

  it('stays within limits with many nasty entries', () => {
    const many: AuditEntry[] = Array.from({ length: 2000 }, (_, i) => ({
      at: i % 5 === 0 ? nasty(100) : NOW.toISOString(),
      actor: nasty(100),
      action: nasty(100),
      target: nasty(300),
      requestId: nasty(300),
      imageId: nasty(300),
      account: nasty(300),
      region: nasty(300),
      result: (['ok', 'refused', 'failed', 'weird'] as const)[i % 4] as AuditEntry['result'],
      detail: nasty(5000),
    }));
    const msg = renderAuditEntries({ entries: many, target: nasty(500), now: NOW });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toMatch(/_\+\d+ more entries_/);
    expect(allText(msg).includes('<!channel>')).toBe(false);
  });

  it('auditLine collapses whitespace in details', () => {
    expect(auditLine({ ...entries[1]!, detail: 'a\n\n  b' }, NOW)).toMatch(/ — a b$/);
  });
});
