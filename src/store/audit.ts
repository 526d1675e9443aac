import { type AuditEntry, fromStreamFields, toStreamFields } from '../domain/audit.js';
import type { AmiRequest } from '../domain/request.js';
import type { Logger } from '../logger.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/**
 * The audit trail: a Redis stream `<prefix>:audit`, one entry per request, decision, refusal and
 * outcome, trimmed by age (`MINID`) to the configured retention. Every entry is also logged as a
 * structured line, so the trail survives in the log pipeline too.
 */
export class AuditLog {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly logger: Logger,
    private readonly retentionDays: number,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.root = keyRoot(prefix);
  }

  private get key(): string {
    return `${this.root}:audit`;
  }

  async record(entry: Omit<AuditEntry, 'at' | 'id'> & { at?: string }): Promise<void> {
    const now = this.clock();
    const full: AuditEntry = { ...entry, at: entry.at ?? now.toISOString() };
    this.logger.info('audit', { audit: full });
    const minId = `${now.getTime() - this.retentionDays * 86_400_000}-0`;
    try {
      await this.redis.xadd(this.key, 'MINID', '~', minId, '*', ...toStreamFields(full));
    } catch (err) {
      // The log line above still carries the entry; never fail the user's action over it.
      this.logger.error('could not append to the audit stream', { error: err });
    }
  }

  /**
   * An entry about a request, stamped now, to be written *with* a change of the request
   * (`RequestStore.update` effects) rather than on its own; `logCommitted` logs it once stored.
   */
  about(
    request: Pick<AmiRequest, 'id' | 'imageId' | 'account' | 'region'>,
    entry: Pick<AuditEntry, 'actor' | 'action' | 'result' | 'detail'>,
  ): AuditEntry {
    return {
      ...entry,
      at: this.clock().toISOString(),
      target: request.id,
      requestId: request.id,
      imageId: request.imageId,
      account: request.account,
      region: request.region,
    };
  }

  /** Logs entries a request change wrote to the stream (the stream write itself was atomic with it). */
  logCommitted(entries: readonly AuditEntry[]): void {
    for (const audit of entries) this.logger.info('audit', { audit });
  }

  /** An entry about a request (its image, account and region filled in from it). */
  async recordForRequest(
    request: Pick<AmiRequest, 'id' | 'imageId' | 'account' | 'region'>,
    entry: Pick<AuditEntry, 'actor' | 'action' | 'result' | 'detail'>,
  ): Promise<void> {
    await this.record({
      ...entry,
      target: request.id,
      requestId: request.id,
      imageId: request.imageId,
      account: request.account,
      region: request.region,
    });
  }

  /** Newest first; with a target, only entries about that image or request (scans at most `scan` entries). */
  async recent(opts: { target?: string; limit?: number; scan?: number } = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 20;
    const scan = opts.target ? (opts.scan ?? 5000) : limit;
    const raw = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', scan)) as Array<[string, string[]]>;
    const out: AuditEntry[] = [];
    for (const [id, fields] of raw) {
      const entry = fromStreamFields(id, fields);
      if (
        !opts.target ||
        entry.target === opts.target ||
        entry.requestId === opts.target ||
        entry.imageId === opts.target
      ) {
        out.push(entry);
        if (out.length >= limit) break;
      }
    }
    return out;
  }
}
