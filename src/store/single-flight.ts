/**
 * Shares one in-flight computation among concurrent callers with the same key: a burst of
 * identical `/ami find`s on a cold cache makes one DescribeImages walk, not one per request
 * (which would spend the account's EC2 request budget and invite throttling).
 */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const existing = this.inflight.get(key) as Promise<T> | undefined;
    if (existing) return { value: await existing, shared: true };
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return { value: await p, shared: false };
  }

  get size(): number {
    return this.inflight.size;
  }
}
