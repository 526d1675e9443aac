/**
 * Architecture words: the one table of what people type for a CPU architecture. Both `--arch`
 * (the grammar) and the free words of `/ami find` (find-query) read it, so `find ubuntu graviton`
 * and `find ubuntu --arch graviton` mean the same thing. Pure.
 */

/** The two EC2 image architectures amibot searches for (EC2's `architecture` filter values). */
export type Arch = 'x86_64' | 'arm64';

/** Every word for each architecture, lower case; the first is EC2's own name. */
export const ARCH_WORDS: Readonly<Record<Arch, readonly string[]>> = {
  x86_64: ['x86_64', 'x86-64', 'x86', 'x64', 'amd64', 'intel'],
  arm64: ['arm64', 'aarch64', 'arm', 'graviton', 'graviton2', 'graviton3', 'graviton4'],
};

const BY_WORD: ReadonlyMap<string, Arch> = new Map(
  (Object.entries(ARCH_WORDS) as Array<[Arch, readonly string[]]>).flatMap(([arch, words]) =>
    words.map((w) => [w, arch] as const),
  ),
);

/** The architecture a word names (`graviton` → `arm64`, `AMD64` → `x86_64`), or undefined. */
export function archOfWord(word: string): Arch | undefined {
  return BY_WORD.get(word.trim().toLowerCase());
}
