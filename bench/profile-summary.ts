/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- <name> --cpu-prof`, written to
 * `bench/out/prof/`): where the CPU time went, by package and by function, self and inclusive.
 *
 *   npx tsx bench/profile-summary.ts bench/out/prof/<file>.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/@aws-sdk/client-ec2/…` → `@aws-sdk/client-ec2`; `src/aws/ec2.ts` → `src/aws`. */
export function packageOf(url: string): string {
  if (url === '') return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const src = /\/(src|test|bench)\/(.*)$/.exec(url);
  if (src) {
    const dirs = (src[2] ?? '').split('/');
    return dirs.length > 1 ? `${src[1]}/${dirs[0]}` : `${src[1]}/${dirs[0]}`;
  }
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|test|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = profile.endTime - profile.startTime;
  let idleUs = 0;
  let benchUs = 0;
  const selfByPkg = new Map<string, number>();
  const nearestPkg = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    if (name === '(program)' || name === '(garbage collector)') {
      selfByPkg.set(name, (selfByPkg.get(name) ?? 0) + us);
      nearestPkg.set(name, (nearestPkg.get(name) ?? 0) + us);
      continue;
    }
    const pkg = packageOf(node.callFrame.url);
    // Who asked for this work: the nearest frame (from the leaf up) of a package or of our code.
    let owner = pkg;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? '';
      const p = packageOf(url);
      if (p !== '(native/V8)' && p !== 'node:internal') {
        owner = p;
        break;
      }
    }
    if (owner === 'bench/lib') {
      // The bench's own RPCs, mostly `Profiler.stop` building the profile: not the app's work.
      benchUs += us;
      continue;
    }
    selfByPkg.set(pkg, (selfByPkg.get(pkg) ?? 0) + us);
    nearestPkg.set(owner, (nearestPkg.get(owner) ?? 0) + us);
    const fn = label(node.callFrame);
    selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + us);
    // Inclusive: every distinct function on the stack of this sample gets its time.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveByFn.set(key, (inclusiveByFn.get(key) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs - benchUs;
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((us / busyUs) * 100).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  return [
    `${path}: ${(totalUs / 1000).toFixed(0)} ms profiled, ${(busyUs / 1000).toFixed(0)} ms busy, ` +
      `${(idleUs / 1000).toFixed(0)} ms idle, ${(benchUs / 1000).toFixed(0)} ms bench RPC/profiler (left out; ` +
      'percentages are of busy time)',
    'self time by package:',
    rows(selfByPkg, top),
    'self time attributed to the nearest package frame (node internals and natives go to their caller):',
    rows(nearestPkg, top),
    'self time by function:',
    rows(selfByFn, top),
    'inclusive time by function:',
    rows(inclusiveByFn, top),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, top] = process.argv.slice(2);
  if (!path) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarizeProfile(path, Number(top ?? 25)));
}
