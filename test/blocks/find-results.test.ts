import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, actionIdPattern, decodeAmiRef } from '../../src/blocks/actions.js';
import { MAX_FIND_RESULTS, renderFindResults } from '../../src/blocks/find-results.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { allText, buttonsOf, NOW, nasty, ownImage, ubuntuImage } from './fixtures.js';

const base = {
  query: 'ubuntu 24.04 arm64',
  planDescription: 'owner canonical (099720109477) · name ubuntu/images/*24.04*arm64*',
  account: 'prod',
  region: 'us-east-1',
  cached: false,
  now: NOW,
  limit: 5,
};

describe('renderFindResults', () => {
  it('renders a realistic result set', () => {
    const results = [
      { image: ubuntuImage(), trusted: true },
      {
        image: ubuntuImage({
          imageId: 'ami-0fedcba9876543210',
          name: 'ubuntu-24.04-arm64-community-remix',
          ownerId: '111122223333',
          creationDate: '2026-06-01T00:00:00Z',
          deprecationTime: '2026-10-01T00:00:00Z',
          rootDeviceType: 'instance-store',
        }),
        trusted: false,
      },
      { image: ubuntuImage({ imageId: 'ami-0aaaabbbbccccdddd', ownerAlias: 'amazon' }), trusted: true },
    ];
    const msg = renderFindResults({ ...base, results, scanned: 12345, cached: true });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const text = allText(msg);
    expect(text).toContain('3 newest images for *ubuntu 24.04 arm64* in us-east-1');
    expect(text).toContain('*ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261118*');
    expect(text).toContain('`ami-0abc1234def567890`');
    expect(text).toContain('`099720109477` ✅ trusted');
    expect(text).toContain('`111122223333` ⚠️ untrusted owner');
    expect(text).toContain('owner amazon ✅ trusted');
    expect(text).toContain('created 2026-11-18 (3 days ago)');
    expect(text).toContain('created 2026-06-01 (5 months ago)');
    expect(text).toContain('arm64 · ebs');
    expect(text).toContain('instance-store');
    expect(text).toContain('🚫 deprecated since 2026-10-01');
    expect(text).toContain('from cache');
    expect(text).toContain('scanned 12,345 images');
    expect(text).toContain(base.planDescription);
    expect(msg.text).toContain('ami-0abc1234def567890');

    const buttons = buttonsOf(msg);
    expect(buttons).toHaveLength(3);
    expect(buttons.map((b) => b.text.text)).toEqual(['Details', 'Details', 'Details']);
    expect(buttons[0]!.value).toBe('prod/us-east-1/ami-0abc1234def567890');
    expect(decodeAmiRef(buttons[1]!.value!)).toEqual({
      account: 'prod',
      region: 'us-east-1',
      imageId: 'ami-0fedcba9876543210',
    });
    for (const b of buttons) expect(b.action_id).toMatch(actionIdPattern(ACTION_IDS.amiShow));
  });

  it('says "The newest image" for one result and shows the limit', () => {
    const one = renderFindResults({ ...base, results: [{ image: ubuntuImage(), trusted: true }] });
    expect(allText(one)).toContain('The newest image for *ubuntu 24.04 arm64*');
    const many = renderFindResults({
      ...base,
      limit: 2,
      results: Array.from({ length: 4 }, (_, i) => ({ image: ownImage(i), trusted: true })),
    });
    expect(buttonsOf(many)).toHaveLength(2);
    expect(allText(many)).toContain('(showing 2 of 4)');
  });

  it('helps when nothing matched', () => {
    const msg = renderFindResults({ ...base, results: [] });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const text = allText(msg);
    expect(text).toContain('No images matched *ubuntu 24.04 arm64* in us-east-1');
    expect(text).toContain('--include-deprecated');
    expect(text).toContain('--region');
    expect(text).toContain('--owner');
    expect(buttonsOf(msg)).toHaveLength(0);
  });

  it('escapes user text', () => {
    const msg = renderFindResults({ ...base, query: '<!channel> & co', results: [] });
    expect(allText(msg)).toContain('&lt;!channel&gt; &amp; co');
    expect(allText(msg)).not.toContain('<!channel>');
  });

  it.each([20, 100])('stays within limits with %d huge results', (n) => {
    const results = Array.from({ length: n }, (_, i) => ({
      image: ownImage(i, {
        name: nasty(3000),
        ownerAlias: nasty(500),
        architecture: nasty(300),
        rootDeviceType: nasty(300),
        state: nasty(100),
        deprecationTime: '2020-01-01T00:00:00Z',
      }),
      trusted: i % 2 === 0,
    }));
    const msg = renderFindResults({
      ...base,
      query: nasty(5000),
      planDescription: nasty(10_000),
      account: nasty(500),
      region: nasty(300),
      scanned: 1e9,
      limit: 1000,
      results,
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(buttonsOf(msg)).toHaveLength(Math.min(n, MAX_FIND_RESULTS));
  });

  it('stays within limits for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 3000 }), (name, query) => {
        const msg = renderFindResults({
          ...base,
          query,
          planDescription: query,
          limit: 20,
          results: Array.from({ length: 20 }, (_, i) => ({ image: ownImage(i, { name }), trusted: false })),
        });
        expect(assertWithinSlackLimits(msg)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
