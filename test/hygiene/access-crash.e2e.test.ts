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
 * An offboarding whose worker process is killed (SIGKILL) in the middle of the unshare job: another
 * worker process resumes it from the per-image checkpoints. No image is ever half-unshared (each
 * image's permissions go in one call), none is changed twice, and in the end every approved
 * permission is gone.
 */

const CHANNEL = 'CACCESSCRASH';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const PARTNER = '444455556666';
const STRANGER = '999988887777';
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

describe('an offboarding whose worker is killed mid-way', () => {
  it('resumes in another worker: each image unshared once and completely, none half-done', async () => {
    const images = Array.from({ length: IMAGES }, (_, i) =>
      fakeAws.addImage({
        region: REGION,
        name: `partner-build-${String(i).padStart(2, '0')}`,
        launchPermission: { accounts: [PARTNER, STRANGER] },
      }),
    );
    const keep = fakeAws.addImage({ region: REGION, name: 'not-shared' });
    const reply = await t.ask(`access --with ${PARTNER}`, { userId: REQUESTER });
    const value = JSON.stringify(reply.body).match(/acc-[0-9a-z]{10}/)?.[0] as string;
    const { responseId } = await t.click({
      actionId: 'access_file',
      value,
      userId: REQUESTER,
      channelId: 'CASK',
    });
    const filed = await fakeSlack.waitForResponse(responseId, { timeoutMs: 15_000 });
    const id = allText(filed.body).match(/req-[0-9a-z]+/)?.[0] as string;
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.params.kind === 'revoke-sharing' && request.params.images).toHaveLength(IMAGES);

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

    const ok = (c: { status: number }) => c.status === 200;
    await waitFor(
      'some images unshared',
      () => fakeAws.callsOf('ModifyImageAttribute').filter(ok).length >= 6,
      60_000,
    );
    first.kill('SIGKILL');
    await first.exited;
    const before = fakeAws.callsOf('ModifyImageAttribute').filter(ok).length;
    expect(before).toBeLessThan(IMAGES - 5);
    // Never half-done: an image lost both its shares in one call, or still has both.
    for (const img of images) {
      const accounts = fakeAws.getImage(REGION, img.imageId)!.launchPermission.accounts;
      expect(accounts.length === 0 || (accounts.includes(PARTNER) && accounts.includes(STRANGER))).toBe(true);
    }
    const unsharedBefore = images.filter(
      (img) => fakeAws.getImage(REGION, img.imageId)!.launchPermission.accounts.length === 0,
    ).length;
    expect(unsharedBefore).toBe(before);

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
    expect(done.result?.summary).toMatch(new RegExp(`Unshared ${IMAGES} of ${IMAGES} images`));
    for (const img of images) {
      expect(fakeAws.getImage(REGION, img.imageId)!.launchPermission.accounts).toEqual([]);
    }
    // Each image changed exactly once across both workers.
    const modified = fakeAws
      .callsOf('ModifyImageAttribute')
      .filter(ok)
      .map((c) => String(c.params.ImageId));
    expect(modified).toHaveLength(IMAGES);
    expect(new Set(modified).size).toBe(IMAGES);
    expect(modified).not.toContain(keep.imageId);
  }, 180_000);
});
