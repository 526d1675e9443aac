/**
 * Memory bench: idle RSS of amibot's processes, side by side in one run.
 *
 *   npx tsx bench/memory.ts            # npm run build, then measure (≈ 2 min)
 *   npx tsx bench/memory.ts --no-build # use the dist/ that is there
 *   npx tsx bench/memory.ts --no-tsx   # skip the `npm start` (tsx) rows
 *   npx tsx bench/memory.ts --env=MALLOC_ARENA_MAX=2   # experiment: extra env for the amibot processes
 *   npm run bench -- memory            # the same through the dispatcher
 *
 * Every process is the real entry command started as production starts it (`node dist/main.js`,
 * NODE_ENV=production), with Slack settings pointing at a fake Slack and AWS at a fake AWS that
 * this bench starts in its own process (so the fakes' memory is not counted), real Redis under a
 * unique AMIBOT_REDIS_PREFIX. Rows: the web role (default answer threads, and with
 * AMIBOT_ANSWER_THREADS=0 to show what the thread costs), the worker role, the `all` role, a bare
 * Bolt app (`bench/lib/bare-bolt.mjs`), a bare Node process, and the web and worker roles from the
 * sources as `npm start` runs them (`node --import tsx src/main.ts`; `npm start` runs `tsx`, whose
 * CLI starts exactly that as a child process).
 *
 * Readings (all from the same processes): VmRSS from /proc/<pid>/status 10 s after every process
 * was ready ("boot"); then each web process answers three signed /ami commands (help, find, show),
 * and RSS is read 10 s later and again after `--idle=<s>` seconds (default 60: V8's memory reducer
 * shrinks the heaps after some 20–40 s of quiet, so the 10 s reading overstates what an idle
 * process holds); then once more right after a full GC. VmHWM is the peak RSS. Heap used (main thread only: answer threads have
 * heaps of their own, counted in RSS) comes from `bench/lib/memory-probe.mjs`, loaded with
 * `--import` into every measured process; it answers over the IPC channel and costs a few hundred
 * KiB (compare the bare Node row with `node -e` alone if that matters).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { buildSlashCommand, postSigned } from '../dev/fake-slack/slack-payloads.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The checkout: the first folder up from this file with `src/main.ts` (also from bench/out/dist). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'src/main.ts')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the checkout (src/main.ts) above bench/memory');
    dir = up;
  }
}

export interface MemoryOptions {
  build?: boolean;
  tsx?: boolean;
  idleSeconds?: number;
  /** Experiments: extra environment for every amibot process (`--env=MALLOC_ARENA_MAX=2`). */
  env?: Record<string, string>;
}

interface Subject {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Line that says the process is ready (web: its port). */
  ready: RegExp;
  /** Receives the warm-up commands (web roles and the bare Bolt app). */
  web: boolean;
  /** The web role's answers reach the fake Slack (the bare app only acks). */
  answers: boolean;
}

interface Reading {
  rssKb: number;
  hwmKb: number;
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
}

interface Running {
  subject: Subject;
  child: ChildProcess;
  lines: string[];
  port?: number;
  readyMs?: number;
  readings: Record<string, Reading>;
  answered: number;
}

const MiB = 1024 * 1024;
/** The first reading, 10 s after ready (and 10 s after the warm-up), before V8 has shrunk its heaps. */
const BOOT_IDLE_MS = 10_000;

function procStatusKb(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

let probeId = 0;
function probe(run: Running, gc: boolean): Promise<Omit<Reading, 'rssKb' | 'hwmKb'>> {
  const id = ++probeId;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      run.child.off('message', onMessage);
      resolve({});
    }, 5_000);
    const onMessage = (msg: unknown) => {
      const m = msg as { type?: string; id?: number; heapUsed: number; heapTotal: number; external: number };
      if (m?.type !== 'memory-probe' || m.id !== id) return;
      clearTimeout(timer);
      run.child.off('message', onMessage);
      resolve({ heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
    };
    run.child.on('message', onMessage);
    run.child.send({ type: 'memory-probe', id, gc });
  });
}

async function read(run: Running, label: string, gc = false): Promise<void> {
  const heap = await probe(run, gc);
  // After the probe, so a GC it ran is reflected in the RSS.
  run.readings[label] = { ...procStatusKb(run.child.pid as number), ...heap };
}

