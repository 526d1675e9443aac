import { createHash } from 'node:crypto';
import type { SlackMessage } from '../blocks/message.js';
import type { MessageRef } from '../domain/request.js';
import type { Logger } from '../logger.js';
import { keyRoot } from '../store/keys.js';
import type { RateLimiter, RateSpec } from '../store/rate-limit.js';
import type { RedisConnection } from '../store/redis.js';
import type { SlackNotifier } from './notifier.js';

/** A write of one message never takes this long; the lock frees itself after it. */
const LOCK_MS = 15_000;
const UNLOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface ProgressOptions {
  /** At most one progress update per message in this window (all workers together). */
  minIntervalMs: number;
  /**
   * A budget of updates per channel (all messages, all workers): Slack limits chat.update to
   * about 50 a minute. Progress updates over budget are skipped; final ones wait for a token.
   */
  channelBudget?: { limiter: RateLimiter; spec: RateSpec };
  /**
   * At most this many progress updates per message (state changes and the final state are not
   * counted and always go out): a long copy's message is not rewritten every poll cycle.
   */
  maxUpdatesPerMessage?: number;
  /** How often a final update is retried when Slack rate-limits it. */
  finalAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Updates a Slack message with a job's progress without tripping Slack's rate limits: an update
 * goes out only when the content changed and no other update of that message went out in the
 * last `minIntervalMs` (the slot is claimed in Redis, so several region jobs of one request share
 * it). The final state bypasses the window and is retried after `ratelimited` answers until it
 * lands, so the message never stays stuck at "copying 80 %".
 */
export class ProgressReporter {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly notifier: SlackNotifier,
    private readonly logger: Logger,
    private readonly opts: ProgressOptions,
  ) {
    this.root = keyRoot(prefix);
  }

  private keys(ref: MessageRef) {
    const id = `${ref.channel}-${ref.ts}`;
    return {
      slot: `${this.root}:progress:slot:${id}`,
      count: `${this.root}:progress:count:${id}`,
      hash: `${this.root}:progress:hash:${id}`,
      lock: `${this.root}:progress:lock:${id}`,
      final: `${this.root}:progress:final:${id}`,
    };
  }

  /** Takes the message's write lock (one writer at a time, across processes); returns its token. */
  private async lock(key: string, wait: boolean): Promise<string | undefined> {
    const token = Math.random().toString(36).slice(2);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let i = 0; i < (wait ? 300 : 1); i++) {
      if ((await this.redis.set(key, token, 'PX', LOCK_MS, 'NX')) === 'OK') return token;
      if (wait) await sleep(50);
    }
    return undefined;
  }

  private async unlock(key: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK_SCRIPT, 1, key, token);
  }

  private digest(message: SlackMessage): string {
    return createHash('sha1').update(JSON.stringify(message.blocks)).update(message.text).digest('hex');
  }

  /**
   * A progress update: sent only if changed, the window is free, no other write of the message
   * is in flight, and the final state has not been written yet. Returns whether it was sent.
   */
  async update(ref: MessageRef, message: SlackMessage): Promise<boolean> {
    const k = this.keys(ref);
    const digest = this.digest(message);
    if ((await this.redis.get(k.hash)) === digest) return false;
    if (this.opts.minIntervalMs > 0) {
      const slot = await this.redis.set(k.slot, '1', 'PX', this.opts.minIntervalMs, 'NX');
      if (slot !== 'OK') return false;
    }
    const budget = this.opts.channelBudget;
    if (budget && (await budget.limiter.tryTake(channelBucket(ref.channel), budget.spec)) > 0) return false;
    const token = await this.lock(k.lock, false);
    if (!token) return false;
    try {
      // A late progress update must never overwrite the final state.
      if (await this.redis.exists(k.final)) return false;
      const max = this.opts.maxUpdatesPerMessage;
      if (max !== undefined) {
        const [[, n]] = (await this.redis
          .multi()
          .incr(k.count)
          .expire(k.count, 24 * 3600)
          .exec()) as [[Error | null, number]];
        if (n > max) return false;
      }
      await this.notifier.update(ref, message);
      await this.redis.set(k.hash, digest, 'EX', 24 * 3600);
      return true;
    } catch (err) {
      this.logger.warn('progress update failed; the next one will carry the news', { error: err });
      return false;
    } finally {
      await this.unlock(k.lock, token);
    }
  }

  /**
   * A change of state (a decision, a job starting): written now — not throttled like progress —
   * after any write in flight, unless the final state is shown already. Throws when Slack refuses,
   * so the caller (the outbox relay) retries.
   */
  async set(ref: MessageRef, message: SlackMessage): Promise<void> {
    const k = this.keys(ref);
    const digest = this.digest(message);
    const token = await this.lock(k.lock, true);
    try {
      if (await this.redis.exists(k.final)) return;
      if ((await this.redis.get(k.hash)) === digest) return;
      await this.notifier.update(ref, message);
      await this.redis.set(k.hash, digest, 'EX', 24 * 3600);
    } finally {
      if (token) await this.unlock(k.lock, token);
    }
  }

  /**
   * The final state: always written, after any progress update in flight, retrying after rate
   * limits. Once written, later progress updates of the message are dropped.
   */
  async final(ref: MessageRef, message: SlackMessage): Promise<void> {
    const k = this.keys(ref);
    const digest = this.digest(message);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const attempts = this.opts.finalAttempts ?? 5;
    const token = await this.lock(k.lock, true);
    try {
      await this.redis.set(k.final, '1', 'EX', 24 * 3600);
      const budget = this.opts.channelBudget;
      for (let i = 1; i <= attempts; i++) {
        if ((await this.redis.get(k.hash)) === digest) return;
        if (budget) await budget.limiter.acquire(channelBucket(ref.channel), budget.spec);
        try {
          await this.notifier.update(ref, message);
          await this.redis.set(k.hash, digest, 'EX', 24 * 3600);
          return;
        } catch (err) {
          const retryAfter = (err as { retryAfter?: number }).retryAfter;
          this.logger.warn('final message update failed', { attempt: i, error: err });
          if (i === attempts) throw err;
          await sleep(retryAfter ? retryAfter * 1000 : 1000 * 2 ** (i - 1));
        }
      }
    } finally {
      if (token) await this.unlock(k.lock, token);
    }
  }
}

/** The bucket of message updates in one Slack channel. */
export function channelBucket(channel: string): string {
  return `slack-updates-${channel}`;
}
