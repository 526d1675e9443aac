import { describe, expect, it } from 'vitest';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { renderRequestsList, sortRequests } from '../../src/blocks/requests-list.js';
import { REQUEST_STATES } from '../../src/domain/request.js';
import { aRequest, NOW } from '../domain/request-fixtures.js';
import { allText, nasty } from './fixtures.js';

const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

describe('renderRequestsList', () => {
  const requests = [
    aRequest({ id: 'req-done000001', state: 'succeeded', createdAt: hoursAgo(50), updatedAt: hoursAgo(40) }),
    aRequest({ id: 'req-open000001', state: 'pending', createdAt: hoursAgo(5), approvalsNeeded: 2 }),
    aRequest({ id: 'req-done000002', state: 'rejected', createdAt: hoursAgo(30), updatedAt: hoursAgo(2) }),
    aRequest({
      id: 'req-open000002',
      state: 'running',
      kind: 'copy',
      params: { kind: 'copy', toRegions: ['eu-west-1'], encrypt: false, withPermissions: false },
      createdAt: hoursAgo(1),
      requester: 'UALICE01',
    }),
  ];

  it('lists open requests first, then recent ones', () => {
    const msg = renderRequestsList({ requests, now: NOW, all: false });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain('*2 open* · 2 recently finished');
    const order = ['req-open000002', 'req-open000001', 'req-done000002', 'req-done000001'].map((id) =>
      t.indexOf(id),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(t).toContain(
      '`req-open000001` ⏳ pending (0/2) · `share` · `ami-0abc1234def567890` *team-base-2026-11* in *prod* · <@UREQ0001> · 5 h ago',
    );
    expect(t).toContain('`req-open000002` 🏃 running · `copy`');
    expect(t).toContain('<@UALICE01> · 1 h ago');
    expect(t).toContain('`req-done000002` 🚫 rejected');
    expect(t).toContain('`req-done000001` ✅ succeeded');
    expect(t).toContain('Older requests: `/ami requests --all`');
    expect(msg.text).toBe('2 open and 2 recently finished requests');
  });

  it('with --all: no hint', () => {
    const t = allText(renderRequestsList({ requests, now: NOW, all: true }));
    expect(t).toContain('*2 open* · 2 finished');
    expect(t).not.toContain('--all');
  });

  it('has friendly empty states', () => {
    const recent = renderRequestsList({ requests: [], now: NOW, all: false });
    expect(assertWithinSlackLimits(recent)).toEqual([]);
    expect(allText(recent)).toContain('No open or recent requests.');
    expect(allText(recent)).toContain('`/ami requests --all`');
    const all = renderRequestsList({ requests: [], now: NOW, all: true });
    expect(allText(all)).toContain('There are no requests yet.');
  });

  it('stays within limits with many nasty requests', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      aRequest({
        id: `req-${i}${nasty(200)}`,
        state: REQUEST_STATES[i % REQUEST_STATES.length]!,
        requester: nasty(100),
        account: nasty(200),
        imageId: nasty(200),
        image: { name: nasty(1000), sizeGiB: 1, monthlyCostUsd: 1, encrypted: true, public: false },
        createdAt: i % 7 === 0 ? 'garbage' : hoursAgo(i),
      }),
    );
    const msg = renderRequestsList({ requests: many, now: NOW, all: true });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toMatch(/_\+\d+ more requests_/);
    expect(allText(msg).includes('<!channel>')).toBe(false);
  });
});

describe('sortRequests', () => {
  it('does not mutate its input', () => {
    const input = [aRequest({ state: 'failed' }), aRequest({ state: 'pending' })];
    const copy = [...input];
    sortRequests(input);
    expect(input).toEqual(copy);
  });
});
