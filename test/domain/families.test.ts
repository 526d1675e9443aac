import { describe, expect, it } from 'vitest';
import { familyOf, familyOfName, parseFamilySelector } from '../../src/domain/families.js';
import { staticKeepReasons } from '../../src/domain/retention.js';

describe('familyOfName', () => {
  it.each([
    ['app-web-2026-11-01', 'app-web'],
    ['app-web-v1.2.3', 'app-web'],
    ['app-web-20261101-1234', 'app-web'],
    ['app-web_20261101T123000Z', 'app-web'],
    ['app-web.2026.11.01', 'app-web'],
    ['app-web-1.2.3-rc1', 'app-web'],
    ['app-web-3f2a9c1', 'app-web'],
    ['app-web-build42', 'app-web'],
    ['app-web 2026-11-01 12:30:00', 'app-web'],
    ['app-web-amd64-20261101', 'app-web-amd64'],
    ['ubuntu-24.04-server', 'ubuntu-24.04-server'],
    ['x86-base-7', 'x86-base'],
    ['payments-api', 'payments-api'],
    ['20261101', '20261101'],
    ['v2', 'v2'],
    ['web-deadbeef', 'web-deadbeef'], // all letters: a word, not a commit
  ])('%s → %s', (name, family) => {
    expect(familyOfName(name)).toBe(family);
  });
});

describe('parseFamilySelector and familyOf', () => {
  const img = (name: string, tags: Record<string, string> = {}) => ({ name, tags });

  it('a prefix picks names that start with it and groups them by name family', () => {
    const r = parseFamilySelector('app-');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(familyOf(img('app-web-2026-11-01'), r.selector)).toBe('app-web');
    expect(familyOf(img('app-api-v3'), r.selector)).toBe('app-api');
    expect(familyOf(img('other-app-v3'), r.selector)).toBeUndefined();
  });

  it('tag:Key=Value is one family; tag:Key one per value; a missing tag picks nothing', () => {
    const one = parseFamilySelector('tag:App=web');
    const each = parseFamilySelector('tag:App');
    if (!one.ok || !each.ok) throw new Error('should parse');
    expect(familyOf(img('x-1', { App: 'web' }), one.selector)).toBe('App=web');
    expect(familyOf(img('x-1', { App: 'api' }), one.selector)).toBeUndefined();
    expect(familyOf(img('x-1', { App: 'api' }), each.selector)).toBe('App=api');
    expect(familyOf(img('x-1', {}), each.selector)).toBeUndefined();
    // A tag key such as `__proto__` or `constructor` is an ordinary key.
    const proto = parseFamilySelector('tag:constructor');
    if (!proto.ok) throw new Error('should parse');
    expect(familyOf(img('x-1', {}), proto.selector)).toBeUndefined();
  });

  it.each(['', '   ', 'tag:', 'tag:=web', 'x'.repeat(129)])('refuses %j with a sentence', (s) => {
    const r = parseFamilySelector(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/family/);
  });
});

describe('staticKeepReasons', () => {
  const now = new Date('2026-11-26T00:00:00Z');
  const base = { imageId: 'ami-00000001', state: 'available', public: false, tags: {} };
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

  it('keeps the newest N, the young, golden, held, public and unfinished images; nothing else', () => {
    const rule = { keep: 2, olderThanMs: 30 * 86_400_000 };
    expect(
      staticKeepReasons({ ...base, creationDate: daysAgo(100) }, 0, rule, now).map((r) => r.kind),
    ).toEqual(['newest']);
    expect(
      staticKeepReasons({ ...base, creationDate: daysAgo(10) }, 5, rule, now).map((r) => r.kind),
    ).toEqual(['too-recent']);
    expect(staticKeepReasons({ ...base, creationDate: undefined }, 5, rule, now).map((r) => r.kind)).toEqual([
      'too-recent',
    ]);
    expect(
      staticKeepReasons(
        { ...base, creationDate: daysAgo(100), tags: { 'amibot:golden': 'true' } },
        5,
        rule,
        now,
      ).map((r) => r.kind),
    ).toEqual(['golden']);
    expect(
      staticKeepReasons(
        { ...base, creationDate: daysAgo(100), tags: { 'amibot:keep': '' } },
        5,
        rule,
        now,
      ).map((r) => r.kind),
    ).toEqual(['hold']);
    expect(
      staticKeepReasons(
        { ...base, creationDate: daysAgo(100), tags: { 'amibot:keep': 'false' } },
        5,
        rule,
        now,
      ),
    ).toEqual([]);
    expect(
      staticKeepReasons({ ...base, creationDate: daysAgo(100), public: true }, 5, rule, now).map(
        (r) => r.kind,
      ),
    ).toEqual(['public']);
    expect(
      staticKeepReasons({ ...base, creationDate: daysAgo(100), state: 'pending' }, 5, rule, now).map(
        (r) => r.kind,
      ),
    ).toEqual(['not-available']);
    expect(staticKeepReasons({ ...base, creationDate: daysAgo(100) }, 5, rule, now)).toEqual([]);
  });
});
