import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { FakeAws } from '../../dev/fake-aws/index.js';
import type { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  REDIS_URL,
  SIGNING_SECRET,
  TEST_AWS_CREDENTIALS,
} from '../support/app-under-test.js';
import { buildBlockAction, buildSlashCommand, postSigned } from '../support/slack-requests.js';

/** Helpers for tests that start the real entry command as a child process. */

const ROOT = resolve(import.meta.dirname, '../..');

/** The two ways the entry command is run: from the sources with tsx's loader, and compiled. */
export const FROM_SOURCES = ['--import', 'tsx', 'src/main.ts'];

/** Production-like settings (Slack over HTTP, AWS and Slack at the fakes, real Redis). */
export function productionEnv(opts: {
  fakeAws: FakeAws;
  fakeSlack: FakeSlack;
  prefix: string;
  redisUrl?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    AMIBOT_SANDBOX: '0',
    PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.fakeSlack.apiUrl,
    SLACK_BOT_USER_ID: opts.fakeSlack.botUserId,
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    AMIBOT_REDIS_PREFIX: opts.prefix,
    AMIBOT_AWS_ENDPOINT: opts.fakeAws.url,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AMIBOT_ACCOUNT_ID: DEFAULT_ACCOUNT_ID,
    LOG_LEVEL: 'info',
    ...opts.extra,
  };
}

export function uniquePrefix(): string {
  return `amibot-test-${randomUUID().slice(0, 8)}`;
}

/**
 * `npm run build` into a temporary directory (`tsc -p tsconfig.build.json --outDir <tmp>`), made
 * runnable there as `node <tmp>/main.js`: a `package.json` saying the files are ES modules, and
 * the project's `node_modules` beside them.
 */
export async function buildIntoTemp(): Promise<{ dir: string; main: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'amibot-dist-'));
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dir],
    { cwd: ROOT },
  );
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, main: join(dir, 'main.js'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** CPU time (user + system, in seconds) of a process and all its descendants, from `/proc`. */
export async function treeCpuSeconds(pid: number): Promise<number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 13) continue;
    // After the command name: state, ppid, …; utime and stime are fields 14 and 15 of the line.
    stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  let ticks = 0;
  const queue = [pid];
  while (queue.length) {
    const p = queue.pop()!;
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) queue.push(child);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** A log line as JSON, or undefined when the line is not one of the logger's (raw output). */
export function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Lines that are errors: JSON at `error`/`fatal` level, or anything that is not a JSON log line. */
export function errorLines(lines: string[]): string[] {
  return lines.filter((l) => {
    const entry = parseLine(l);
    return !entry || entry.level === 'error' || entry.level === 'fatal';
  });
}

/**
 * Files a request through a running web process as a person would (a signed slash command) and
 * returns its id, read from the ephemeral confirmation; throws with the answer when none was filed.
 */
export async function fileOverHttp(
  url: string,
  fakeSlack: FakeSlack,
  opts: { text: string; userId: string; channelId: string },
): Promise<string> {
  const responseId = randomUUID();
  const res = await postSigned(
    url,
    buildSlashCommand({ ...opts, responseUrl: fakeSlack.responseUrl(responseId) }),
    SIGNING_SECRET,
  );
  if (res.status !== 200) throw new Error(`the slash command was answered ${res.status}`);
  const confirmation = allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 15_000 })).body);
  const id = confirmation.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request was filed: ${confirmation}`);
  return id;
}

/** Clicks Approve on request `id` through a running web process (a signed block action); the HTTP status. */
export async function approveOverHttp(
  url: string,
  fakeSlack: FakeSlack,
  opts: { id: string; userId: string; channelId: string },
): Promise<number> {
  const click = await postSigned(
    url,
    buildBlockAction({
      actionId: 'request_approve',
      value: opts.id,
      userId: opts.userId,
      channelId: opts.channelId,
      responseUrl: fakeSlack.responseUrl(randomUUID()),
    }),
    SIGNING_SECRET,
  );
  return click.status;
}
