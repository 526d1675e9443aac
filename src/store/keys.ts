/**
 * The key layout. Every key of an installation starts with its root, the configured prefix
 * (`AMIBOT_REDIS_PREFIX`, default `amibot`) written as a Redis Cluster hash tag: `{amibot}`. Redis
 * Cluster places a key by the text between its first `{` and the next `}`, so every key of one
 * installation — the requests and their indexes, the audit stream, the outbox, copy slots,
 * progress locks, and BullMQ's queues under `{amibot}:bull:` — lives in one hash slot. That is
 * what lets one Lua script or MULTI touch several of them (the request compare-and-set writes the
 * request, two indexes, the audit stream and the outbox at once) on a cluster; on a single server
 * the braces are just two more characters.
 *
 * The layout is the same on one server and on a cluster, so an installation can move between
 * them by copying its keys. Installations from before the hash tag keep their keys under
 * `amibot:` (no braces): `key-layout.ts` finds them at boot and moves them.
 */
export function keyRoot(prefix: string): string {
  if (/[{}]/.test(prefix)) {
    throw new Error(
      `the Redis key prefix "${prefix}" may not contain "{" or "}": amibot adds the hash tag itself`,
    );
  }
  return `{${prefix}}`;
}

/** Where the keys of `prefix` were before the hash tag (amibot up to the release that added it). */
export function legacyKeyRoot(prefix: string): string {
  return prefix;
}
