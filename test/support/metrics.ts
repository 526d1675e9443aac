/** Reading `/metrics` in tests: scrapes, samples, and the metric names of PromQL expressions. */

/** A scrape of `/metrics`: the body and its content type. */
export async function scrape(url: string): Promise<{ text: string; contentType: string }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${url}/metrics answered ${res.status}`);
  return { text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** The value of the sample `name` whose labels include `labels` (0 when there is none). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) {
      // Several series may match a partial label set: their sum.
      total += Number(m[3]);
      found = true;
    }
  }
  return found ? total : 0;
}

/** Every metric name a PromQL expression reads (identifiers that are not functions, keywords or labels). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\boffset\s+-?[0-9a-z]+/g, '') // offsets
    .replace(/(^|[^a-zA-Z0-9_:])[0-9][0-9a-zA-Z.+-]*/g, '$1'); // numbers (0.95, 1e3, 0x10)
  const keywords = new Set([
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'bool',
    'and',
    'or',
    'unless',
    'inf',
    'nan',
  ]);
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    const [, id, call] = m;
    if (call || keywords.has(id as string)) continue;
    names.add(id as string);
  }
  return [...names];
}

/** A name is in a scrape when a sample has it, or (a labelled family still without series) its TYPE line does. */
export function inScrape(text: string, name: string): boolean {
  if (new RegExp(`^${name}(\\{| )`, 'm').test(text)) return true;
  const family = name.replace(/_(bucket|sum|count)$/, '');
  return new RegExp(`^# TYPE ${family} `, 'm').test(text);
}
