/**
 * Audit entries: who did what to which image or request, and how it ended. Stored in a Redis
 * stream (`XADD key * field value …`); this module converts entries to and from the flat
 * field/value arrays that XADD takes and XRANGE/XREVRANGE return. Pure.
 */

export const AUDIT_ACTIONS = [
  'request.created',
  'request.approved',
  'request.rejected',
  'request.refused',
  'request.cancelled',
  'request.expired',
  'request.auto_approved',
  'job.queued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.cancelled',
  'reminder.sent',
  'reminder.extended',
  'reminder.snoozed',
  'image.scanned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESULTS = ['ok', 'refused', 'failed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** The actor of entries written by the bot itself (sweeps, workers). */
export const BOT_ACTOR = 'amibot';

export interface AuditEntry {
  /** The stream id (`1732190400000-0`), present on entries read back. */
  id?: string;
  /** ISO 8601. */
  at: string;
  /** A Slack user id, or `amibot`. */
  actor: string;
  /** One of {@link AUDIT_ACTIONS} (others are kept as they are). */
  action: AuditAction | (string & {});
  /** An image id or a request id. */
  target: string;
  requestId?: string;
  imageId?: string;
  /** Account alias. */
  account?: string;
  region?: string;
  result: AuditResult;
  /** One line: a refusal reason, an error, a new image id… */
  detail?: string;
}

/** Field order in the stream; the first five are always written. */
const REQUIRED = ['at', 'actor', 'action', 'target', 'result'] as const;
const OPTIONAL = ['requestId', 'imageId', 'account', 'region', 'detail'] as const;

/** `entry` as `[field, value, field, value, …]` for XADD; the `id` is not a field, unset optionals are left out. */
export function toStreamFields(entry: AuditEntry): string[] {
  const out: string[] = [];
  for (const k of REQUIRED) out.push(k, String(entry[k]));
  for (const k of OPTIONAL) {
    const v = entry[k];
    if (v !== undefined) out.push(k, String(v));
  }
  return out;
}

function isResult(v: string | undefined): v is AuditResult {
  return v !== undefined && (AUDIT_RESULTS as readonly string[]).includes(v);
}

/**
 * An entry from a stream id and its flat field/value array (as XRANGE returns). Never throws:
 * unknown fields are ignored, a repeated field keeps its last value, a trailing field without a
 * value is dropped, missing required fields become `''` and an unknown `result` becomes
 * `failed` (the cautious reading), with the raw value kept in `detail` when there is no detail.
 */
export function fromStreamFields(id: string, fields: readonly string[]): AuditEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(String(fields[i]), String(fields[i + 1]));
  const rawResult = values.get('result');
  const entry: AuditEntry = {
    id,
    at: values.get('at') ?? '',
    actor: values.get('actor') ?? '',
    action: values.get('action') ?? '',
    target: values.get('target') ?? '',
    result: isResult(rawResult) ? rawResult : 'failed',
  };
  for (const k of OPTIONAL) {
    const v = values.get(k);
    if (v !== undefined) entry[k] = v;
  }
  if (!isResult(rawResult) && entry.detail === undefined && rawResult !== undefined) {
    entry.detail = `result: ${rawResult}`;
  }
  return entry;
}

/** An entry stamped with `now` (helper for callers; `result` defaults to `ok`). */
export function auditEntry(
  now: Date,
  entry: Omit<AuditEntry, 'at' | 'result' | 'id'> & { result?: AuditResult },
): AuditEntry {
  const out: AuditEntry = { at: now.toISOString(), ...entry, result: entry.result ?? 'ok' };
  for (const k of OPTIONAL) if (out[k] === undefined) delete out[k];
  return out;
}
