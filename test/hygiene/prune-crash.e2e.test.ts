import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  REDIS_URL,
  SIGNING_SECRET,
  startTestApp,
  TEST_AWS_CREDENTIALS,
  type TestApp,
} from '../support/app-under-test.js';
import { type MainProcess, startMain } from '../support/main-process.js';
import { waitFor } from '../support/wait.js';

/**
 * A prune whose worker process is killed (SIGKILL) in the middle: another worker process resumes
 * it from the per-image checkpoints. Nothing is deregistered twice, and an image that came into
 * use while no worker ran is kept.
 */

const CHANNEL = 'CPRUNECRASH';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const IMAGES = 30;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
const workers: MainProcess[] = [];

function workerEnv(): Record<string, string> {
  return {
    AMIBOT_ROLE: 'worker',
    PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fakeSlack.apiUrl,
    REDIS_URL,
    AMIBOT_REDIS_PREFIX: t.prefix,
    AMIBOT_AWS_ENDPOINT: fakeAws.url,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AMIBOT_ACCOUNT_ID: DEFAULT_ACCOUNT_ID,
    AMIBOT_APPROVERS: APPROVER,
    AMIBOT_APPROVAL_CHANNEL: CHANNEL,
    // Two mutating calls a second: slow enough to kill it half-way.
    AMIBOT_MUTATE_RATE: '2',
    // A dead worker's job is picked up again after about this long.
    AMIBOT_JOB_LOCK_MS: '1500',
    AMIBOT_REDRIVE_EVERY_MS: '500',
    LOG_LEVEL: 'info',
  };
}

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  const account: AccountConfig = {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
  t = await startTestApp({ fakeAws, fakeSlack, accounts: [account] });
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill('SIGKILL');
    await w.exited;
  }
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('a prune whose worker is killed mid-way', () => {
  it('resumes in another worker: nothing deregistered twice, nothing in use deregistered', async () => {
    const day = 86_400_000;
    const images = Array.from({ length: IMAGES + 2 }, (_, i) =>
      fakeAws.addImage({
        region: REGION,
        name: `crash-app-${new Date(Date.now() - (i + 1) * day).toISOString().slice(0, 10)}`,
        creationDate: new Date(Date.now() - (i + 1) * day).toISOString(),
      }),
    );
    const reply = await t.ask('prune --family crash-app --keep 2', { userId: REQUESTER });
    const value = JSON.stringify(reply.body).match(/prn-[0-9a-z]{10}/)?.[0] as string;
    const { responseId } = await t.click({
      actionId: 'prune_file',
      value,
      userId: REQUESTER,
      channelId: 'CASK',
    });
    const filed = await fakeSlack.waitForResponse(responseId, { timeoutMs: 15_000 });
    const id = allText(filed.body).match(/req-[0-9a-z]+/)?.[0] as string;
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.params.kind === 'prune' && request.params.images).toHaveLength(IMAGES);

    const first = startMain(workerEnv());
    workers.push(first);
    await first.waitForLine(/amibot workers running/, 30_000);
    await t.click({
      actionId: 'request_approve',
      value: id,
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: request.message!.ts,
    });

    // Kill it once some images are gone, while it is in the middle of the list.
    const ok = (c: { status: number }) => c.status === 200;
    await waitFor(
      'some deregistrations',
      () => fakeAws.callsOf('DeregisterImage').filter(ok).length >= 6,
      60_000,
    );
    first.kill('SIGKILL');
    await first.exited;
    const before = fakeAws.callsOf('DeregisterImage').filter(ok).length;
    expect(before).toBeLessThan(IMAGES - 5);

    // While no worker runs, the last image of the list (lastInList first: the newest that goes) is launched.
    const lastInList = images[2]!;
    expect(fakeAws.getImage(REGION, lastInList.imageId)?.state).toBe('available');
    fakeAws.addInstance({ region: REGION, imageId: lastInList.imageId, state: 'pending' });

    const second = startMain(workerEnv());
    workers.push(second);
    const done = await waitFor(
      `request ${id} to finish`,
      async () => {
        const r = await t.deps.requests.get(id);
        return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
      },
      90_000,
      100,
    );
    expect(done.state).toBe('succeeded');
    expect(done.result?.summary).toMatch(new RegExp(`Pruned ${IMAGES - 1} of ${IMAGES} images`));
    expect(done.batch?.items[lastInList.imageId]?.state).toBe('kept');
    expect(fakeAws.getImage(REGION, lastInList.imageId)?.state).toBe('available');

    // Each image deregistered exactly once across both workers; each snapshot deleted at most once.
    const deregistered = fakeAws
      .callsOf('DeregisterImage')
      .filter(ok)
      .map((c) => String(c.params.ImageId));
    expect(deregistered).toHaveLength(IMAGES - 1);
    expect(new Set(deregistered).size).toBe(IMAGES - 1);
    const deleted = fakeAws
      .callsOf('DeleteSnapshot')
      .filter(ok)
      .map((c) => String(c.params.SnapshotId));
    expect(new Set(deleted).size).toBe(deleted.length);
    expect(deleted).toHaveLength(IMAGES - 1);
    // The newest two stay.
    for (const img of images.slice(0, 2))
      expect(fakeAws.getImage(REGION, img.imageId)?.state).toBe('available');
  }, 180_000);
});
