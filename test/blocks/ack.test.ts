import { describe, expect, it } from 'vitest';
import { renderWorking } from '../../src/blocks/ack.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { allText, nasty } from './fixtures.js';

describe('renderWorking', () => {
  it('defaults to searching', () => {
    const msg = renderWorking();
    expect(msg.text).toBe('🔎 Searching…');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });
  it('takes an activity and stays within limits', () => {
    expect(allText(renderWorking('Looking up ami-0abc…'))).toContain('🔎 Looking up ami-0abc…');
    expect(assertWithinSlackLimits(renderWorking(nasty(10_000)))).toEqual([]);
    expect(assertWithinSlackLimits(renderWorking(''))).toEqual([]);
  });
});
