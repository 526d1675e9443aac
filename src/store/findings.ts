import { createHash } from 'node:crypto';
import type { FindingLedger, Waiver } from '../domain/findings.js';
import { REMINDER_ID_RE } from '../domain/ids.js';
import type { ImageOwner, RouteSource } from '../domain/reminders.js';
import type { CriticalAction, GradedSeverity } from '../domain/scan.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * What amibot remembers about scan findings, in Redis:
 *
 *   `<p>:findings:<account>:<region>:<image>`        hash `data` (JSON FindingLedger), `version`: the
 *                                                    image's open findings as of its last scan
 *                                                    (compare-and-set on `version`); 400 days
 *   `<p>:waivers:<account>:<region>:<image>`         hash finding id → JSON Waiver (approved waivers)
 *   `<p>:waiver-index`                               sorted set JSON [account, region, image, finding]
 *                                                    → end of the waiver (ms), for the digest
 *   `<p>:finding-due`                                sorted set JSON [account, region, image, finding]
 *                                                    → fix-by date (ms): findings whose date reminders
 *                                                    are still to come
 *   `<p>:finding-rem:<hash>:<due>:<milestone>`       SET NX: a fix-by reminder claimed (value: its id)
 *   `<p>:finding-post:<id>`                          JSON: a notice or fix-by reminder to post (the
 *                                                    `reminder-post` job reads it; `ts` once posted)
 *   `<p>:rescan-last:<account>:<region>:<image>`     the id of the image's last scheduled scan
 *   `<p>:oncritical:<scan id>`                       SET NX: the Critical action of a scan was taken
 */

const LEDGER_TTL_SECONDS = 400 * 86_400;
const POST_TTL_SECONDS = 90 * 86_400;
/** Waivers are kept this long after they end (the digest lists recent ends). */
export const WAIVER_KEEP_AFTER_END_MS = 30 * 86_400_000;

export interface ImageRef {
  account: string;
  region: string;
  imageId: string;
}

/** A finding notice (new or re-opened findings of a scheduled scan) or a fix-by reminder, to be posted. */
export interface FindingPost extends ImageRef {
  id: string;
  type: 'notice' | 'reminder';
  imageName?: string;
  channel: string;
  routeSource?: RouteSource;
  owner?: ImageOwner;
  scanId: string;
  /** notice: the findings it announces. */
  added?: PostedFinding[];
  reopened?: PostedFinding[];
  /** notice: what the account's `scan.onCritical` did. */
  critical?: CriticalOutcome;
  /** reminder: the finding and its fix-by date. */
  finding?: PostedFinding;
  milestone?: number;
  createdAt: string;
  ts?: string;
}

export interface PostedFinding {
  id: string;
  severity: GradedSeverity;
  title: string;
  /** ISO fix-by date, for severities with a deadline. */
  due?: string;
  blocks?: boolean;
  /** Re-opened: when its waiver ended. */
  waiverEnded?: string;
}

export interface CriticalOutcome {
  action: CriticalAction;
  requestId?: string;
  /** The request was approved at once (the account policy auto-approves it). */
  autoApproved?: boolean;
  /** Why no request was filed. */
  note?: string;
}

