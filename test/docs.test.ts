import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) return markdownFiles(rel);
    return name.endsWith('.md') ? [rel] : [];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links (`[text](path#anchor)`) outside code spans and fences. */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((l) => !/^[a-z]+:/.test(l));
}

describe('the README is a front door', () => {
  const readme = read('README.md');

  it('stays short and shows the screenshot and the two commands', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
    expect(readme).toContain('](docs/sandbox.png)');
    expect(readme).toContain('`npm install && npm start`');
    expect(readme).toContain('`npm test`');
  });

  it('calls the test command CI runs', () => {
    expect(read('.ci/run')).toMatch(/\bnpm test\b/);
  });
});

describe('documentation links', () => {
  const files = ['README.md', ...markdownFiles('docs'), ...markdownFiles('iam'), ...markdownFiles('bench')];

  it.each(files)('%s links only to files and headings that exist', (file) => {
    const broken: string[] = [];
    for (const link of links(read(file))) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? file : join(dirname(file), decodeURI(path));
      if (!existsSync(join(root, target))) {
        broken.push(`${link} (no ${target})`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !anchors(read(target)).has(anchor)) {
        broken.push(`${link} (no heading #${anchor} in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('every setting is documented', () => {
  const config = read('src/config.ts');
  const names = new Set(
    [...config.matchAll(/env\.([A-Z][A-Z0-9_]+)|'([A-Z][A-Z0-9_]{3,})'/g)].map((m) => m[1] ?? m[2] ?? ''),
  );
  const reference = read('docs/configuration.md');
  const example = read('.env.example');

  it('reads a sensible number of variables (the scan itself works)', () => {
    expect(names.size).toBeGreaterThan(30);
    expect(names).toContain('SLACK_BOT_TOKEN');
  });

  it.each([...names])('%s is in docs/configuration.md and .env.example', (name) => {
    expect(reference).toContain(`\`${name}\``);
    expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
