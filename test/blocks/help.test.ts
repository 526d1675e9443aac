import { describe, expect, it } from 'vitest';
import { renderHelp, renderHelpTopic } from '../../src/blocks/help.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { allText, nasty } from './fixtures.js';

const topics = [
  {
    name: 'find',
    summary: 'Find a trustworthy base image.',
    usage: '/ami find <words> [--region R] [--owner O]',
  },
  {
    name: 'list',
    summary: 'List the images an account owns.',
    usage: '/ami list [--older-than 90d] [--tag k=v]',
  },
];

describe('renderHelp', () => {
  it('lists every topic with its usage', () => {
    const msg = renderHelp(topics);
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toContain('*find* — Find a trustworthy base image.');
    expect(t).toContain('`/ami find &lt;words&gt; [--region R] [--owner O]`');
    expect(t).toContain('*list*');
    expect(msg.text).toContain('find, list');
  });

  it('fits 200 long topics', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({
      name: `cmd${i}${nasty(100)}`,
      summary: nasty(1000),
      usage: nasty(1000),
    }));
    const msg = renderHelp(many);
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toMatch(/\+\d+ more commands/);
  });

  it('copes with no topics', () => {
    expect(assertWithinSlackLimits(renderHelp([]))).toEqual([]);
  });
});

describe('renderHelpTopic', () => {
  it('shows summary, usage, details and examples', () => {
    const msg = renderHelpTopic({
      ...topics[0]!,
      details: ['`--owner` accepts amazon, canonical, self or an account id.'],
      examples: ['/ami find ubuntu 24.04 arm64', '/ami find al2023 --region eu-west-1'],
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { text: '/ami find' } });
    expect(t).toContain('Find a trustworthy base image.');
    expect(t).toContain('```/ami find &lt;words&gt; [--region R] [--owner O]```');
    expect(t).toContain('• `--owner` accepts');
    expect(t).toContain(
      '*Examples*\n```/ami find ubuntu 24.04 arm64\n/ami find al2023 --region eu-west-1```',
    );
  });

  it('fits huge topics', () => {
    const msg = renderHelpTopic({
      name: nasty(500),
      summary: nasty(5000),
      usage: nasty(5000),
      details: Array.from({ length: 300 }, () => nasty(2000)),
      examples: Array.from({ length: 300 }, () => nasty(500)),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
  });
});
