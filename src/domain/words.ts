/** Counting words, the same way in every message: `1 image`, `2 images`, `1,204 snapshots`. Pure. */

/** `n` (grouped by thousands) and the noun in the number it needs. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The noun alone, in the number `n` needs. */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
