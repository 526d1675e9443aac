/**
 * Image families: the images that are versions of one thing. A family is named by the image name
 * with its date, version or build suffix taken off (`app-web-2026-11-01`, `app-web-v1.2.3` and
 * `app-web-20261101-1234` are all family `app-web`), or chosen by a tag (`tag:App=web`, or
 * `tag:App` for one family per value). Pure.
 */

/** Characters that separate the words of an image name. */
const SEPARATOR = /[-_.\s/:+]/;

/**
 * Words that read as a date, time, version, build number or commit rather than a name:
 * `2026`, `20261101`, `v1`, `1234`, `20261101t1234z`, `rc1`, `build42`, `3f2a9c1`.
 */
const VERSION_WORDS: readonly RegExp[] = [
  /^v?\d+$/i,
  /^\d+t\d*z?$/i,
  /^\d+z$/i,
  /^(rc|beta|alpha|build|b|r|p)\d+$/i,
  // A commit hash: 7 to 40 hex digits with at least one digit and one letter.
  /^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}$/i,
];

function isVersionWord(word: string): boolean {
  return VERSION_WORDS.some((re) => re.test(word));
}

/**
 * The family of an image name: the name without its trailing date/version/build words and the
 * separators before them. A name that is nothing but such words is its own family.
 */
export function familyOfName(name: string): string {
  const trimmed = name.trim();
  // Walk back over the trailing words while each one is version-like.
  let end = trimmed.length;
  let cut = trimmed.length;
  while (end > 0) {
    let start = end;
    while (start > 0 && !SEPARATOR.test(trimmed[start - 1] as string)) start--;
    const word = trimmed.slice(start, end);
    if (word === '' || !isVersionWord(word)) break;
    cut = start;
    end = start;
    while (end > 0 && SEPARATOR.test(trimmed[end - 1] as string)) end--;
    if (end === 0) break;
  }
  const family = trimmed.slice(0, cut).replace(/[-_.\s/:+]+$/, '');
  return family === '' ? trimmed : family;
}

/** How `--family` (or a retention rule) picks images and groups them. */
export type FamilySelector =
  /** Images whose name starts with `prefix`, one family per name family. */
  | { kind: 'prefix'; prefix: string }
  /** Images tagged `key`, one family per value; or only `value` when given. */
  | { kind: 'tag'; key: string; value?: string };

const TAG_SELECTOR = /^tag:([^=]{1,128})(?:=(.{0,256}))?$/s;

/** Parses `--family`: `tag:Key=Value`, `tag:Key` or a name prefix. Returns an error sentence when it cannot. */
export function parseFamilySelector(
  text: string,
): { ok: true; selector: FamilySelector } | { ok: false; error: string } {
  const s = text.trim();
  if (s === '')
    return { ok: false, error: '`--family` needs a name prefix (like `app-web`) or `tag:Key=Value`.' };
  if (s.toLowerCase().startsWith('tag:')) {
    const m = TAG_SELECTOR.exec(s);
    const key = m?.[1]?.trim();
    if (!m || !key) {
      return {
        ok: false,
        error:
          '`--family tag:…` must look like `tag:App=web` (one family) or `tag:App` (one family per value).',
      };
    }
    const value = m[2];
    return { ok: true, selector: value === undefined ? { kind: 'tag', key } : { kind: 'tag', key, value } };
  }
  if (s.length > 128) return { ok: false, error: '`--family` is at most 128 characters.' };
  return { ok: true, selector: { kind: 'prefix', prefix: s } };
}

/** The selector as typed: `app-web`, `tag:App=web`, `tag:App`. */
export function formatFamilySelector(sel: FamilySelector): string {
  if (sel.kind === 'prefix') return sel.prefix;
  return sel.value === undefined ? `tag:${sel.key}` : `tag:${sel.key}=${sel.value}`;
}

/**
 * The family an image belongs to under `sel`, or undefined when the selector does not pick it.
 * Tag families are named `Key=Value`; name families by {@link familyOfName}.
 */
export function familyOf(
  image: { name: string; tags: Readonly<Record<string, string>> },
  sel: FamilySelector,
): string | undefined {
  if (sel.kind === 'prefix') {
    if (!image.name.startsWith(sel.prefix)) return undefined;
    return familyOfName(image.name);
  }
  if (!Object.hasOwn(image.tags, sel.key)) return undefined;
  const value = image.tags[sel.key] as string;
  if (sel.value !== undefined && value !== sel.value) return undefined;
  return `${sel.key}=${value}`;
}
