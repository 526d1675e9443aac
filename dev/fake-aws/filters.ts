import { AwsError } from './errors.js';
import type { QueryFilter } from './query.js';

/**
 * EC2 `Filter.N` evaluation: each filter's values are OR'd, filters are AND'd, values may use the
 * `*` (any run of characters) and `?` (one character) wildcards, `\` escapes either, and matching
 * is case-sensitive. `tag:KEY`, `tag-key` and `tag-value` work on the tags the caller sees.
 */

export type Matcher = (text: string) => boolean;

export function compileWildcard(pattern: string): Matcher {
  if (!/[*?\\]/.test(pattern)) return (text) => text === pattern;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i] as string);
    } else if (c === '*') {
      source += '[\\s\\S]*';
    } else if (c === '?') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(c);
    }
  }
  const regexp = new RegExp(`^${source}$`);
  return (text) => regexp.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export type FieldValue =
  | string
  | number
  | boolean
  | undefined
  | null
  | readonly (string | number | boolean)[];
export type FieldGetter<T> = (item: T, viewer: string) => FieldValue;
export type Predicate<T> = (item: T) => boolean;

export interface FilterSpec<T> {
  fields: Readonly<Record<string, FieldGetter<T>>>;
  /** The tags `viewer` sees on the item; enables `tag:KEY`, `tag-key` and `tag-value`. */
  tags?: (item: T, viewer: string) => Readonly<Record<string, string>>;
}

function anyMatches(value: FieldValue, matchers: readonly Matcher[]): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => anyMatches(v as string, matchers));
  const text = String(value);
  return matchers.some((m) => m(text));
}

/** Compiles the request's filters once into a predicate, rejecting unknown filter names as EC2 does. */
export function compileFilters<T>(
  filters: readonly QueryFilter[],
  spec: FilterSpec<T>,
  viewer: string,
): Predicate<T> {
  const checks: Predicate<T>[] = [];
  for (const filter of filters) {
    if (!filter.name) throw new AwsError('InvalidParameterValue', 'The filter name must not be empty');
    if (filter.values.length === 0) {
      throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' must have at least one value`);
    }
    const matchers = filter.values.map(compileWildcard);
    const tagsOf = spec.tags;
    if (filter.name.startsWith('tag:') && tagsOf) {
      const key = filter.name.slice(4);
      checks.push((item) => anyMatches(tagsOf(item, viewer)[key], matchers));
    } else if (filter.name === 'tag-key' && tagsOf) {
      checks.push((item) => anyMatches(Object.keys(tagsOf(item, viewer)), matchers));
    } else if (filter.name === 'tag-value' && tagsOf) {
      checks.push((item) => anyMatches(Object.values(tagsOf(item, viewer)), matchers));
    } else {
      const getter = spec.fields[filter.name];
      if (!getter) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
      checks.push((item) => anyMatches(getter(item, viewer), matchers));
    }
  }
  if (checks.length === 0) return () => true;
  return (item) => checks.every((check) => check(item));
}
