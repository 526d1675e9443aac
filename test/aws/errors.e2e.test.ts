/**
 * AWS errors that quote credentials, produced by the fake AWS's fault injection and parsed by the
 * real SDK, end to end to what Slack is sent: the error code stays, the credentials never arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { mapAwsError } from '../../src/aws/errors.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { redact } from '../../src/logger.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'CAPPROVALS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

/** What must never reach Slack, each inside an AWS error message. */
const SECRETS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  temporaryKeyId: 'ASIAY34FZKBOKMUTVV7A',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: `FwoGZXIvYXdzEBYaDHqa0AP${'x9Ab'.repeat(40)}Kp+Q/dWn==`,
  signature: 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
  password: 'hunter2-Sup3rS3cret',
} as const;

const LEAKY_MESSAGE =
  `Request by ${SECRETS.accessKeyId} (temporary ${SECRETS.temporaryKeyId}) was refused; ` +
  `aws_secret_access_key=${SECRETS.secretAccessKey} SessionToken: ${SECRETS.sessionToken} ` +
  `Authorization: AWS4-HMAC-SHA256 Credential=${SECRETS.accessKeyId}/20261126/us-east-1/ec2/aws4_request, ` +
  `SignedHeaders=host, Signature=${SECRETS.signature} ` +
  `https://examplebucket.s3.amazonaws.com/x?X-Amz-Credential=${SECRETS.accessKeyId}%2F20261126&X-Amz-Signature=${SECRETS.signature} ` +
  `source arn:aws:s3:::bucket via https://alice:${SECRETS.password}@proxy.example ` +
  `<!channel> <https://evil.example|details>`;

function expectNoSecrets(text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    expect(text, `${name} leaked`).not.toContain(secret);
  }
  expect(text).not.toMatch(/AKIA[A-Z0-9]{12}|ASIA[A-Z0-9]{12}/);
}

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [
      {
        alias: 'default',
        accountId: DEFAULT_ACCOUNT_ID,
        regions: [],
        default: true,
        policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
      },
    ],
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('AWS errors shown in Slack', () => {
  it('/ami show: an unmapped AWS error keeps its code and loses every credential', async () => {
    const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'leaky' });
    fakeAws.faults.failNext('DescribeImages', { code: 'InvalidParameterValue', message: LEAKY_MESSAGE });
    const reply = await t.ask(`show ${image.imageId}`);
    const text = allText(reply.body);
    expect(text).toContain('InvalidParameterValue');
    expect(text).toContain('was refused');
    expect(text).toContain('[redacted]');
    expectNoSecrets(text);
    // The rest of AWS's words are shown as text, never as a ping or a link.
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('a failed change: the approval message and the thread reply keep the code, not the credentials', async () => {
    const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'leaky-change' });
    const filed = await t.ask(`disable ${image.imageId}`, { userId: REQUESTER });
    const id = allText(filed.body).match(/req-[0-9a-z]{6,32}/)?.[0];
    expect(id).toBeDefined();
    const request = (await t.deps.requests.get(id!))!;
    fakeAws.faults.setError('DisableImage', { code: 'OperationNotPermitted', message: LEAKY_MESSAGE });
    try {
      const msg = fakeSlack.message(request.message!.channel, request.message!.ts);
      const { ack } = await t.click({
        actionId: 'request_approve',
        value: id,
        userId: APPROVER,
        channelId: CHANNEL,
        messageTs: request.message!.ts,
        message: msg as never,
      });
      expect(ack.status).toBe(200);
      const failed = await waitFor('the request to fail', async () => {
        const r = await t.deps.requests.get(id!);
        return r?.state === 'failed' ? r : undefined;
      });
      const reply = await waitFor('the thread reply', async () =>
        fakeSlack.replies(CHANNEL, failed.message!.ts).find((m) => m.text.includes('❌')),
      );
      const message = await waitFor('the final message', async () => {
        const m = fakeSlack.message(CHANNEL, failed.message!.ts);
        return m && allText(m).includes('OperationNotPermitted') ? m : undefined;
      });
      for (const text of [allText(reply), allText(message), failed.result?.summary ?? '']) {
        expect(text).toContain('OperationNotPermitted');
        expectNoSecrets(text);
      }
    } finally {
      fakeAws.faults.clearErrors();
    }
  });

  it('mapAwsError and the logger share the sanitiser', () => {
    const err = Object.assign(new Error(LEAKY_MESSAGE), {
      name: 'SomethingNew',
      $metadata: { httpStatusCode: 400 },
    });
    const mapped = mapAwsError(err, { action: 'ec2:DescribeImages' });
    expect(mapped.userMessage).toContain('SomethingNew');
    expectNoSecrets(mapped.userMessage);
    expectNoSecrets(JSON.stringify(redact({ error: err, msg: LEAKY_MESSAGE })));
    // A code that is not a code is not shown either.
    const odd = Object.assign(new Error('x'), { name: `Bad ${SECRETS.accessKeyId}` });
    expect(mapAwsError(odd, { action: 'ec2:DescribeImages' }).userMessage).toContain('(Unknown)');
  });
});
