/**
 * Follow-ups of a request's state change: what must happen *after* the change is stored, written
 * in the same Redis transaction as the change and its audit entry (a transactional outbox), and
 * delivered until done by the relay (`requests/follow-ups.ts`). Pure data.
 */
export type Intent =
  /** Queue a job (deterministic job id: delivering twice queues it once). */
  | { kind: 'enqueue'; job: string; payload: Record<string, unknown> }
  /** Re-render the request's Slack message from its state at delivery time. */
  | { kind: 'refresh'; requestId: string }
  /** A reply in the request's thread, mentioning the requester (`text` is mrkdwn, already escaped). */
  | { kind: 'reply'; requestId: string; text: string }
  /** Take the request's queued jobs off the queue (a cancelled request). */
  | { kind: 'unqueue'; requestId: string };

/**
 * The outbox key of an intent. Refreshes of one request share a key, so a burst of changes is one
 * message update; `seq` (the request version that wrote it) still tells a delivered refresh from a
 * newer one.
 */
export function intentId(intent: Intent, seq: number): string {
  switch (intent.kind) {
    case 'enqueue':
      return `enqueue:${intent.job}:${JSON.stringify(intent.payload)}`;
    case 'refresh':
      return `refresh:${intent.requestId}`;
    case 'reply':
      return `reply:${intent.requestId}:${seq}`;
    case 'unqueue':
      return `unqueue:${intent.requestId}`;
  }
}
