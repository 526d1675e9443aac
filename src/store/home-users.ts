import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * Who has opened amibot's App Home, and whose Home is due a refresh:
 *
 *   `{<prefix>}:home:users`          SET of user ids that opened Home at least once
 *   `{<prefix>}:home:dirty:<user>`   "something changed since the last publish" (TTL: a stale mark
 *                                    costs one extra publish at most)
 *
 * Only users in the set get refreshes; a user who never opened Home costs nothing.
 */
const DIRTY_TTL_SECONDS = 3600;
/** A Slack user id as events and actions carry it (nothing else becomes part of a key). */
const USER_ID_RE = /^[A-Z0-9_]{2,40}$/;

export class HomeUsers {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  private get usersKey(): string {
    return `${this.root}:home:users`;
  }

  private dirtyKey(userId: string): string {
    if (!USER_ID_RE.test(userId)) throw new Error('not a Slack user id');
    return `${this.root}:home:dirty:${userId}`;
  }

  async remember(userId: string): Promise<void> {
    if (!USER_ID_RE.test(userId)) return;
    await this.redis.sadd(this.usersKey, userId);
  }

  /** The given users that have opened Home, in the given order. */
  async opened(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const flags = await this.redis.smismember(this.usersKey, ...userIds);
    return userIds.filter((_, i) => flags[i] === 1);
  }

  async all(): Promise<string[]> {
    return this.redis.smembers(this.usersKey);
  }

  async markDirty(userId: string): Promise<void> {
    await this.redis.set(this.dirtyKey(userId), '1', 'EX', DIRTY_TTL_SECONDS);
  }

  /** Clears the mark; true when there was one. */
  async takeDirty(userId: string): Promise<boolean> {
    return (await this.redis.del(this.dirtyKey(userId))) > 0;
  }

  async isDirty(userId: string): Promise<boolean> {
    return (await this.redis.exists(this.dirtyKey(userId))) > 0;
  }
}
