import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { allText, startTestApp, type TestApp } from '../support/app-under-test.js';
import {
  APPROVER,
  account,
  approve,
  CHANNEL,
  FAST_JOBS,
  file,
  finished,
  PROMOTER,
  TEAM_A,
} from './support.js';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({ fakeAws, fakeSlack, accounts: [account()], env: FAST_JOBS, workers: true });
});
afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

function encryptedImage(kmsKeyId?: string) {
  return fakeAws.addImage({
    region: 'us-east-1',
    name: `enc-${Math.random().toString(36).slice(2, 8)}`,
    blockDevices: [{ encrypted: true, ...(kmsKeyId ? { kmsKeyId } : {}) }],
  });
}

describe('sharing encrypted images', () => {
  it('refuses an image on the AWS-managed key and says how to fix it', async () => {
    const img = encryptedImage();
    const reply = allText((await t.ask(`share ${img.imageId} --with ${TEAM_A}`, { userId: PROMOTER })).body);
    expect(reply).toContain('aws/ebs');
    expect(reply).toContain(`/ami copy ${img.imageId}`);
  });

  it('on a customer key: the approval lists the grant and the job makes it', async () => {
    const key = fakeAws.addKmsKey({ region: 'us-east-1' });
    const img = encryptedImage(key.arn);
    const req = await file(t, `share ${img.imageId} --with ${TEAM_A}`);
    expect(req.warnings.join(' ')).toContain(`KMS grants will be made on it for \`${TEAM_A}\``);
    await approve(t, req);
    const done = await finished(t, req.id);
    expect(done.state).toBe('succeeded');
    expect(key.grants.filter((g) => g.granteePrincipal === `arn:aws:iam::${TEAM_A}:root`)).toHaveLength(1);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.launchPermission.accounts).toContain(TEAM_A);
  });

  it('fails with the exact key-policy statement when the key policy does not allow the grant', async () => {
    const key = fakeAws.addKmsKey({
      region: 'us-east-1',
      policy: JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:*' },
        ],
      }),
    });
    const img = encryptedImage(key.arn);
    const req = await file(t, `share ${img.imageId} --with ${TEAM_A}`);
    await approve(t, req);
    const done = await finished(t, req.id);
    expect(done.state).toBe('failed');
    expect(done.result?.summary).toContain('kms:CreateGrant');
    expect(done.result?.summary).toContain(`"AWS": "arn:aws:iam::${TEAM_A}:root"`);
    expect(key.grants).toHaveLength(0);
  });
});

describe('/ami why', () => {
  it('finds the missing share, files it from the button, and is all clear after', async () => {
    const key = fakeAws.addKmsKey({ region: 'us-east-1' });
    const img = encryptedImage(key.arn);
    const first = await t.ask(`why ${img.imageId} --for ${TEAM_A}`, { userId: PROMOTER, channelId: CHANNEL });
    const text = allText(first.body);
    expect(text).toContain(`❌ Not shared with account`);
    expect(text).toContain('may not use key');
    const blocks = (
      first.body as {
        blocks: Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
      }
    ).blocks;
    const fix = blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(fix?.value).toBe(`share:default/us-east-1/${img.imageId}:${TEAM_A}`);
    const { ack, responseId } = await t.click({
      actionId: fix!.action_id,
      value: fix!.value,
      userId: PROMOTER,
      channelId: CHANNEL,
    });
    expect(ack.status).toBe(200);
    const filed = allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 })).body);
    const id = filed.match(/req-[0-9a-z]{6,32}/)?.[0];
    expect(id).toBeDefined();
    const req = (await t.deps.requests.get(id!))!;
    expect(req.kind).toBe('share');
    await t.click({ actionId: 'request_approve', value: req.id, userId: APPROVER, channelId: CHANNEL });
    expect((await finished(t, req.id)).state).toBe('succeeded');
    const after = allText((await t.ask(`why ${img.imageId} --for ${TEAM_A}`, { userId: PROMOTER })).body);
    expect(after).toContain('nothing stands in the way');
    expect(after).not.toContain('❌');
  });

  it('a forged button value files nothing', async () => {
    const { responseId } = await t.click({
      actionId: 'why_fix:0',
      value: 'share:prod/us-east-1/ami-0abc1234def567890:1;rm',
      userId: PROMOTER,
      channelId: CHANNEL,
    });
    expect(allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 })).body)).toContain(
      'no longer points',
    );
  });

  it('says where the image is when it is not in the region, and ❔ (never ✅) when a lookup fails', async () => {
    const img = fakeAws.addImage({ region: 'eu-west-1', name: 'elsewhere-image' });
    // The configured regions are where amibot looks for it.
    t.deps.config.accounts[0]!.regions = ['us-east-1', 'eu-west-1'];
    const missing = allText(
      (await t.ask(`why ${img.imageId} --for ${TEAM_A} --region us-east-1`, { userId: PROMOTER })).body,
    );
    expect(missing).toContain('does not exist in');
    expect(missing).toContain('eu-west-1');
    const shared = fakeAws.addImage({
      region: 'us-east-1',
      name: 'shared-one',
      launchPermission: { accounts: [TEAM_A] },
    });
    fakeAws.faults.setError('DescribeImageAttribute', { code: 'InternalError', status: 500 });
    try {
      const unknown = allText(
        (await t.ask(`why ${shared.imageId} --for ${TEAM_A}`, { userId: PROMOTER })).body,
      );
      expect(unknown).toContain('❔ Launch permission');
      expect(unknown).not.toContain('✅ Shared directly');
    } finally {
      fakeAws.faults.clearErrors();
      t.deps.config.accounts[0]!.regions = [];
    }
  });
});
