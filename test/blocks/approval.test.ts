import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/blocks/actions.js';
import {
  approverHint,
  progressBar,
  progressLines,
  renderApprovalMessage,
} from '../../src/blocks/approval.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { type AmiRequest, REQUEST_STATES, type RequestState } from '../../src/domain/request.js';
import { aRequest, NOW } from '../domain/request-fixtures.js';
import { allText, buttonsOf, nasty } from './fixtures.js';

const copyParams = {
  kind: 'copy' as const,
  toRegions: ['eu-west-1', 'eu-central-1'],
  encrypt: true,
  kmsKeyId: 'alias/ami',
  withPermissions: false,
};

function render(overrides: Partial<AmiRequest> = {}, approver?: string) {
  const msg = renderApprovalMessage({
    request: aRequest(overrides),
    now: NOW,
    ...(approver ? { approverHint: approver } : {}),
  });
  expect(assertWithinSlackLimits(msg)).toEqual([]);
  return msg;
}

describe('renderApprovalMessage', () => {
  it('renders a pending two-approval copy with buttons', () => {
    const msg = render(
      {
        kind: 'copy',
        params: copyParams,
        approvalsNeeded: 2,
        approvals: [{ userId: 'UALICE01', at: '2026-11-21T11:30:00Z' }],
        warnings: ['The KMS key `alias/ami` must be usable in eu-west-1', 'Image is 400 days old'],
        image: { name: 'team-base', sizeGiB: 30, monthlyCostUsd: 1.5, encrypted: false, public: true },
      },
      approverHint(['UALICE01', 'SPLAT0001']),
    );
    const t = allText(msg);
    for (const s of [
      '⏳ *Approval needed* · request `req-k3j9x0a2b1` · `copy`',
      '<@UREQ0001> asks to: Copy `ami-0abc1234def567890` (*team-base*) from `us-east-1` to `eu-west-1` and `eu-central-1`, encrypted with `alias/ami`.',
      '*team-base*\n`ami-0abc1234def567890`',
      '30 GiB · ~$1.50/month',
      '⚠️ no',
      '🌐 public',
      '*prod* (`123456789012`)',
      '`us-east-1` → `eu-west-1` and `eu-central-1`',
      '⚠️ The KMS key `alias/ami` must be usable in eu-west-1',
      '⚠️ Image is 400 days old',
      'Approvals: *1 of 2* — <@UALICE01> 2026-11-21 11:30 UTC (30 min ago)',
      '⌛ Expires in 23 h (2026-11-22 11:00 UTC)',
      'Approvers: <@UALICE01>, <!subteam^SPLAT0001>',
      'Requested 2026-11-21 11:00 UTC (1 h ago)',
    ]) {
      expect(t).toContain(s);
    }
    expect(msg.text).toBe(
      'Approval needed: copy ami-0abc1234def567890 in prod (us-east-1) — request req-k3j9x0a2b1',
    );
    const buttons = buttonsOf(msg) as Array<{
      action_id: string;
      value: string;
      style?: string;
      text: { text: string };
    }>;
    expect(buttons.map((b) => [b.text.text, b.action_id, b.value, b.style])).toEqual([
      ['Approve', ACTION_IDS.requestApprove, 'req-k3j9x0a2b1', 'primary'],
      ['Reject', ACTION_IDS.requestReject, 'req-k3j9x0a2b1', 'danger'],
    ]);
  });

  it.each(REQUEST_STATES.filter((s) => s !== 'pending'))('shows no buttons when %s', (state) => {
    expect(buttonsOf(render({ state }))).toEqual([]);
  });

  it('hides the buttons once a pending request is past its expiry', () => {
    const msg = render({ expiresAt: '2026-11-21T10:00:00Z' });
    expect(buttonsOf(msg)).toEqual([]);
    expect(allText(msg)).toContain('⌛ Expired 2 h ago');
  });

  it('shows who rejected, when and why', () => {
    const t = allText(
      render({
        state: 'rejected',
        rejection: {
          userId: 'UBOB0001',
          at: '2026-11-21T11:00:00Z',
          reason: 'use the org share\n<!channel>',
        },
      }),
    );
    expect(t).toContain('🚫 *Rejected*');
    expect(t).toContain('<@UREQ0001> asked to:');
    expect(t).toContain(
      '🚫 Rejected by <@UBOB0001> 2026-11-21 11:00 UTC (1 h ago)\n> use the org share\n> &lt;!channel&gt;',
    );
  });

  it('shows who approved once approved', () => {
    const t = allText(
      render({
        state: 'approved',
        approvalsNeeded: 2,
        approvals: [
          { userId: 'UALICE01', at: '2026-11-21T11:30:00Z' },
          { userId: 'WCAROL01', at: '2026-11-21T11:50:00Z' },
        ],
      }),
    );
    expect(t).toContain('Approvals: *2 of 2* — <@UALICE01> 2026-11-21 11:30 UTC (30 min ago), <@WCAROL01>');
    expect(t).toContain('👍 Approved. The job starts shortly.');
  });

  it('shows expiry and cancellation', () => {
    expect(allText(render({ state: 'expired', expiresAt: '2026-11-21T10:00:00Z' }))).toContain(
      '⌛ Expired 2026-11-21 10:00 UTC (2 h ago) with 0 of 1 approval. Nothing was changed.',
    );
    expect(
      allText(
        render({ state: 'cancelled', cancellation: { userId: 'UREQ0001', at: '2026-11-21T11:59:00Z' } }),
      ),
    ).toContain('🛑 Cancelled by <@UREQ0001> 2026-11-21 11:59 UTC (1 min ago)');
  });

  it('shows per-region progress while running, in the order of the destinations', () => {
    const t = allText(
      render({
        state: 'running',
        kind: 'copy',
        params: copyParams,
        progress: {
          'eu-central-1': { state: 'queued' },
          'eu-west-1': { state: 'copying', percent: 50, imageId: 'ami-0123456789abcdef0' },
        },
      }),
    );
    expect(t).toContain(
      '*Progress*\n`eu-west-1` 🔄 copying ▓▓▓▓░░░░ 50% → `ami-0123456789abcdef0`\n`eu-central-1` 📥 queued',
    );
  });

  it('shows the result and details when final', () => {
    const ok = allText(
      render({
        state: 'succeeded',
        kind: 'copy',
        params: copyParams,
        progress: {
          'eu-west-1': { state: 'available', imageId: 'ami-0123456789abcdef0', percent: 100 },
          'eu-central-1': { state: 'failed', reason: 'KMS key not found' },
        },
        result: {
          ok: true,
          summary: 'Copied to 1 of 2 regions',
          details: ['eu-west-1: ami-0123456789abcdef0'],
        },
      }),
    );
    expect(ok).toContain('`eu-west-1` ✅ available → `ami-0123456789abcdef0`');
    expect(ok).toContain('`eu-central-1` ❌ failed — KMS key not found');
    expect(ok).toContain('✅ Copied to 1 of 2 regions');
    expect(ok).toContain('• eu-west-1: ami-0123456789abcdef0');
    const failed = allText(render({ state: 'failed', result: { ok: false, summary: 'AccessDenied' } }));
    expect(failed).toContain('❌ AccessDenied');
  });

  it('says when no approval was needed', () => {
    expect(allText(render({ state: 'queued', approvalsNeeded: 0 }))).toContain('👍 No approval needed');
  });

  it('stays within Slack limits with stress input', () => {
    const big: Partial<AmiRequest> = {
      id: 'req-0123456789abcdefghijklmnopqrstuv',
      kind: 'copy',
      params: {
        kind: 'copy',
        toRegions: Array.from({ length: 40 }, (_, i) => `${nasty(30)}-${i}`),
        encrypt: true,
        kmsKeyId: nasty(2000),
        newName: nasty(500),
        withPermissions: true,
      },
      image: { name: nasty(5000), sizeGiB: 1e12, monthlyCostUsd: Number.NaN, encrypted: false, public: true },
      requester: nasty(300),
      account: nasty(300),
      accountId: nasty(300),
      region: nasty(300),
      warnings: Array.from({ length: 200 }, () => nasty(4000)),
      approvalsNeeded: 5,
      approvals: Array.from({ length: 100 }, (_, i) => ({ userId: `U${i}${nasty(50)}`, at: nasty(40) })),
      progress: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [
          `${nasty(100)}${i}`,
          { state: 'failed' as const, percent: 1e9, imageId: nasty(300), reason: nasty(4000) },
        ]),
      ),
      result: { ok: false, summary: nasty(10_000), details: Array.from({ length: 300 }, () => nasty(5000)) },
      rejection: { userId: nasty(100), at: 'garbage', reason: nasty(10_000) },
      cancellation: { userId: nasty(100), at: 'garbage' },
    };
    for (const state of REQUEST_STATES) {
      const request = aRequest({ ...big, state });
      // The approver hint is trusted mrkdwn from the caller: only its length is checked.
      const hinted = renderApprovalMessage({ request, now: NOW, approverHint: nasty(5000) });
      expect(assertWithinSlackLimits(hinted)).toEqual([]);
      const msg = renderApprovalMessage({ request, now: NOW });
      expect(assertWithinSlackLimits(msg)).toEqual([]);
      expect(allText(msg).includes('<!channel>')).toBe(false);
      expect(msg.blocks.length).toBeLessThanOrEqual(20);
    }
  });

  it('stays within limits for arbitrary text (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RequestState>(...REQUEST_STATES),
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 20 }),
        (state, name, warnings) => {
          const msg = renderApprovalMessage({
            request: aRequest({
              state,
              warnings,
              image: { name, sizeGiB: 8, monthlyCostUsd: 0.4, encrypted: true, public: false },
              result: { ok: true, summary: name },
            }),
            now: NOW,
          });
          expect(assertWithinSlackLimits(msg)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('helpers', () => {
  it('registers the action ids', () => {
    expect(ACTION_IDS).toMatchObject({
      requestApprove: 'request_approve',
      requestReject: 'request_reject',
      reminderExtend: 'reminder_extend',
      reminderSnooze: 'reminder_snooze',
      reminderDeregister: 'reminder_deregister',
    });
  });

  it.each([
    [0, '░░░░░░░░ 0%'],
    [50, '▓▓▓▓░░░░ 50%'],
    [99.6, '▓▓▓▓▓▓▓▓ 100%'],
    [12, '▓░░░░░░░ 12%'],
    [150, '▓▓▓▓▓▓▓▓ 100%'],
    [-5, '░░░░░░░░ 0%'],
    [undefined, '░░░░░░░░ 0%'],
    [Number.NaN, '░░░░░░░░ 0%'],
  ])('progressBar(%s) = %s', (p, bar) => {
    expect(progressBar(p)).toBe(bar);
  });

  it('approverHint', () => {
    expect(approverHint([])).toBeUndefined();
    expect(approverHint(['*', 'U1AB'])).toBe('Approvers: anyone but the requester');
    expect(approverHint(['UALICE01', 'SPLAT0001'])).toBe('Approvers: <@UALICE01>, <!subteam^SPLAT0001>');
    expect(approverHint(Array.from({ length: 25 }, (_, i) => `U${i}AAA`))).toContain('and 5 more');
  });

  it('progressLines with no progress', () => {
    expect(progressLines(aRequest())).toEqual([]);
  });
});

describe('launch permissions on the approval message', () => {
  it('lists each permission a share grants (a slash command holds about 300), counting those beyond three sections', () => {
    const accounts = Array.from({ length: 500 }, (_, i) => String(100000000000 + i));
    const msg = render({
      kind: 'share',
      params: {
        kind: 'share',
        targets: accounts.map((accountId) => ({ kind: 'account' as const, accountId })),
      },
    });
    const text = allText(msg);
    expect(text).toContain('Launch permissions it grants');
    expect(text).toContain('account `100000000000`');
    expect(text).toMatch(/\+\d+ more permissions/);
  });

  it('copy --with-permissions shows what was read, and that public is kept back', () => {
    const msg = render({
      kind: 'copy',
      params: {
        ...copyParams,
        withPermissions: true,
        grants: {
          permissions: {
            public: false,
            accounts: ['222222222222'],
            organizations: [],
            organizationalUnits: [],
          },
          publicDropped: true,
        },
      },
    });
    const text = allText(msg);
    expect(text).toContain('account `222222222222`');
    expect(text).toContain('~everyone (public)~ not granted');
  });

  it('no section for a request that grants nothing', () => {
    expect(allText(render({ kind: 'copy', params: copyParams }))).not.toContain('Launch permissions');
  });
});
