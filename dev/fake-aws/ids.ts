import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Random resource ids in AWS's formats (`ami-` + 17 hex digits…). Random bytes are drawn from a
 * pooled buffer so that creating 100,000 images stays cheap.
 */
export class IdGenerator {
  private pool: Buffer = Buffer.alloc(0);
  private offset = 0;

  /** `chars` random lowercase hex digits. */
  hex(chars: number): string {
    const bytes = Math.ceil(chars / 2);
    if (this.offset + bytes > this.pool.length) {
      this.pool = randomBytes(8192);
      this.offset = 0;
    }
    const text = this.pool.toString('hex', this.offset, this.offset + bytes);
    this.offset += bytes;
    return text.length === chars ? text : text.slice(0, chars);
  }

  /** `prefix-` followed by 17 hex digits, the long EC2 id format. */
  ec2(prefix: string): string {
    return `${prefix}-${this.hex(17)}`;
  }

  uuid(): string {
    return randomUUID();
  }

  /** Upper-case alphanumerics as in access key ids (`ASIA` + 16). */
  upper(chars: number): string {
    return this.hex(chars).toUpperCase();
  }

  /** Opaque base64 text as in secret keys and session tokens. */
  secret(bytes: number): string {
    return randomBytes(bytes).toString('base64');
  }
}

/** `ami-1234abcd` (8 hex) or `ami-0123456789abcdef0` (17 hex) and the like. */
export function isWellFormedId(prefix: string, id: string): boolean {
  if (!id.startsWith(`${prefix}-`)) return false;
  const rest = id.slice(prefix.length + 1);
  return (rest.length === 8 || rest.length === 17) && /^[0-9a-f]+$/.test(rest);
}
