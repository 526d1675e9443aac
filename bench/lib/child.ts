/**
 * Child processes for the benches: each server (the bot, the bare Bolt app, the fakes) runs in its
 * own Node process so that its event loop and its memory are its own, and talks to the bench over
 * the IPC channel with tiny request/reply messages.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

interface RpcRequest {
  id: number;
  cmd: string;
  args?: unknown;
}

type RpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

interface ReadyMessage {
  type: 'ready';
  info: unknown;
}

export type RpcHandlers = Record<string, (args: unknown) => unknown>;

/** Process usage as a child reports it (`process.resourceUsage().maxRSS` is in KiB). */
export interface ProcessUsage {
  userMicros: number;
  systemMicros: number;
  maxRssKb: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export function processUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    userMicros: cpu.user,
    systemMicros: cpu.system,
    maxRssKb: process.resourceUsage().maxRSS,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
  };
}

/** CPU milliseconds (user + system) spent between two usage readings. */
export function cpuMsBetween(before: ProcessUsage, after: ProcessUsage): number {
  return (after.userMicros - before.userMicros + after.systemMicros - before.systemMicros) / 1000;
}

/**
 * CPU profiling of this process on demand (V8's sampling profiler through the inspector), so a
 * profile covers only the phase being measured, not the boot or the warm-up.
 */
function profilerHandlers(): RpcHandlers {
  let session: Session | undefined;
  return {
    profileStart: async () => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    },
    /** Stops the profile started by `profileStart` and writes it to `path` (a `.cpuprofile`). */
    profileStop: async (args: unknown) => {
      const { path } = args as { path: string };
      if (!session) throw new Error('no profile running');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
}

/**
 * Child side: answers RPCs, announces `ready` with `info`, and shuts down (calling `close`) when
 * asked to or when the parent goes away, so no child outlives a crashed bench. Every child also
 * answers `usage`, `profileStart` and `profileStop`.
 */
export function serveRpc(own: RpcHandlers, info: unknown, close: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script is a bench child: start it with fork() (see bench/lib/child.ts)');
  const handlers: RpcHandlers = { usage: () => processUsage(), ...profilerHandlers(), ...own };
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    await close().catch(() => {});
    process.exit(code);
  };
  process.on('message', (raw: unknown) => {
    const msg = raw as RpcRequest;
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return;
    if (msg.cmd === 'close') {
      send({ id: msg.id, ok: true, result: null } satisfies RpcReply, () => void shutdown(0));
      return;
    }
    const handler = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        return handler(msg.args);
      })
      .then(
        (result) => send({ id: msg.id, ok: true, result: result ?? null } satisfies RpcReply),
        (error: unknown) =>
          send({
            id: msg.id,
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies RpcReply),
      );
  });
  process.on('disconnect', () => void shutdown(1));
  send({ type: 'ready', info } satisfies ReadyMessage);
}

/** Parent side: a forked child (TypeScript through tsx, or compiled JavaScript) and its RPC channel. */
export class Child<Info = unknown> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    readonly info: Info,
  ) {
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null) resolve(proc.exitCode);
      else proc.once('exit', (code) => resolve(code));
    });
    proc.on('message', (raw: unknown) => {
      const msg = raw as RpcReply;
      if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(new Error(`${this.name}: ${msg.error}`));
    });
    proc.once('exit', (code, signal) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${this.name} exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Forks `script` (a path relative to `bench/`) with `args`; resolves once the child says it is ready. */
  static async start<Info>(
    name: string,
    script: string,
    args: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<Child<Info>> {
    // Compiled (`--compiled`, see run.ts): this file is .js, the children are .js run by plain node.
    const compiled = import.meta.url.endsWith('.js');
    const file = compiled ? script.replace(/\.ts$/, '.js') : script;
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    const proc = fork(path, args, {
      execArgv: compiled ? [] : ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill();
        reject(new Error(`${name} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it was ready (code ${code})`));
      };
      proc.once('exit', onExit);
      const onMessage = (raw: unknown) => {
        const msg = raw as ReadyMessage;
        if (typeof msg === 'object' && msg !== null && msg.type === 'ready') {
          clearTimeout(timer);
          proc.off('exit', onExit);
          proc.off('message', onMessage);
          resolve(msg.info as Info);
        }
      };
      proc.on('message', onMessage);
    });
    return new Child<Info>(name, proc, info);
  }

  call<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, args } satisfies RpcRequest, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  usage(): Promise<ProcessUsage> {
    return this.call<ProcessUsage>('usage');
  }

  profileStart(): Promise<void> {
    return this.call('profileStart');
  }

  profileStop(path: string): Promise<string> {
    return this.call<string>('profileStop', { path });
  }

  /** Asks the child to close and exit; kills this child (by its own pid) if it does not within 10 s. */
  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await this.call('close').catch(() => {});
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
