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
