/**
 * `npm run bench` runs every bench; `npm run bench -- ack` (or `find`) runs one.
 * Options: `--quick` (small counts, for checking the harness), `--cpu-prof` (CPU profiles of the
 * measured phase of each child into `bench/out/prof/`; see bench/profile-summary.ts),
 * `--compiled` (compile to bench/out/dist and run everything on plain node, as production does),
 * `--node-http-fetch` (ack only, an experiment: amibot's `respond()` POSTs through node:http
 * instead of the global fetch). Results: stdout (markdown) and `bench/out/<bench>-<time>.json`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAckLatency } from './ack-latency.js';
import { runExpirySweepBench } from './expiry-sweep.js';
import { runFindAtScale } from './find-at-scale.js';

interface Bench {
  names: string[];
  run: (quick: boolean, profileDir: string | undefined, flags: string[]) => Promise<{ markdown: string }>;
}

const BENCHES: Bench[] = [
  {
    names: ['expiry', 'expiry-sweep'],
    run: (quick) => runExpirySweepBench(quick ? { images: 2_000 } : {}),
  },
  {
    names: ['ack', 'ack-latency'],
    run: (quick, profileDir, flags) =>
      runAckLatency({
        ...(quick ? { requests: 200, batch: 50, warmup: 50, sequential: 20 } : {}),
        profileDir,
        amibotFetch: flags.includes('--node-http-fetch') ? 'node-http' : 'global',
      }),
  },
  {
    names: ['find', 'find-at-scale'],
    run: (quick, profileDir) =>
      runFindAtScale(quick ? { images: 10_000, rounds: 2, warmPerRound: 10, profileDir } : { profileDir }),
  },
  {
    names: ['promote'],
    run: async () => {
      const { runPromoteBench } = await import('./promote.js');
      return runPromoteBench();
    },
  },
  {
    names: ['memory', 'idle-memory'],
    run: async (_quick, _profileDir, flags) => {
      const { runMemory } = await import('./memory.js');
      return runMemory({ build: !flags.includes('--no-build'), tsx: !flags.includes('--no-tsx') });
    },
  },
  {
    names: ['copy', 'copy-fanout'],
    run: async (quick, _profileDir, flags) => {
      const { runCopyFanout, copyFanoutOptionsFromFlags } = await import('./copy-fanout.js');
      return runCopyFanout(copyFanoutOptionsFromFlags(quick, flags));
    },
  },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const compiled = import.meta.url.endsWith('.js');
const benchDir = fileURLToPath(new URL(compiled ? '../../../' : './', import.meta.url));
const outDir = `${benchDir}out/`;

if (args.includes('--compiled') && !compiled) {
  // Production runs compiled JavaScript on plain node (see the Dockerfile), not tsx: compile the
  // project (src, test, bench) into bench/out/dist and run the same benches from there.
  const dist = `${outDir}dist`;
  console.log(`compiling into ${dist} …`);
  try {
    execFileSync(
      'npx',
      ['tsc', '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', dist, '--sourceMap', 'false'],
      {
        stdio: 'inherit',
      },
    );
  } catch {
    console.log('(tsc reported type errors; the emitted JavaScript is used anyway)');
  }
  execFileSync(process.execPath, [`${dist}/bench/run.js`, ...args], { stdio: 'inherit' });
  process.exit(0);
}
const profileDir = args.includes('--cpu-prof') ? `${outDir}prof` : undefined;
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.names.includes(w)));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.names[0]).join(', ')}`);
  process.exit(2);
}
const selected =
  wanted.length === 0 ? BENCHES : BENCHES.filter((b) => b.names.some((n) => wanted.includes(n)));

/** What was measured: the commit, and whether src/ or test/ differed from it (read-only git). */
function provenance(): { commit: string; dirty: string[] } {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'test').split('\n').filter(Boolean);
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

mkdirSync(outDir, { recursive: true });
const source = provenance();
console.log(
  `node ${process.version}${compiled ? ' (compiled JavaScript, no tsx)' : ' (tsx)'}, commit ${source.commit}` +
    (source.dirty.length ? ` + ${source.dirty.length} uncommitted change(s) in src/ or test/` : ''),
);
for (const bench of selected) {
  const name = bench.names[1] as string;
  console.log(`\n## ${name}${quick ? ' (quick)' : ''}\n`);
  const started = performance.now();
  const result = await bench.run(quick, profileDir, args);
  console.log(result.markdown);
  console.log(`\n(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const file = `${outDir}${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const { markdown: _markdown, ...data } = result as { markdown: string } & Record<string, unknown>;
  writeFileSync(
    file,
    `${JSON.stringify({ source, runtime: compiled ? 'node' : 'tsx', ...data }, null, 2)}\n`,
  );
  console.log(`(results: ${file})`);
}
