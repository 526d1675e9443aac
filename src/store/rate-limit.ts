import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * A token bucket in Redis, shared by every worker process, for mutating EC2 calls per
 * (account, region). EC2 throttles per account and region (CopyImage refills about one token
 * per second), so bursts from many workers must be smoothed here, not discovered as
 * `RequestLimitExceeded`.
 *
 * The script refills `rate` tokens per second up to `burst`, takes one if it can and returns 0,
 * else returns how many milliseconds until a token will be there.
 */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
return wait
`;

/**
 * A reservation in a paced sequence (GCRA): slots are `1000 / rate` ms apart, the first `burst`
 * after a quiet spell are free at once. Returns the ms until this caller's slot. Unlike `tryTake`,
 * every caller gets its own future slot, so many waiters come back one by one instead of all
 * retrying at once.
 */
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local newTat = tat + interval
local allowAt = newTat - burst * interval
local wait = 0
if allowAt > now then wait = allowAt - now end
redis.call('SET', KEYS[1], tostring(newTat), 'PX', (newTat - now) + 60000)
return wait
`;

export interface RateSpec {
  /** Tokens per second. */
  rate: number;
  /** Bucket size: how many calls may go at once after a quiet spell. */
  burst: number;
}

export class RateLimiter {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly now: () => number = () => Date.now(),
  ) {
    this.root = keyRoot(prefix);
    redis.defineCommand('amibotTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    redis.defineCommand('amibotReserveSlot', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
  }

  /**
   * Reserves this caller's slot in a paced sequence shared by every process (see RESERVE_SCRIPT);
   * returns the ms to wait for it. Real time: it paces real API calls.
   */
  async reserve(bucket: string, spec: RateSpec, nowMs: number = this.now()): Promise<number> {
    const key = `${this.root}:slots:${bucket}`;
    const r = this.redis as unknown as { amibotReserveSlot(...a: (string | number)[]): Promise<number> };
    return Number(await r.amibotReserveSlot(key, nowMs, Math.ceil(1000 / spec.rate), spec.burst));
  }

  /** Takes one token, or says how long to wait (ms) before one is there. */
  async tryTake(bucket: string, spec: RateSpec): Promise<number> {
    const key = `${this.root}:ratelimit:${bucket}`;
    const r = this.redis as unknown as { amibotTakeToken(...a: (string | number)[]): Promise<number> };
    return r.amibotTakeToken(key, this.now(), spec.rate, spec.burst);
  }

  /** Waits until a token is free, then takes it. Returns the time waited in ms. */
  async acquire(bucket: string, spec: RateSpec): Promise<number> {
    let waited = 0;
    for (;;) {
      const wait = await this.tryTake(bucket, spec);
      if (wait === 0) return waited;
      // A little jitter so many workers waiting on one bucket do not all wake at once.
      const ms = wait + Math.floor(Math.random() * 50);
      await this.sleep(ms);
      waited += ms;
    }
  }
}

/** The bucket of CopyImage calls of one account in one region. */
export function copyBucket(account: string, region: string): string {
  return `ec2-copyimage-${account}-${region}`;
}

/** The bucket of other mutating EC2 calls of one account in one region. */
export function mutateBucket(account: string, region: string): string {
  return `ec2-mutate-${account}-${region}`;
}
