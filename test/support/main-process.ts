import { type ChildProcess, spawn } from 'node:child_process';

/**
 * The real entry command (`src/main.ts`, started as `npm start` does: Node with tsx's loader) as a
 * child process, for process-level tests: its output is collected line by line and its HTTP port
 * read from the "listening on" line.
 */
export interface MainProcess {
  child: ChildProcess;
  /** Every line written so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line matching `re` (rejects after `timeoutMs` or if the process exits first). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** The port from the "listening on :PORT" line (web and all roles). */
  port(timeoutMs?: number): Promise<number>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function startMain(env: Record<string, string>, opts: { entry?: string[] } = {}): MainProcess {
  const child = spawn(process.execPath, opts.entry ?? ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // A worker's health server on a free port, so worker processes started side by side do not collide.
      AMIBOT_WORKER_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void }>();
  let partial = '';
  const feed = (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      lines.push(line);
      for (const w of waiters) {
        if (w.re.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLine = (re: RegExp, timeoutMs = 30_000) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const entry = { re, resolve };
      waiters.add(entry);
      const timer = setTimeout(() => {
        waiters.delete(entry);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.join('\n')}`));
      }, timeoutMs);
      void exited.then((code) => {
        if (!waiters.has(entry)) return;
        waiters.delete(entry);
        clearTimeout(timer);
        reject(
          new Error(`process exited (${code}) before a line matching ${re}; output:\n${lines.join('\n')}`),
        );
      });
      const done = entry.resolve;
      entry.resolve = (l) => {
        clearTimeout(timer);
        done(l);
      };
    });
  };
  return {
    child,
    lines,
    waitForLine,
    async port(timeoutMs) {
      const line = await waitForLine(/listening on :\d+/, timeoutMs);
      return Number(line.match(/listening on :(\d+)/)?.[1]);
    },
    exited,
    kill(signal = 'SIGTERM') {
      child.kill(signal);
    },
  };
}
