import { describe, expect, it } from 'vitest';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { renderAutoApproved, renderRequestConfirmation } from '../../src/blocks/request-confirmation.js';
import { aRequest } from '../domain/request-fixtures.js';
import { allText, buttonsOf, nasty } from './fixtures.js';

describe('renderRequestConfirmation', () => {
  it('says what was filed, where approvers were asked and how to cancel', () => {
    const msg = renderRequestConfirmation({ request: aRequest(), channel: 'C0APPROVE' });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain(
      '📝 Request `req-k3j9x0a2b1` filed: Share `ami-0abc1234def567890` (*team-base-2026-11*) with account `222222222222`.',
    );
    expect(t).toContain('Approvers have been asked in <#C0APPROVE>.');
    expect(t).toContain('Cancel with `/ami cancel req-k3j9x0a2b1`');
    expect(t).not.toContain('approvals from different people');
    expect(buttonsOf(msg)).toEqual([]);
    expect(msg.text).toBe(
      'Request req-k3j9x0a2b1 filed: share ami-0abc1234def567890. Approvers have been asked.',
    );
  });

  it('mentions multiple approvals and snapshot counts', () => {
    const msg = renderRequestConfirmation({
      request: aRequest({
        kind: 'deregister',
        params: { kind: 'deregister', keepSnapshots: false, force: false },
        approvalsNeeded: 2,
      }),
      channel: 'G0PRIVATE',
      snapshotCount: 2,
    });
    const t = allText(msg);
    expect(t).toContain('and delete its 2 snapshots');
    expect(t).toContain('It needs 2 approvals from different people.');
    expect(t).toContain('<#G0PRIVATE>');
  });

  it('does not turn a bad channel into a mention', () => {
    const t = allText(renderRequestConfirmation({ request: aRequest(), channel: '<!channel>' }));
    expect(t).not.toContain('<!channel>');
  });

  it('stays within limits with stress input', () => {
    const request = aRequest({
      id: nasty(300),
      image: { name: nasty(5000), sizeGiB: 1, monthlyCostUsd: 1, encrypted: true, public: false },
      params: {
        kind: 'share',
        targets: Array.from({ length: 500 }, () => ({ kind: 'account' as const, accountId: nasty(50) })),
      },
    });
    expect(assertWithinSlackLimits(renderRequestConfirmation({ request, channel: nasty(5000) }))).toEqual([]);
    expect(assertWithinSlackLimits(renderAutoApproved({ request, channel: nasty(5000) }))).toEqual([]);
  });
});

describe('renderAutoApproved', () => {
  it('says the request started without approval', () => {
    const msg = renderAutoApproved({
      request: aRequest({ state: 'queued', approvalsNeeded: 0 }),
      channel: 'C0APPROVE',
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain(
      '🚀 Request `req-k3j9x0a2b1` needs no approval and has been started: Share `ami-0abc1234def567890`',
    );
    expect(t).toContain('Progress and the result will be posted in <#C0APPROVE>.');
    expect(t).toContain('Cancel with `/ami cancel req-k3j9x0a2b1` while it is queued');
  });

  it('works without a channel', () => {
    const t = allText(renderAutoApproved({ request: aRequest() }));
    expect(t).not.toContain('will be posted in');
  });
});
