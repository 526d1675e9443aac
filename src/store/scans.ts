import type { ScanRecord } from '../domain/scan.js';
import { keyRoot } from './keys.js';
import type { RedisConnection } from './redis.js';

/** Scans are kept this long, then Redis drops them. */
const SCAN_TTL_SECONDS = 90 * 24 * 3600;

/**
 * Scan records in Redis, one JSON string per scan: `<prefix>:scan:<id>`. A scan has one writer at
 * a time (the command handler until the job is queued, then the job, whose id is unique), so a
 * read-modify-write needs no compare-and-set.
 */
export class ScanStore {
  private readonly root: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.root = keyRoot(prefix);
  }

  private key(id: string): string {
    return `${this.root}:scan:${id}`;
  }

  private imageKey(account: string, region: string, imageId: string): string {
    return `${this.root}:scan-of:${account}:${region}:${imageId}`;
  }

  /** Stores a new scan; refuses an id that already exists. It becomes the image's latest scan. */
  async create(scan: ScanRecord): Promise<void> {
    const res = await this.redis.set(this.key(scan.id), JSON.stringify(scan), 'EX', SCAN_TTL_SECONDS, 'NX');
    if (res !== 'OK') throw new Error(`scan ${scan.id} already exists`);
    await this.redis.set(
      this.imageKey(scan.account, scan.region, scan.imageId),
      scan.id,
      'EX',
      SCAN_TTL_SECONDS,
    );
  }

  /** The newest scan of an image (by account alias and region), if one is kept. */
  async latestFor(account: string, region: string, imageId: string): Promise<ScanRecord | undefined> {
    const id = await this.redis.get(this.imageKey(account, region, imageId));
    return id ? this.get(id) : undefined;
  }

  async get(id: string): Promise<ScanRecord | undefined> {
    const data = await this.redis.get(this.key(id));
    return data ? (JSON.parse(data) as ScanRecord) : undefined;
  }

  /** Applies `change` to the stored scan; undefined when it does not exist (any more). */
  async update(id: string, change: (current: ScanRecord) => ScanRecord): Promise<ScanRecord | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    const next = change(current);
    const res = await this.redis.set(this.key(id), JSON.stringify(next), 'EX', SCAN_TTL_SECONDS, 'XX');
    return res === 'OK' ? next : undefined;
  }

  async discard(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
