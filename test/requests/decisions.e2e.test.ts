import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { bullPrefix } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/logger.js';
import { AuditLog } from '../../src/store/audit.js';
import { createRedis } from '../../src/store/redis.js';
import { RequestStore } from '../../src/store/requests.js';
import { approveOverHttp, fileOverHttp, productionEnv } from '../process/support.js';
import { allText, deleteKeys, REDIS_URL } from '../support/app-under-test.js';
import { type MainProcess, startMain } from '../support/main-process.js';
import { waitFor } from '../support/wait.js';

/**
 * Decisions are never half-done, tested on the real entry command: the web process is killed
 * (SIGKILL) after it stored an approval but before it queued the work, and a separate worker
 * process finishes what the approval promised — exactly once, with a complete audit trail.
 */

const CHANNEL = 'CDECIDE';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
const processes: MainProcess[] = [];
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
let prefix = '';

function env(role: 'web' | 'worker'): Record<string, string> {
  return productionEnv({
    fakeAws,
    fakeSlack,
    prefix,
    extra: {
      AMIBOT_ROLE: role,
      AMIBOT_APPROVERS: APPROVER,
      AMIBOT_APPROVAL_CHANNEL: CHANNEL,
      AMIBOT_ANSWER_THREADS: '0',
      AMIBOT_REDRIVE_EVERY_MS: '500',
    },
  });
}

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
});

afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await deleteKeys(redis, prefix);
});

afterAll(async () => {
  redis.disconnect();
  await fakeAws.close();
  await fakeSlack.close();
});

describe('a decision whose web process dies before the work is queued', () => {
  it('is carried out exactly once by the relay of another process, with every audit entry once', async () => {
    prefix = `amibot-test-${randomUUID().slice(0, 8)}`;
    const store = new RequestStore(redis, prefix);
    const audit = new AuditLog(
      redis,
      prefix,
      createLogger('error', () => {}),
      90,
    );
    const web = startMain(env('web'));
    processes.push(web);
    const url = `http://127.0.0.1:${await web.port()}/slack/events`;

    const image = fakeAws.addImage({ name: 'decide-me' });
    const id = await fileOverHttp(url, fakeSlack, {
      text: `share ${image.imageId} --with 222222222222`,
      userId: REQUESTER,
      channelId: CHANNEL,
    });

    // Slack makes the web process wait a minute before it may update the message: the approval is
    // stored, the message refresh is in flight, and the work is not yet queued.
    fakeSlack.rateLimitNext('chat.update', { times: 1, retryAfterSeconds: 60 });
    const clickStatus = await approveOverHttp(url, fakeSlack, { id, userId: APPROVER, channelId: CHANNEL });
    expect(clickStatus).toBe(200);
    await waitFor(
      'the approval to be stored',
      async () => (await store.get(id!))?.state === 'approved' || undefined,
    );
    await waitFor(
      'the rate-limited update',
      async () => fakeSlack.calls('chat.update').length > 0 || undefined,
    );
    web.kill('SIGKILL');
    await web.exited;

    const queue = `${bullPrefix(prefix)}:amibot-ops:exec-${id}`;
    expect(await redis.exists(queue)).toBe(0); // killed between the decision and the enqueue
    expect((await store.get(id!))?.state).toBe('approved');

    const worker = startMain(env('worker'));
    processes.push(worker);
    const done = await waitFor(
      'the request to be carried out',
      async () => {
        const r = await store.get(id!);
        return r?.state === 'succeeded' || r?.state === 'failed' ? r : undefined;
      },
      30_000,
    );
    expect(done.state).toBe('succeeded');
    expect(await redis.exists(queue)).toBe(1); // the same key now holds the job that ran
    expect(fakeAws.getImage('us-east-1', image.imageId)?.launchPermission.accounts).toContain('222222222222');
    expect(fakeAws.callsOf('ModifyImageAttribute')).toHaveLength(1);

    const trail = await waitFor('the audit trail to be complete', async () => {
      const entries = await audit.recent({ target: id!, limit: 50 });
      return entries.some((e) => e.action === 'job.succeeded') ? entries : undefined;
    });
    const count = (action: string) => trail.filter((e) => e.action === action).length;
    for (const action of [
      'request.created',
      'request.approved',
      'job.queued',
      'job.started',
      'job.succeeded',
    ])
      expect(count(action), action).toBe(1);

    // The message shows the outcome, and the requester got exactly one reply about it.
    const final = await waitFor('the final message', async () => {
      const m = fakeSlack.message(CHANNEL, done.message!.ts);
      return m &&
        /succeeded|done|✅/i.test(allText(m)) &&
        !JSON.stringify(m.blocks).includes('request_approve')
        ? m
        : undefined;
    });
    expect(allText(final)).toContain(APPROVER);
    const replyOf = () =>
      fakeSlack.replies(CHANNEL, done.message!.ts).filter((m) => m.ts !== done.message!.ts);
    await waitFor('the reply about the outcome', async () => replyOf().length > 0 || undefined);
    // The relay keeps running every 500 ms: nothing is delivered twice.
    await new Promise((r) => setTimeout(r, 1_500));
    const replies = replyOf();
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain(`<@${REQUESTER}>`);
  });
});
