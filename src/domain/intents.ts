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
  /** A reply in the request's thread, mentioning the requester (worded by `blocks/request-reply.ts`). */
  | { kind: 'reply'; requestId: string; reply: RequestReply }
  /** Take the request's queued jobs off the queue (a cancelled request). */
  | { kind: 'unqueue'; requestId: string }
  /** Run the request's waiting (delayed) jobs now, so they see a change (a cancelled running copy). */
  | { kind: 'wake'; requestId: string };

/** What a thread reply under a request's message says (untrusted parts are escaped when rendered). */
export type RequestReply =
  /** An approver rejected the request, with the reason they typed (if any). */
  | { kind: 'rejected'; by: string; reason?: string }
  /** The request expired without enough approvals. */
  | { kind: 'expired' }
  /** The work finished; `summary` may hold AWS's words. */
  | { kind: 'finished'; ok: boolean; summary: string }
  /** The items of a batch request (the images or snapshots it deletes), listed for the approvers. */
  | { kind: 'items' }
  /** Any other reply, as plain text (escaped; backticks and asterisks still format). */
  | { kind: 'note'; text: string };

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
    case 'wake':
      return `wake:${intent.requestId}:${seq}`;
  }
}