function start(root: string, subject: Subject): Running {
  const started = performance.now();
  const child = spawn(process.execPath, subject.args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...subject.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const run: Running = { subject, child, lines: [], readings: {}, answered: 0 };
  let partial = '';
  const feed = (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      run.lines.push(line);
      const port = line.match(/listening on :(\d+)/)?.[1];
      if (port && run.port === undefined) run.port = Number(port);
      if (run.readyMs === undefined && subject.ready.test(line)) run.readyMs = performance.now() - started;
    }
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  return run;
}

async function waitReady(runs: Running[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (runs.some((r) => r.readyMs === undefined)) {
    const dead = runs.find((r) => r.child.exitCode !== null);
    if (dead) throw new Error(`${dead.subject.name} exited:\n${dead.lines.slice(-20).join('\n')}`);
    if (Date.now() > until) {
      const late = runs.filter((r) => r.readyMs === undefined);
      throw new Error(
        `not ready within ${timeoutMs} ms: ${late.map((r) => `${r.subject.name}\n${r.lines.slice(-10).join('\n')}`).join('\n')}`,
      );
    }
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Three signed /ami commands (help, find, show); waits for the answers when the app gives them. */
async function warm(run: Running, fakeSlack: FakeSlack, imageName: string, imageId: string): Promise<void> {
  const url = `http://127.0.0.1:${run.port}/slack/events`;
  for (const text of ['help', `find ${imageName}`, `show ${imageId}`]) {
    const responseId = randomUUID();
    const ack = await postSigned(
      url,
      buildSlashCommand({ text, userId: 'UBENCHMEM', responseUrl: fakeSlack.responseUrl(responseId) }),
      SIGNING_SECRET,
    );
    if (ack.status !== 200) throw new Error(`${run.subject.name}: /ami ${text} got HTTP ${ack.status}`);
    if (run.subject.answers) {
      await fakeSlack.waitForResponse(responseId, { timeoutMs: 30_000 });
      run.answered++;
    }
  }
}

const mb = (kb: number | undefined) => (kb === undefined || Number.isNaN(kb) ? '–' : (kb / 1024).toFixed(1));
const mbBytes = (b: number | undefined) => (b === undefined ? '–' : (b / MiB).toFixed(1));

export async function runMemory(
  options: MemoryOptions = {},
): Promise<{ markdown: string } & Record<string, unknown>> {
  const root = findRoot();
  const idleMs = (options.idleSeconds ?? 60) * 1000;
  if (options.build !== false) {
    console.log('npm run build …');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(join(root, 'dist/main.js'))) throw new Error('no dist/main.js: run `npm run build` first');

  const fakeAws = await FakeAws.start();
  const fakeSlack = await FakeSlack.start();
  const prefix = `amibot-bench-mem-${randomUUID().slice(0, 8)}`;
  const image = fakeAws.addImage({ name: `bench-memory-${prefix}` });
  const probeFlag = ['--import', './bench/lib/memory-probe.mjs'];
  const botEnv = (role: string, extra: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'production',
    AMIBOT_ROLE: role,
    PORT: '0',
    AMIBOT_WORKER_PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fakeSlack.apiUrl,
    SLACK_BOT_USER_ID: fakeSlack.botUserId,
    REDIS_URL,
    AMIBOT_REDIS_PREFIX: prefix,
    AMIBOT_AWS_ENDPOINT: fakeAws.url,
    AWS_ACCESS_KEY_ID: 'AKIAAMIBOTBENCH00001',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
    AWS_REGION: 'us-east-1',
    AMIBOT_ACCOUNT_ID: '111111111111',
    LOG_LEVEL: 'info',
    ...options.env,
    ...extra,
  });
  const compiled = [...probeFlag, 'dist/main.js'];
  const sources = ['--import', 'tsx', ...probeFlag, 'src/main.ts'];
  const web = /listening on :\d+/;
  const worker = /workers running/;
  const subjects: Subject[] = [
    {
      name: 'web (node dist/main.js)',
      args: compiled,
      env: botEnv('web'),
      ready: web,
      web: true,
      answers: true,
    },
    {
      name: 'web, AMIBOT_ANSWER_THREADS=0',
      args: compiled,
      env: botEnv('web', { AMIBOT_ANSWER_THREADS: '0' }),
      ready: web,
      web: true,
      answers: true,
    },
    {
      name: 'worker (node dist/main.js)',
      args: compiled,
      env: botEnv('worker'),
      ready: worker,
      web: false,
      answers: false,
    },
    {
      name: 'all (node dist/main.js)',
      args: compiled,
      env: botEnv('all'),
      ready: worker,
      web: true,
      answers: true,
    },
    {
      name: 'bare Bolt app',
      args: [...probeFlag, 'bench/lib/bare-bolt.mjs'],
      env: {
        SLACK_BOT_TOKEN: 'xoxb-bench-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fakeSlack.apiUrl,
        PORT: '0',
      },
      ready: web,
      web: true,
      answers: false,
    },
    {
      name: 'bare node',
      args: [...probeFlag, '-e', 'console.log("ready"); setInterval(() => {}, 60_000)'],
      env: {},
      ready: /ready/,
      web: false,
      answers: false,
    },
  ];
  if (options.tsx !== false) {
    subjects.push(
      {
        name: 'web (npm start, tsx)',
        args: sources,
        env: botEnv('web'),
        ready: web,
        web: true,
        answers: true,
      },
      {
        name: 'worker (npm start, tsx)',
        args: sources,
        env: botEnv('worker'),
        ready: worker,
        web: false,
        answers: false,
      },
    );
  }

  const runs: Running[] = [];
  try {
    // Started one after another (each ready before the next starts), so boots do not compete for CPU.
    for (const subject of subjects) {
      const run = start(root, subject);
      runs.push(run);
      await waitReady([run], 90_000);
      console.log(`${subject.name}: ready in ${((run.readyMs ?? 0) / 1000).toFixed(1)} s`);
    }
    await sleep(BOOT_IDLE_MS);
    for (const run of runs) await read(run, 'boot');
    for (const run of runs) if (run.subject.web) await warm(run, fakeSlack, image.name ?? '', image.imageId);
    await sleep(BOOT_IDLE_MS);
    for (const run of runs) await read(run, 'warm10');
    await sleep(Math.max(0, idleMs - BOOT_IDLE_MS));
    for (const run of runs) await read(run, 'warm');
    for (const run of runs) await read(run, 'gc', true);
    const errors = runs.flatMap((r) =>
      r.lines.filter((l) => /"level":"(error|fatal)"/.test(l)).map((l) => `${r.subject.name}: ${l}`),
    );

    const rows = runs.map((r) => {
      const { boot, warm10, warm: w, gc } = r.readings;
      return `| ${r.subject.name} | ${mb(boot?.rssKb)} | ${mb(warm10?.rssKb)} | ${mb(w?.rssKb)} | ${mb(gc?.rssKb)} | ${mb(gc?.hwmKb)} | ${mbBytes(w?.heapUsed)} | ${mbBytes(gc?.heapUsed)} | ${mbBytes(gc?.external)} |`;
    });
    const target = (name: string, limitMb: number) => {
      const r = runs.find((x) => x.subject.name === name)?.readings.warm;
      return r
        ? `${name}: ${mb(r.rssKb)} MiB = ${((r.rssKb * 1024) / 1e6).toFixed(1)} MB (target ≤ ${limitMb} MB) ${(r.rssKb * 1024) / 1e6 <= limitMb ? 'met' : 'NOT met'}`
        : '';
    };
    const markdown = [
      `RSS (VmRSS, MiB) 10 s after ready ("boot"); 10 s and ${idleMs / 1000} s after 3 signed /ami commands per web process ("warm 10 s", "warm idle": V8 shrinks its heaps after ~20–40 s of quiet, so the last is the idle figure); then after a full GC. Peak = VmHWM. Heap = the main thread's V8 heap (answer threads have their own, counted in RSS only).`,
      '',
      '| process | RSS boot | RSS warm 10 s | RSS warm idle | RSS after GC | peak RSS | heap used warm idle | heap used after GC | external after GC |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      target('web (node dist/main.js)', 150),
      target('worker (node dist/main.js)', 120),
      errors.length ? `\nerror lines:\n${errors.join('\n')}` : '',
    ].join('\n');
    return {
      markdown,
      idleSeconds: idleMs / 1000,
      processes: runs.map((r) => ({
        name: r.subject.name,
        readyMs: r.readyMs,
        readings: r.readings,
        answered: r.answered,
      })),
      errors,
    };
  } finally {
    for (const run of runs) run.child.kill('SIGTERM');
    await Promise.all(
      runs.map((r) =>
        r.child.exitCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              const t = setTimeout(() => {
                r.child.kill('SIGKILL');
                resolve();
              }, 10_000);
              r.child.on('exit', () => {
                clearTimeout(t);
                resolve();
              });
            }),
      ),
    );
    await fakeAws.close();
    await fakeSlack.close();
    const redis = new Redis(REDIS_URL);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/memory.ts')) {
  const args = process.argv.slice(2);
  const idle = args.find((a) => a.startsWith('--idle='));
  const result = await runMemory({
    build: !args.includes('--no-build'),
    tsx: !args.includes('--no-tsx'),
    idleSeconds: idle ? Number(idle.slice('--idle='.length)) : undefined,
    env: Object.fromEntries(
      args
        .filter((a) => a.startsWith('--env='))
        .map((a) => {
          const [key = '', ...value] = a.slice('--env='.length).split('=');
          return [key, value.join('=')];
        }),
    ),
  });
  console.log(`node ${process.version}\n`);
  console.log(result.markdown);
}
