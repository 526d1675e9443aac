/**
 * Polls `fn` until it returns something truthy, or fails naming `what` after `timeoutMs`. The
 * generous default keeps end-to-end tests steady on a busy two-core machine; a passing test
 * returns as soon as the condition holds.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 30_000,
  intervalMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
