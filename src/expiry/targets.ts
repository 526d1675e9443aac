import type { AccountConfig, Config } from '../config.js';

export interface SweepTarget {
  account: AccountConfig;
  region: string;
}

/** Every configured account × region: the account's regions, else the default region. */
export function sweepTargets(
  config: Pick<Config, 'accounts' | 'defaultRegion'>,
  filter: { account?: AccountConfig; region?: string } = {},
): SweepTarget[] {
  const out: SweepTarget[] = [];
  for (const account of filter.account ? [filter.account] : config.accounts) {
    const regions = filter.region
      ? [filter.region]
      : account.regions.length > 0
        ? account.regions
        : [config.defaultRegion];
    for (const region of regions) out.push({ account, region });
  }
  return out;
}

/** Runs `fn` over `items` with at most `limit` at a time; resolves when all are done (errors propagate). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * At most `max` tasks in flight: `add` waits for a free slot, then starts the task and returns
 * without waiting for it, so the caller (the page walk) goes on while earlier posts finish.
 * Memory stays bounded by `max` tasks. Task errors are the task's own business (log them inside).
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly max: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.max) await Promise.race(this.running);
    const p: Promise<void> = task()
      .catch(() => {})
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
