import { describe, expect, it } from 'vitest';
import { HOME_MAX_BLOCKS, type HomeInput, renderHome } from '../../src/blocks/home.js';
import { aRequest, NOW } from '../domain/request-fixtures.js';

function input(n: number): HomeInput {
  const reqs = (state: 'pending' | 'running', tag: string) =>
    Array.from({ length: n }, (_, i) =>
      aRequest({ id: `req-${tag}${String(i).padStart(6, '0')}`, state, approvalsNeeded: 2 }),
    );
  return {
    userId: 'UAPP0001',
    now: NOW,
    awaiting: reqs('pending', 'a'),
    mine: reqs('pending', 'm'),
    running: reqs('running', 'r'),
    expiring: Array.from({ length: n * 5 }, (_, i) => ({
      account: 'prod',
      region: 'us-east-1',
      imageId: `ami-${String(i).padStart(17, '0')}`,
      name: `web-${i}-${'x'.repeat(80)}`,
      expiryAt: '2026-12-01T00:00:00.000Z',
      team: 'web',
    })),
    expiringDays: 14,
    expiringNote: 'prod/eu-west-1: AWS said no',
    golden: Array.from({ length: n * 2 }, (_, i) => ({
      name: `family-${i}`,
      description: 'd'.repeat(300),
      account: 'prod',
      regions: ['us-east-1', 'eu-west-1'],
    })),
  };
}

function elements(blocks: unknown[]): Array<Record<string, unknown>> {
  return blocks.flatMap((b) => ((b as { elements?: Array<Record<string, unknown>> }).elements ?? []).slice());
}

describe('renderHome', () => {
  it.each([0, 1, 10, 60])('stays within the Home limit of 100 blocks with %i of everything', (n) => {
    const view = renderHome(input(n));
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    const ids = elements(view.blocks)
      .map((e) => e.action_id)
      .filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
    for (const b of view.blocks) {
      const text = (b as { text?: { text: string } }).text?.text;
      if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('offers Approve and Reject for each awaiting request, the button carrying the request id only', () => {
    const view = renderHome(input(3));
    const buttons = elements(view.blocks).filter((e) => e.type === 'button');
    expect(buttons.map((b) => b.action_id)).toEqual([
      'home_approve:0',
      'home_reject:0',
      'home_approve:1',
      'home_reject:1',
      'home_approve:2',
      'home_reject:2',
    ]);
    expect(buttons.map((b) => b.value)).toEqual([
      'req-a000000',
      'req-a000000',
      'req-a000001',
      'req-a000001',
      'req-a000002',
      'req-a000002',
    ]);
  });

  it('counts what it leaves out', () => {
    const text = JSON.stringify(renderHome(input(60)).blocks);
    expect(text).toContain('+50 more waiting');
    expect(text).toContain('more; `/ami expiring` lists them all');
  });
});
