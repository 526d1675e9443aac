import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMain } from '../support/main-process.js';

/**
 * The compiled build as the image has it: production dependencies only (tsx is a dev dependency)
 * and no dev/ folder. Without a Slack token, `node dist/main.js` says there is no sandbox in this
 * build and exits 1; it does not crash on the missing tsx or fakes.
 */

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;

/** <dir>/<name>/dist (the build), package.json, node_modules linked package by package, maybe dev/. */
async function layout(name: string, opts: { tsx: boolean; dev: boolean }): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'node_modules'), { recursive: true });
  // A copy, not a link: Node resolves a module's imports from its real path.
  await cp(join(dir, 'dist'), join(root, 'dist'), { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (entry === 'tsx' && !opts.tsx) continue;
    await symlink(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  if (opts.dev) await symlink(join(ROOT, 'dev'), join(root, 'dev'), 'dir');
  return join(root, 'dist', 'main.js');
}

async function run(main: string): Promise<{ code: number | null; out: string }> {
  const p = startMain({ SLACK_SIGNING_SECRET: 'test-signing-secret' }, { entry: [main] });
  const code = await p.exited;
  await new Promise((r) => setTimeout(r, 50));
  return { code, out: p.lines.join('\n') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amibot-nosandbox-'));
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(dir, 'dist'),
    ],
    { cwd: ROOT },
  );
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('node dist/main.js without a Slack token', () => {
  it('has no dev/ folder (the image): says there is no sandbox and exits 1', async () => {
    const { code, out } = await run(await layout('no-dev', { tsx: true, dev: false }));
    expect(code, out).toBe(1);
    expect(out).toMatch(/no SLACK_BOT_TOKEN is set\. This build has no sandbox/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('has dev/ but no tsx (production dependencies only): the same message, no crash', async () => {
    const { code, out } = await run(await layout('no-tsx', { tsx: false, dev: true }));
    expect(code, out).toBe(1);
    expect(out).toMatch(/This build has no sandbox/);
    expect(out).not.toMatch(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
  });
});

describe('node dist/doctor.js in the image layout (no tsx, no dev/)', () => {
  it('runs from the build and prints its table, exit 1 on a failed check', async () => {
    const main = await layout('doctor', { tsx: false, dev: false });
    const p = startMain(
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'test-signing-secret', REDIS_URL: 'localhost' },
      { entry: [join(main, '..', 'doctor.js')] },
    );
    const code = await p.exited;
    await new Promise((r) => setTimeout(r, 50));
    const out = p.lines.join('\n');
    expect(code, out).toBe(1);
    expect(out).toMatch(/^CHECK\s+STATUS\s+DETAIL/m);
    expect(out).toMatch(/^config\s+fail\s+REDIS_URL/m);
  });
});
