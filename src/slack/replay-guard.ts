import { createHash } from 'node:crypto';
import { keyRoot } from '../store/keys.js';
import type { RedisConnection } from '../store/redis.js';
import { noteRedisFailure, noteRedisSuccess } from '../store/redis.js';

/** Slack's window: a request whose timestamp is further than this from now is refused. */
export const SLACK_WINDOW_SECONDS = 5 * 60;
/** A signature is remembered this long after its timestamp leaves the window. */
const MARGIN_SECONDS = 30;

export type Sighting = 'first' | 'seen' | 'unknown';

/**
 * Remembers the signatures of the Slack requests already accepted, so the same signed request
 * sent again (a replay, or a proxy retrying) is acknowledged and not processed twice. One
 * `SET NX` per request under `<prefix>:slack-sig:<sha256 of the signature>`, expiring when the
 * request's timestamp leaves Slack's 5-minute window (plus a margin): about 330 s for a request
 * sent now, at most 630 s for one stamped 5 minutes ahead. After that the timestamp check refuses
 * the request anyway.
 */
export class ReplayGuard {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    keyPrefix: string,
    private readonly timeoutMs = 1_000,
  ) {
    this.root = keyRoot(keyPrefix);
  }

  /**
   * `first` when this signature was not seen within the window (and is now remembered), `seen` when
   * it was, `unknown` when Redis did not answer in time: the caller then refuses to process the
   * request (fail closed).
   */
  async sight(signature: string, timestampSec: number, nowSec: number): Promise<Sighting> {
    const key = `${this.root}:slack-sig:${createHash('sha256').update(signature).digest('hex').slice(0, 40)}`;
    const ttl = Math.max(1, timestampSec + SLACK_WINDOW_SECONDS + MARGIN_SECONDS - nowSec);
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.set(key, String(nowSec), 'EX', ttl, 'NX'),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
        }),
      ]);
      if (answer === 'timeout') {
        noteRedisFailure(this.redis, new Error(`Redis did not answer within ${this.timeoutMs} ms`));
        return 'unknown';
      }
      noteRedisSuccess(this.redis);
      return answer === 'OK' ? 'first' : 'seen';
    } catch (err) {
      // Counted in the connection's outage log (one line a minute), not logged per request.
      noteRedisFailure(this.redis, err);
      return 'unknown';
    } finally {
      clearTimeout(timer);
    }
  }
}
