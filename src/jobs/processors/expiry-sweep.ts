import type { Deps } from '../../deps.js';
import { runExpiryDigest } from '../../expiry/digest.js';
import { runExpirySweep } from '../../expiry/sweep.js';

/** The recurring expiry sweep; its stats become the job's return value (visible in BullMQ). */
export async function processExpirySweep(deps: Deps) {
  return runExpirySweep(deps);
}

/** The recurring expiry digest. */
export async function processExpiryDigest(deps: Deps) {
  return runExpiryDigest(deps);
}

/**
 * Registers the expiry job schedulers. Every worker process calls this at start; job schedulers
 * are keyed by id, so there is still one sweep per cron tick however many workers run. A digest
 * that was turned off loses its scheduler.
 */
export async function scheduleExpiryJobs(deps: Deps): Promise<void> {
  const { expiry } = deps.config;
  await deps.queues.schedule('expiry-sweep', {}, { pattern: expiry.sweepCron });
  if (expiry.digest.enabled) {
    await deps.queues.schedule('expiry-digest', {}, { pattern: expiry.digest.cron });
  } else {
    await deps.queues.queue('maintenance').removeJobScheduler('sched-expiry-digest');
  }
}
