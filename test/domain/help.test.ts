import { describe, expect, it } from 'vitest';
import { parseCommand, SUBCOMMANDS, USAGE } from '../../src/domain/grammar/index.js';
import { APPROVAL_SUBCOMMANDS, helpFor, helpTopics, needsApproval } from '../../src/domain/help.js';

describe('help', () => {
  it('lists every subcommand in order with its usage', () => {
    const topics = helpTopics();
    expect(topics.map((t) => t.name)).toEqual([...SUBCOMMANDS]);
    for (const t of topics) {
      expect(t.usage).toBe(USAGE[t.name]);
      expect(t.summary.length).toBeGreaterThan(10);
    }
  });

  describe.each(SUBCOMMANDS.map((s) => [s]))('%s', (name) => {
    const entry = helpFor(name);
    it('has details and 1–3 examples', () => {
      expect(entry.name).toBe(name);
      expect(entry.usage).toBe(USAGE[name]);
      expect(entry.details.length).toBeGreaterThan(0);
      expect(entry.examples.length).toBeGreaterThanOrEqual(1);
      expect(entry.examples.length).toBeLessThanOrEqual(3);
    });
    it('has examples that parse to this subcommand', () => {
      for (const example of entry.examples) {
        expect(example.startsWith(`/ami ${name}`)).toBe(true);
        const r = parseCommand(example.slice('/ami '.length));
        expect(r.ok ? r.command.name : r.error).toBe(name);
      }
    });
    it('says whether it needs approval', () => {
      const text = entry.details.join(' ');
      if (needsApproval(name)) expect(text).toMatch(/until a colleague approves/);
      else expect(text).not.toMatch(/until a colleague approves/);
    });
  });

  it('marks exactly the mutating subcommands as approval requests', () => {
    expect([...APPROVAL_SUBCOMMANDS].sort()).toEqual(
      [
        'copy',
        'encrypt',
        'share',
        'unshare',
        'deprecate',
        'undeprecate',
        'disable',
        'enable',
        'expire',
        'deregister',
        'prune',
        'promote',
        'rollback',
        'waive',
      ].sort(),
    );
  });

  it('returns copies: callers cannot change the help text', () => {
    helpFor('find').examples.push('mutated');
    expect(helpFor('find').examples).not.toContain('mutated');
  });
});
