import { describe, expect, it } from 'vitest';
import { renderError } from '../../src/blocks/error.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { allText, nasty } from './fixtures.js';

describe('renderError', () => {
  it('explains a usage error with the usage line', () => {
    const msg = renderError({
      title: 'Unknown option',
      message: '`--colour` is not an option of `/ami list`.',
      usage: '/ami list [--region R] [--older-than 90d] [--tag k=v]',
      hint: 'Did you mean `--tag`?',
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t.startsWith('❌')).toBe(true);
    expect(t).toContain('❌ *Unknown option*');
    expect(t).toContain('```/ami list [--region R] [--older-than 90d] [--tag k=v]```');
    expect(t).toContain('💡 Did you mean `--tag`?');
    expect(msg.text).toBe('❌ Unknown option: `--colour` is not an option of `/ami list`.');
  });

  it('uses ⚠️ and suggests retrying for transient failures', () => {
    const msg = renderError({ message: 'EC2 is throttling requests.', retry: true });
    expect(msg.text.startsWith('⚠️')).toBe(true);
    expect(allText(msg)).toContain('try again');
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });

  it('honours an explicit severity and escapes text', () => {
    const msg = renderError({ message: '<@U123> & co', severity: 'warning' });
    expect(msg.text).toBe('⚠️ &lt;@U123&gt; &amp; co');
  });

  it('fits huge inputs', () => {
    const msg = renderError({
      title: nasty(1000),
      message: nasty(10_000),
      usage: nasty(10_000),
      hint: nasty(10_000),
      retry: true,
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });
});