// KEYS[1]: ledger. ARGV: expected version ('' when absent), data.
const CAS_SCRIPT = `
local v = redis.call('HGET', KEYS[1], 'version')
if (v or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'version', tostring((tonumber(v) or 0) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

function member(ref: ImageRef, findingId: string): string {
  return JSON.stringify([ref.account, ref.region, ref.imageId, findingId]);
}

export function parseMember(m: string): (ImageRef & { findingId: string }) | undefined {
  try {
    const [account, region, imageId, findingId] = JSON.parse(m) as string[];
    if (!account || !region || !imageId || !findingId) return undefined;
    return { account, region, imageId, findingId };
  } catch {
    return undefined;
  }
}

export class FindingStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  private ledgerKey(r: ImageRef): string {
    return `${this.root}:findings:${r.account}:${r.region}:${r.imageId}`;
  }

  private waiversKey(r: ImageRef): string {
    return `${this.root}:waivers:${r.account}:${r.region}:${r.imageId}`;
  }

  private get waiverIndex(): string {
    return `${this.root}:waiver-index`;
  }

  private get dueIndex(): string {
    return `${this.root}:finding-due`;
  }

  // ---- the ledger ------------------------------------------------------------------------------

  async ledger(r: ImageRef): Promise<{ ledger?: FindingLedger; version: string }> {
    const [data, version] = await this.redis.hmget(this.ledgerKey(r), 'data', 'version');
    return { ...(data ? { ledger: JSON.parse(data) as FindingLedger } : {}), version: version ?? '' };
  }

  /** Writes the ledger if nobody changed it since `version` was read; false otherwise (read again). */
  async saveLedger(r: ImageRef, version: string, ledger: FindingLedger): Promise<boolean> {
    const res = await this.redis.eval(
      CAS_SCRIPT,
      1,
      this.ledgerKey(r),
      version,
      JSON.stringify(ledger),
      String(LEDGER_TTL_SECONDS),
    );
    return res === 1;
  }

  // ---- waivers ---------------------------------------------------------------------------------

  async waivers(r: ImageRef): Promise<Waiver[]> {
    const all = await this.redis.hvals(this.waiversKey(r));
    return all.map((v) => JSON.parse(v) as Waiver);
  }

  async putWaiver(w: Waiver): Promise<void> {
    const end = Date.parse(w.until);
    const ttl = Math.max(60, Math.ceil((end + WAIVER_KEEP_AFTER_END_MS - Date.now()) / 1000));
    await this.redis
      .multi()
      .hset(this.waiversKey(w), w.findingId, JSON.stringify(w))
      .expire(this.waiversKey(w), Math.max(ttl, 86_400))
      .zadd(this.waiverIndex, end, member(w, w.findingId))
      .exec();
  }

  /** Marks ended waivers as reported re-opened by `scanId` (the first scan after their end). */
  async markReopened(r: ImageRef, findingIds: readonly string[], scanId: string): Promise<void> {
    if (findingIds.length === 0) return;
    const key = this.waiversKey(r);
    const raw = await this.redis.hmget(key, ...findingIds);
    const pipe = this.redis.pipeline();
    raw.forEach((v, i) => {
      if (!v) return;
      const w = JSON.parse(v) as Waiver;
      if (w.reopenedIn) return;
      pipe.hset(key, findingIds[i] as string, JSON.stringify({ ...w, reopenedIn: scanId }));
    });
    await pipe.exec();
  }

  /**
   * Waivers that end after `since` (active ones and those that ended since then), oldest end first.
   * Waivers that ended long ago are dropped from the index on the way.
   */
  async waiversEndingAfter(since: Date, now: Date, max = 500): Promise<Waiver[]> {
    await this.redis.zremrangebyscore(
      this.waiverIndex,
      '-inf',
      `(${now.getTime() - WAIVER_KEEP_AFTER_END_MS}`,
    );
    const members = await this.redis.zrangebyscore(
      this.waiverIndex,
      `(${since.getTime()}`,
      '+inf',
      'LIMIT',
      0,
      max,
    );
    const out: Waiver[] = [];
    for (const m of members) {
      const ref = parseMember(m);
      if (!ref) continue;
      const raw = await this.redis.hget(this.waiversKey(ref), ref.findingId);
      if (raw) out.push(JSON.parse(raw) as Waiver);
    }
    return out;
  }

  // ---- fix-by reminders --------------------------------------------------------------------------

  /** Puts findings in the index of fix-by dates (`GT`: a later date moves an entry, an earlier one does not). */
  async trackDue(r: ImageRef, entries: ReadonlyArray<{ findingId: string; due: string }>): Promise<void> {
    if (entries.length === 0) return;
    const args: Array<string | number> = [];
    for (const e of entries) args.push(Date.parse(e.due), member(r, e.findingId));
    await this.redis.zadd(this.dueIndex, 'GT', ...args);
  }

  async untrackDue(r: ImageRef & { findingId: string }): Promise<void> {
    await this.redis.zrem(this.dueIndex, member(r, r.findingId));
  }

  /** Findings due before `until` (ms), soonest first. */
  async dueBefore(
    until: number,
    max = 1000,
  ): Promise<Array<ImageRef & { findingId: string; dueMs: number }>> {
    const raw = await this.redis.zrangebyscore(this.dueIndex, '-inf', until, 'WITHSCORES', 'LIMIT', 0, max);
    const out: Array<ImageRef & { findingId: string; dueMs: number }> = [];
    for (let i = 0; i < raw.length; i += 2) {
      const ref = parseMember(raw[i] as string);
      if (ref) out.push({ ...ref, dueMs: Number(raw[i + 1]) });
    }
    return out;
  }

  /**
   * Claims fix-by reminder milestones of a finding: the first of `milestones` is the one to post
   * (true when this caller won it), the others are only marked done.
   */
  async claimReminder(
    ref: ImageRef & { findingId: string },
    due: string,
    milestones: readonly number[],
    token: string,
  ): Promise<boolean> {
    if (milestones.length === 0) return false;
    const hash = createHash('sha256').update(member(ref, ref.findingId)).digest('hex').slice(0, 32);
    const ttl = Math.max(86_400, Math.ceil((Date.parse(due) - Date.now()) / 1000) + 400 * 86_400);
    const pipe = this.redis.pipeline();
    for (const m of milestones)
      pipe.set(`${this.root}:finding-rem:${hash}:${due}:${m}`, token, 'EX', ttl, 'NX');
    const res = (await pipe.exec()) ?? [];
    const [err, v] = res[0] ?? [];
    if (err) throw err;
    return v === 'OK';
  }

  // ---- posts (notices and reminders) -------------------------------------------------------------

  async savePost(p: FindingPost): Promise<void> {
    await this.redis.set(`${this.root}:finding-post:${p.id}`, JSON.stringify(p), 'EX', POST_TTL_SECONDS);
  }

  async getPost(id: string): Promise<FindingPost | undefined> {
    if (!REMINDER_ID_RE.test(id)) return undefined;
    const raw = await this.redis.get(`${this.root}:finding-post:${id}`);
    return raw ? (JSON.parse(raw) as FindingPost) : undefined;
  }

  // ---- scheduled rescans ---------------------------------------------------------------------------

  async lastRescan(r: ImageRef): Promise<string | undefined> {
    return (
      (await this.redis.get(`${this.root}:rescan-last:${r.account}:${r.region}:${r.imageId}`)) ?? undefined
    );
  }

  async setLastRescan(r: ImageRef, scanId: string): Promise<void> {
    await this.redis.set(
      `${this.root}:rescan-last:${r.account}:${r.region}:${r.imageId}`,
      scanId,
      'EX',
      LEDGER_TTL_SECONDS,
    );
  }

  /** True once per scan: whoever gets it takes the account's Critical action. */
  async claimCriticalAction(scanId: string): Promise<boolean> {
    const res = await this.redis.set(`${this.root}:oncritical:${scanId}`, '1', 'EX', POST_TTL_SECONDS, 'NX');
    return res === 'OK';
  }
}
