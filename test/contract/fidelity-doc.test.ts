import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVIATIONS } from './deviations.js';

/** docs/fake-aws-fidelity.md and test/contract/deviations.ts list the same cases. */
describe('the fidelity page', () => {
  const page = readFileSync(new URL('../../docs/fake-aws-fidelity.md', import.meta.url), 'utf8');
  const rows = [...page.matchAll(/^\| `([a-z0-9.-]+)` \|/gm)].map((m) => m[1]);

  it('has one table row per deviation the contract suite asserts, and no other', () => {
    expect([...rows].sort()).toEqual(Object.keys(DEVIATIONS).sort());
  });

  it('names only cases some contract test asserts', () => {
    const dir = new URL('./', import.meta.url);
    const tests = readdirSync(dir)
      .filter((f) => f.endsWith('.contract.test.ts'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n');
    const asserted = new Set([...tests.matchAll(/documented\(b, '([a-z0-9.-]+)'\)/g)].map((m) => m[1]));
    expect(Object.keys(DEVIATIONS).filter((id) => !asserted.has(id))).toEqual([]);
  });
});
