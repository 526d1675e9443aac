import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { deliverReminderPost } from '../../src/expiry/delivery.js';
import { runExpirySweep } from '../../src/expiry/sweep.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

/**
 * Delivery without workers: the sweep only queues; the test takes the queued jobs and runs the
 * delivery processor itself, so it controls attempts and failures.
 */

const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;
const iso = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    accounts: [
      {
        alias: 'default',
        accountId: DEFAULT_ACCOUNT_ID,
        regions: [],
        default: true,
        policy: accountPolicySchema.parse({ reminderChannel: 'CDELIVER' }),
      },
    ],
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

async function queued() {
  const jobs = await t.deps.queues.queue('maintenance').getJobs(['waiting', 'delayed']);
  return jobs.filter((j) => j.name === 'reminder-post');
}

const postsOf = (imageId: string) =>
  fakeSlack
    .calls('chat.postMessage')
    .filter((c) => c.response.ok === true && allText(c.body).includes(imageId));

describe('reminder delivery', () => {
  it('the sweep queues instead of posting; a failed delivery releases the claim for the next sweep', async () => {
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, tags: { ExpirationDate: iso(3) } });
    const stats = await runExpirySweep(t.deps);
    expect(stats.remindersQueued).toBe(1);
    expect(postsOf(img.imageId)).toHaveLength(0);
    const [job] = await queued();
    expect(job?.id).toMatch(/^reminder-post-rem-[0-9a-z]{16}$/);
    // A repeat enqueue of the same claim is a no-op.
    await t.deps.queues.enqueue('reminder-post', { kind: 'reminder', id: job!.data.id });
    expect(await queued()).toHaveLength(1);
    // A second sweep claims nothing new.
    expect((await runExpirySweep(t.deps)).remindersQueued).toBe(0);

    fakeSlack.failNext('chat.postMessage', 'channel_not_found', { times: 1 });
    await expect(
      deliverReminderPost(t.deps, job!.data, { attempt: { attemptsMade: 4, attempts: 5 } }),
    ).rejects.toThrow();
    expect(postsOf(img.imageId)).toHaveLength(0);
    await job!.remove();

    const again = await runExpirySweep(t.deps);
    expect(again.remindersQueued).toBe(1);
    const [retry] = await queued();
    expect(retry?.id).not.toBe(job?.id);
    const res = await deliverReminderPost(t.deps, retry!.data, { attempt: { attemptsMade: 0, attempts: 5 } });
    expect(res.posted).toBe(true);
    // Running the same job again (a retry after the post) does not post twice.
    const dup = await deliverReminderPost(t.deps, retry!.data, { attempt: { attemptsMade: 1, attempts: 5 } });
    expect(dup).toEqual({ posted: false, reason: 'already-posted' });
    expect(postsOf(img.imageId)).toHaveLength(1);
    const audit = await t.deps.audit.recent({ target: img.imageId, limit: 10 });
    expect(audit.filter((a) => a.action === 'reminder.sent')).toHaveLength(1);
    await retry!.remove();
  });

  it('paces a channel: a post whose slot is far off defers its job instead of waiting in the worker', async () => {
    const imgs = Array.from({ length: 6 }, () =>
      fakeAws.addImage({
        ownerId: DEFAULT_ACCOUNT_ID,
        tags: { ExpirationDate: iso(2), 'amibot:channel': 'CPACED' },
      }),
    );
    const stats = await runExpirySweep(t.deps);
    expect(stats.remindersQueued).toBe(6);
    const jobs = await queued();
    expect(jobs).toHaveLength(6);
    const deferred: number[] = [];
    let posted = 0;
    // All at once, as several workers would take them.
    await Promise.all(
      jobs.map(async (job) => {
        const res = await deliverReminderPost(t.deps, job.data, {
          attempt: { attemptsMade: 0, attempts: 5 },
          defer: async (ms) => {
            deferred.push(ms);
            throw new Error('deferred');
          },
        }).catch((err: Error) => err);
        if (!(res instanceof Error) && res.posted) posted++;
        await job.remove();
      }),
    );
    // The burst (3) goes at once, the 4th waits about a second in the slot, the rest are deferred.
    expect(posted).toBe(4);
    expect(deferred.length).toBe(2);
    expect(deferred.every((ms) => ms > 1_000)).toBe(true);
    expect(imgs.filter((i) => postsOf(i.imageId).length === 1)).toHaveLength(4);
  });
});
