import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (Redis), for fault tests that must not touch the shared
 * server itself: `freeze()` stops forwarding bytes both ways (a hung Redis: connections stay open,
 * nothing answers), `cut()` drops every connection and refuses new ones (Redis down), `heal()`
 * goes back to normal.
 */
export class TcpProxy {
  private mode: 'open' | 'frozen' | 'cut' = 'open';
  private trigger: { pattern: RegExp; mode: 'frozen' | 'cut' } | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('proxy did not bind');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** `redis://127.0.0.1:<port>` for a Redis behind the proxy. */
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pair = { client, upstream };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    upstream.connect(target.port, target.host);
    client.on('data', (chunk) => {
      const armed = this.trigger;
      if (this.mode === 'open' && armed && armed.pattern.test(chunk.toString('latin1'))) {
        // The fault begins with this command: it never reaches the server.
        this.trigger = undefined;
        if (armed.mode === 'cut') this.cut();
        else this.freeze();
      }
      if (this.mode === 'open') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'open') client.write(chunk);
    });
  }

  /**
   * Arms a fault that begins with the first command a client sends whose bytes match `pattern`
   * (that command is lost): Redis goes away in the middle of a request, after the commands before
   * it were answered.
   */
  faultOn(pattern: RegExp, fault: 'freeze' | 'cut'): void {
    this.trigger = { pattern, mode: fault === 'cut' ? 'cut' : 'frozen' };
  }

  /** Bytes are swallowed both ways; connections stay open. */
  freeze(): void {
    this.mode = 'frozen';
  }

  /** Every connection is dropped and new ones are refused. */
  cut(): void {
    this.mode = 'cut';
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Back to forwarding. Connections frozen meanwhile are dropped (their bytes were lost). */
  heal(): void {
    this.trigger = undefined;
    if (this.mode === 'frozen') {
      for (const { client, upstream } of this.pairs) {
        client.destroy();
        upstream.destroy();
      }
      this.pairs.clear();
    }
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
