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

/** How a service answers a token it did not issue (EC2: InvalidPaginationToken). */
export type BadTokenError = (token: string) => AwsError;

const ec2BadToken: BadTokenError = (token) =>
  new AwsError('InvalidPaginationToken', `Invalid pagination token: ${token}`);

/** Tokens also carry the number of the page they lead to, so faults can target "page N". */
function encodeToken(source: number, position: number, page: number): string {
  return Buffer.from(`v1:${source}:${position}:${page}`).toString('base64url');
}

function decode(token: string): [number, number, number] | undefined {
  const match = /^v1:(\d+):(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** The page number a request asks for: 1 without a token, undefined for a token the fake did not issue. */
export function pageOf(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return 1;
  return decode(token)?.[2];
}

/**
 * One page: at most `maxResults` matching items (no limit when undefined) starting where
 * `nextToken` says. `cap` bounds the page further (fault injection: AWS may answer fewer items than
 * asked, with a token); `badToken` is the service's error for a token it did not issue.
 */
export function paginate<T>(
  sources: readonly PageSource<T>[],
  matches: (item: T) => boolean,
  maxResults: number | undefined,
  nextToken: string | undefined,
  options: { cap?: number | undefined; badToken?: BadTokenError } = {},
): Page<T> {
  const decoded: [number, number, number] | undefined = nextToken ? decode(nextToken) : [0, 0, 1];
  if (!decoded) throw (options.badToken ?? ec2BadToken)(nextToken as string);
  let [sourceIndex, position] = decoded;
  const page = decoded[2];
  const limit = Math.min(maxResults ?? Number.POSITIVE_INFINITY, options.cap ?? Number.POSITIVE_INFINITY);
  const items: T[] = [];
  for (; sourceIndex < sources.length; sourceIndex++, position = 0) {
    const source = sources[sourceIndex] as PageSource<T>;
    const earlier = sources.slice(0, sourceIndex).filter((s) => s.contains !== undefined);
    const list = source.items;
    for (; position < list.length; position++) {
      const item = list[position] as T;
      if (!matches(item)) continue;
      if (earlier.length > 0 && earlier.some((s) => s.contains?.(item))) continue;
      if (items.length >= limit) return { items, nextToken: encodeToken(sourceIndex, position, page + 1) };
      items.push(item);
    }
  }
  return { items };
}
