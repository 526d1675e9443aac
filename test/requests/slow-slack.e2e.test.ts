import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { buildViewSubmission, postSigned } from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

/**
 * A decision made while Slack is rate-limiting the bot: the dialog is acknowledged at once (Slack
 * gives up after 3 s), the decision and its audit entry are stored together, and the message
 * update and the thread reply follow once Slack lets them through — each exactly once.
 */

const CHANNEL = 'CSLOWSLACK';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

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
  // Workers run the relay that delivers follow-ups still due after the web process's own attempt.
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    accounts: [account],
    workers: true,
    maintenance: true,
    env: { AMIBOT_REDRIVE_EVERY_MS: '300' },
  });
});

afterAll(async () => {
  await t.close();
  await fakeAws.close();
  await fakeSlack.close();
});

describe('a rejection while Slack rate-limits the bot', () => {
  it('is acknowledged at once, stored with its audit entry, and shown once Slack allows it', async () => {
    const image = fakeAws.addImage({ name: 'slow-slack' });
    const reply = await t.ask(`disable ${image.imageId}`, { userId: REQUESTER });
    const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
    expect(id, allText(reply.body)).toBeDefined();
    const request = (await t.deps.requests.get(id!))!;

    fakeSlack.rateLimitNext('chat.update', { times: 2, retryAfterSeconds: 2 });
    fakeSlack.rateLimitNext('chat.postMessage', { times: 2, retryAfterSeconds: 2 });
    const before = fakeSlack.calls().length;
    const res = await postSigned(
      `${t.url}/slack/events`,
      buildViewSubmission({
        callbackId: 'reject_request',
        privateMetadata: request.id,
        userId: APPROVER,
        values: { reason: { reason_input: { type: 'plain_text_input', value: 'wrong image' } } },
      }),
      SIGNING_SECRET,
    );
    expect(res.status).toBe(200);
    // The ack went out before Slack let a single update or reply through.
    const delivered = fakeSlack
      .calls()
      .slice(before)
      .filter((c) => (c.method === 'chat.update' || c.method === 'chat.postMessage') && c.status === 200);
    expect(delivered).toHaveLength(0);

    const rejected = await waitFor('the rejection to be stored', async () => {
      const r = await t.deps.requests.get(request.id);
      return r?.state === 'rejected' ? r : undefined;
    });
    expect(rejected.rejection?.reason).toBe('wrong image');

    const shown = await waitFor(
      'the message to show the rejection',
      async () => {
        const m = fakeSlack.message(CHANNEL, request.message!.ts);
        return m && allText(m).includes('wrong image') ? m : undefined;
      },
      20_000,
    );
    expect(JSON.stringify(shown.blocks)).not.toContain('request_approve');
    const replies = await waitFor(
      'the thread reply',
      async () => {
        const r = fakeSlack.replies(CHANNEL, request.message!.ts).filter((m) => m.ts !== request.message!.ts);
        return r.length > 0 ? r : undefined;
      },
      20_000,
    );
    // Let the relay run a few more rounds: nothing is delivered twice.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      fakeSlack.replies(CHANNEL, request.message!.ts).filter((m) => m.ts !== request.message!.ts),
    ).toHaveLength(replies.length);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain('rejected');
    const trail = await t.deps.audit.recent({ target: request.id });
    expect(trail.filter((e) => e.action === 'request.rejected')).toHaveLength(1);
  });
});
