import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * The moto AWS emulator (`python3 -m moto.server`), an independent check on the fake AWS.
 *
 * `startMoto()` uses the server at `AMIBOT_MOTO_URL` when that is set (CI starts one for the whole
 * run), else starts moto on a free port and waits until it answers. When moto is not installed it
 * returns undefined, so the moto half of a suite can be skipped.
 *
 * Moto keeps its state for as long as it runs and every test file of a run may share it: tests
 * name what they create uniquely and never reset it.
 */
export interface MotoServer {
  url: string;
  /** True when this process started the server (and `stop` ends it). */
  owned: boolean;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** Whether `python3 -c 'import moto'` works. */
export function motoInstalled(): boolean {
  const probe = spawnSync('python3', ['-c', 'import moto'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once moto's own API answers, or rejects when the process dies or time runs out. */
async function waitUntilAnswering(url: string, child?: ChildProcess): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  let exited: number | null | undefined;
  child?.once('exit', (code) => {
    exited = code;
  });
  for (;;) {
    if (exited !== undefined) throw new Error(`moto exited with code ${exited} before answering`);
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`moto at ${url} did not answer within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startMoto(): Promise<MotoServer | undefined> {
  const given = process.env['AMIBOT_MOTO_URL'];
  if (given) {
    const url = given.replace(/\/+$/, '');
    await waitUntilAnswering(url);
    return { url, owned: false, stop: async () => {} };
  }
  if (!motoInstalled()) return undefined;
  // Another process may take the port between the probe and moto's bind: try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilAnswering(url, child);
      return { url, owned: true, stop: () => stopChild(child) };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  throw lastError;
}
