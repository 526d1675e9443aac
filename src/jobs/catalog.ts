import type { z } from 'zod';
import { copyPollJob } from './copy-poll.js';
import { copyRegionJob } from './copy-region.js';
import { expiryDigestJob, expirySweepJob } from './expiry-sweep.js';
import { homeRefreshJob } from './home-refresh.js';
import type { JobDefinition, QueueKey } from './job.js';
import { promoteJob, promoteRegionJob } from './promote.js';
import { pruneJob, pruneSnapshotsJob } from './prune.js';
import { reminderPostJob } from './reminder-post.js';
import { requestExecuteJob } from './request-execute.js';
import { requestsExpireJob } from './requests-expire.js';
import { requestsRedriveJob } from './requests-redrive.js';
import { retentionJob } from './retention.js';
import { revokeSharingJob } from './revoke-sharing.js';
import { rollbackJob } from './rollback.js';
import { scanImageJob } from './scan-image.js';
import { findingRemindersJob, scanRescanJob } from './scan-rescan.js';
import { waiverApplyJob } from './waiver-apply.js';

export { QUEUES, type QueueKey } from './job.js';

/**
 * The job catalogue: every job the workers run, by name. Each definition (its own file in
 * `jobs/`) holds the payload schema, queue, retries, timeout, deterministic id and `run`.
 * Producers parse payloads before enqueueing and the worker parses them again when a job is taken,
 * so a malformed or old-format job fails loudly instead of doing something half-right. Payloads
 * carry ids only (request id, region); never credentials or Slack tokens.
 *
 * Adding a job: write `jobs/<name>.ts` exporting `defineJob({...})`, and list it here.
 */
export const JOB_CATALOG = {
  'request-execute': requestExecuteJob,
  'copy-region': copyRegionJob,
  'copy-poll': copyPollJob,
  'scan-image': scanImageJob,
  'requests-expire': requestsExpireJob,
  'requests-redrive': requestsRedriveJob,
  'expiry-sweep': expirySweepJob,
  'reminder-post': reminderPostJob,
  'expiry-digest': expiryDigestJob,
  prune: pruneJob,
  'prune-snapshots': pruneSnapshotsJob,
  retention: retentionJob,
  promote: promoteJob,
  'promote-region': promoteRegionJob,
  rollback: rollbackJob,
  'revoke-sharing': revokeSharingJob,
  'waiver-apply': waiverApplyJob,
  'scan-rescan': scanRescanJob,
  'finding-reminders': findingRemindersJob,
  'home-refresh': homeRefreshJob,
} as const;

export type JobName = keyof typeof JOB_CATALOG;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_CATALOG)[N]['schema']>;

/** A definition by name, typed loosely (the worker's view: payloads are parsed before use). */
export function jobDefinition(name: JobName): JobDefinition {
  return JOB_CATALOG[name] as unknown as JobDefinition;
}

export function jobsOfQueue(queue: QueueKey): JobName[] {
  return (Object.keys(JOB_CATALOG) as JobName[]).filter((n) => JOB_CATALOG[n].queue === queue);
}

/** Validates a payload against the catalogue; throws a readable error when it does not fit. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const res = JOB_CATALOG[name].schema.safeParse(data);
  if (!res.success) {
    throw new InvalidPayload(
      `invalid payload for job ${name}: ${res.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return res.data as JobPayload<N>;
}

export class InvalidPayload extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPayload';
  }
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_CATALOG, name);
}
