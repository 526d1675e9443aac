import { AwsError } from './errors.js';

/**
 * Stable pagination over lists that only ever grow (items are appended, never removed or
 * reordered), so a position is a valid bookmark forever: the token is the position of the next
 * matching item. Several lists can be scanned one after the other; an earlier list's `contains`
 * lets a later list skip the items it already yielded.
 */
export interface PageSource<T> {
  items: readonly T[];
  /** Whether an item of a later source was already offered by this one. */
  contains?: (item: T) => boolean;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

function encodeToken(source: number, position: number): string {
  return Buffer.from(`v1:${source}:${position}`).toString('base64url');
}

function decodeToken(token: string): [number, number] {
  const match = /^v1:(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new AwsError('InvalidPaginationToken', `Invalid pagination token: ${token}`);
  return [Number(match[1]), Number(match[2])];
}

export function paginate<T>(
  sources: readonly PageSource<T>[],
  matches: (item: T) => boolean,
  maxResults: number | undefined,
  nextToken: string | undefined,
): Page<T> {
  let [sourceIndex, position] = nextToken ? decodeToken(nextToken) : [0, 0];
  const limit = maxResults ?? Number.POSITIVE_INFINITY;
  const items: T[] = [];
  for (; sourceIndex < sources.length; sourceIndex++, position = 0) {
    const source = sources[sourceIndex] as PageSource<T>;
    const earlier = sources.slice(0, sourceIndex).filter((s) => s.contains !== undefined);
    const list = source.items;
    for (; position < list.length; position++) {
      const item = list[position] as T;
      if (!matches(item)) continue;
      if (earlier.length > 0 && earlier.some((s) => s.contains?.(item))) continue;
      if (items.length >= limit) return { items, nextToken: encodeToken(sourceIndex, position) };
      items.push(item);
    }
  }
  return { items };
}
