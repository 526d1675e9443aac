import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SlackMessage } from '../blocks/message.js';
import type { MessageRef } from '../domain/request.js';
import type { Logger } from '../logger.js';
import type { SlackNotifier } from './notifier.js';

export interface ProgressOptions {
  /** At most one progress update per message in this window (all workers together). */
  minIntervalMs: number;
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
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly notifier: SlackNotifier,
    private readonly logger: Logger,
    private readonly opts: ProgressOptions,
  ) {}

  private keys(ref: MessageRef) {
    const id = `${ref.channel}-${ref.ts}`;
    return { slot: `${this.prefix}:progress:slot:${id}`, hash: `${this.prefix}:progress:hash:${id}` };
  }

  private digest(message: SlackMessage): string {
    return createHash('sha1').update(JSON.stringify(message.blocks)).update(message.text).digest('hex');
  }

  /** A progress update: sent only if changed and the window is free. Returns whether it was sent. */
  async update(ref: MessageRef, message: SlackMessage): Promise<boolean> {
    const k = this.keys(ref);
    const digest = this.digest(message);
    if ((await this.redis.get(k.hash)) === digest) return false;
    const slot = await this.redis.set(k.slot, '1', 'PX', this.opts.minIntervalMs, 'NX');
    if (slot !== 'OK') return false;
    try {
      await this.notifier.update(ref, message);
      await this.redis.set(k.hash, digest, 'EX', 24 * 3600);
      return true;
    } catch (err) {
      this.logger.warn('progress update failed; the next one will carry the news', { error: err });
      return false;
    }
  }

  /** The final state: always written (unless identical to what is shown), retrying after rate limits. */
  async final(ref: MessageRef, message: SlackMessage): Promise<void> {
    const k = this.keys(ref);
    const digest = this.digest(message);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const attempts = this.opts.finalAttempts ?? 5;
    for (let i = 1; i <= attempts; i++) {
      if ((await this.redis.get(k.hash)) === digest) return;
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
  }
}
