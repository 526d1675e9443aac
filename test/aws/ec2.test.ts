import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopN } from '../../src/aws/ec2.js';

const asc = (a: number, b: number) => a - b;

describe('TopN', () => {
  it('keeps the best items in order', () => {
    const top = new TopN<number>(3, asc);
    for (const n of [5, 1, 9, 3, 7, 2]) top.offer(n);
    expect(top.values()).toEqual([1, 2, 3]);
  });

  it('holds fewer items than the limit when fewer were offered', () => {
    const top = new TopN<number>(5, asc);
    top.offer(2);
    top.offer(1);
    expect(top.values()).toEqual([1, 2]);
  });

  it('keeps the first of equal items (stable) and ignores worse ones once full', () => {
    const top = new TopN<{ k: number; tag: string }>(2, (a, b) => a.k - b.k);
    top.offer({ k: 1, tag: 'a' });
    top.offer({ k: 1, tag: 'b' });
    top.offer({ k: 1, tag: 'c' });
    expect(top.values().map((v) => v.tag)).toEqual(['a', 'b']);
  });

  it('returns a copy', () => {
    const top = new TopN<number>(2, asc);
    top.offer(1);
    top.values().push(99);
    expect(top.values()).toEqual([1]);
  });

  it('equals sorting everything and taking the first N', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 })),
        fc.integer({ min: 1, max: 20 }),
        (xs, n) => {
          const top = new TopN<number>(n, asc);
          for (const x of xs) top.offer(x);
          expect(top.values()).toEqual([...xs].sort(asc).slice(0, n));
        },
      ),
    );
  });
});
