import { describe, expect, it } from 'vitest';
import { ARCH_WORDS, type Arch, archOfWord } from '../../src/domain/arch.js';
import { interpretFindQuery } from '../../src/domain/find-query.js';
import { parseCommand } from '../../src/domain/grammar/index.js';

const TABLE = (Object.entries(ARCH_WORDS) as Array<[Arch, readonly string[]]>).flatMap(([arch, words]) =>
  words.map((word) => [word, arch] as const),
);

function findArch(text: string): { flag?: Arch; plan?: Arch } {
  const r = parseCommand(`find ${text}`);
  if (!r.ok || r.command.name !== 'find') throw new Error(`${text}: ${r.ok ? r.command.name : r.error}`);
  return { flag: r.command.arch, plan: interpretFindQuery(r.command, ['self']).arch };
}

describe('the architecture table', () => {
  it('names each word once, in lower case, with EC2’s own name first', () => {
    const words = TABLE.map(([w]) => w);
    expect(new Set(words).size).toBe(words.length);
    for (const w of words) expect(w).toBe(w.toLowerCase());
    for (const [arch, list] of Object.entries(ARCH_WORDS)) expect(list[0]).toBe(arch);
  });

  it('reads words whatever their case or surrounding spaces', () => {
    expect(archOfWord(' Graviton4 ')).toBe('arm64');
    expect(archOfWord('AMD64')).toBe('x86_64');
    expect(archOfWord('sparc')).toBeUndefined();
    expect(archOfWord('constructor')).toBeUndefined();
  });
});

// `--arch` (the grammar) and the words of `find` (find-query) read one table; every word of it
// must mean the same architecture through both, so the two cannot drift apart.
describe.each(TABLE)('%s', (word, arch) => {
  it(`--arch ${word} → ${arch}`, () => {
    expect(findArch(`ubuntu --arch ${word}`)).toEqual({ flag: arch, plan: arch });
    expect(findArch(`web-base --arch ${word.toUpperCase()}`)).toEqual({ flag: arch, plan: arch });
  });

  it(`find … ${word} → ${arch}`, () => {
    expect(findArch(`ubuntu 24.04 ${word}`)).toEqual({ flag: undefined, plan: arch });
    expect(findArch(`web-base ${word}`)).toEqual({ flag: undefined, plan: arch });
  });
});
