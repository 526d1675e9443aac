/**
 * The App Home tab over real wires: signed `app_home_opened` events and Home button clicks to the
 * real app, `views.publish` to the fake Slack, requests filed through the typed command, the
 * debounced refresh jobs run by real workers on real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack, type FakeView } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import {
  buildAppHomeOpened,
  buildHomeBlockAction,
  buildViewSubmission,
  plainTextValue,
  postSigned,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'CAPPROVALS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const APPROVER2 = 'UAPP2';
/** An approver who never opens Home: nothing is ever published for them. */
const APPROVER3 = 'UAPP3';
const STRANGER = 'USTRANGER';

const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function account(alias: string, policy: Record<string, unknown>): AccountConfig {
  return {
    alias,
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: alias === 'default',
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, ...policy }),
  };
}

function ownImage(tags: Record<string, string> = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `team-image-${Math.random().toString(36).slice(2, 8)}`,
    tags,
  });
}

async function fileShare(imageId: string): Promise<AmiRequest> {
  const reply = await t.ask(`share ${imageId} --with 222222222222`, { userId: REQUESTER });
  const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request id in ${allText(reply.body)}`);
  const req = await t.deps.requests.get(id);
  if (!req) throw new Error(`request ${id} not stored`);
  return req;
}

async function openHome(userId: string) {
  const res = await postSigned(`${t.url}/slack/events`, buildAppHomeOpened({ userId }), SIGNING_SECRET);
  expect(res.status).toBe(200);
}

function publishesFor(userId: string) {
  return fakeSlack.calls('views.publish').filter((c) => c.body.user_id === userId);
}

/** The Approve button for `requestId` on a Home view, if it offers one. */
function approveButton(view: FakeView | undefined, requestId: string) {
  const blocks = (view?.blocks ?? []) as Array<{ type: string; elements?: Array<Record<string, unknown>> }>;
  for (const b of blocks) {
    for (const e of b.elements ?? []) {
      if (typeof e.action_id === 'string' && e.action_id.startsWith('home_approve') && e.value === requestId)
        return e as { action_id: string; value: string };
    }
  }
  return undefined;
}

async function clickHome(userId: string, actionId: string, value: string, view?: FakeView) {
  const body = buildHomeBlockAction({
    actionId,
    value,
    userId,
    view: view ? { id: view.id, blocks: view.blocks, hash: view.hash } : undefined,
  });
  const res = await postSigned(`${t.url}/slack/events`, body, SIGNING_SECRET);
  expect(res.status).toBe(200);
}

let expiringImageId: string;

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    accounts: [account('default', { approvers: [APPROVER, APPROVER2, APPROVER3] })],
  });
  // Known before the first Home is gathered (the estate's expiring images are cached).
  expiringImageId = ownImage({ ExpirationDate: '2026-12-01', Owner: APPROVER, Team: 'web' }).imageId;
  ownImage({ ExpirationDate: '2026-12-02', Team: 'web' });
  ownImage({ ExpirationDate: '2026-12-02', Team: 'data' });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('App Home', () => {
  it('opening Home publishes a view listing the pending requests awaiting that user, with their teams’ expiring images', async () => {
    const img = ownImage();
    const req = await fileShare(img.imageId);
    await openHome(APPROVER);
    // Published at once from Redis; the estate (not cached yet) is read by a worker, which
    // publishes again with the expiring images.
    const first = await fakeSlack.waitForHomeView(APPROVER, (v) => allText(v.blocks).includes(req.id));
    expect(allText(first.blocks)).toContain('Reading the images of your teams from AWS');
    expect(allText(first.blocks)).not.toContain(expiringImageId);
    const view = await fakeSlack.waitForHomeView(APPROVER, (v) =>
      allText(v.blocks).includes(expiringImageId),
    );
    expect(view.type).toBe('home');
    expect(approveButton(view, req.id)).toBeDefined();
    const text = allText(view.blocks);
    expect(text).toContain('Waiting for your approval');
    // Their own image and the other image of their team; not another team's.
    expect(text).toContain(expiringImageId);
    expect(text.match(/team \*web\*/g)?.length ?? 0).toBe(1);
    expect(text).not.toContain('*data*');

    // Someone who may not approve sees no buttons for it.
    await openHome(STRANGER);
    const strangers = await fakeSlack.waitForHomeView(STRANGER);
    expect(approveButton(strangers, req.id)).toBeUndefined();
    expect(allText(strangers.blocks)).not.toContain(req.id);
    // The requester sees it among their own open requests, without buttons.
    await openHome(REQUESTER);
    const mine = await fakeSlack.waitForHomeView(REQUESTER, (v) => allText(v.blocks).includes(req.id));
    expect(allText(mine.blocks)).toContain('Your open requests (');
    expect(approveButton(mine, req.id)).toBeUndefined();
  });

  it('Approve on Home approves by request id against the policy; a non-approver’s click is refused', async () => {
    const img = ownImage();
    const req = await fileShare(img.imageId);

    // A forged click from someone who is no approver (the id is all the click carries).
    await clickHome(STRANGER, 'home_approve:0', req.id);
    const dm = await waitFor('the refusal in a direct message', () =>
      fakeSlack.messages(`D${STRANGER}`).find((m) => allText(m).includes(req.id)),
    );
    expect(allText(dm)).toMatch(/not an approver/);
    expect((await t.deps.requests.get(req.id))?.state).toBe('pending');

    await openHome(APPROVER);
    const view = await fakeSlack.waitForHomeView(APPROVER, (v) => approveButton(v, req.id) !== undefined);
    const button = approveButton(view, req.id)!;
    await clickHome(APPROVER, button.action_id, button.value, view);
    const done = await waitFor('the request to succeed', async () => {
      const r = await t.deps.requests.get(req.id);
      return r?.state === 'succeeded' ? r : undefined;
    });
    expect(done.approvals.map((a) => a.userId)).toEqual([APPROVER]);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.launchPermission.accounts).toContain('222222222222');
    // The Home is published again without the request's buttons.
    await fakeSlack.waitForHomeView(APPROVER, (v) => approveButton(v, req.id) === undefined);
    const audit = await t.deps.audit.recent({ target: req.id, limit: 20 });
    expect(audit.some((a) => a.action === 'request.refused' && a.actor === STRANGER)).toBe(true);
  });

  it('request changes refresh the Home of a user who opened it, a burst in one publish; never-opened Homes get none', async () => {
    await openHome(APPROVER2);
    await fakeSlack.waitForHomeView(APPROVER2);
    const before = publishesFor(APPROVER2).length;
    const images = [ownImage(), ownImage(), ownImage(), ownImage(), ownImage()];
    const filed = await Promise.all(images.map((i) => fileShare(i.imageId)));
    const view = await fakeSlack.waitForHomeView(
      APPROVER2,
      (v) => filed.every((r) => approveButton(v, r.id) !== undefined),
      20_000,
    );
    expect(view.type).toBe('home');
    // Let any further refresh that was coming land, then count.
    await new Promise((r) => setTimeout(r, 3_000));
    const after = publishesFor(APPROVER2).length - before;
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThan(filed.length);
    expect(publishesFor(APPROVER3)).toEqual([]);
  });

  it('a decision made elsewhere (the channel message) refreshes the requester’s Home through the follow-ups', async () => {
    await openHome(REQUESTER);
    const img = ownImage();
    const req = await fileShare(img.imageId);
    await fakeSlack.waitForHomeView(REQUESTER, (v) => allText(v.blocks).includes(req.id));
    const msg = fakeSlack.message(CHANNEL, req.message!.ts);
    const { ack } = await t.click({
      actionId: 'request_approve',
      value: req.id,
      userId: APPROVER2,
      channelId: CHANNEL,
      messageTs: req.message?.ts,
      message: msg as never,
    });
    expect(ack.status).toBe(200);
    await waitFor(
      'the request to succeed',
      async () => (await t.deps.requests.get(req.id))?.state === 'succeeded',
    );
    // Off the requester's Home once it is done, without them opening it again.
    const view = await fakeSlack.waitForHomeView(
      REQUESTER,
      (v) => !allText(v.blocks).includes(req.id),
      20_000,
    );
    expect(allText(view.blocks)).toContain('Your open requests');
  });

  it('Reject on Home opens the reason dialog for an approver (refused for others); the rejection refreshes the Home', async () => {
    const img = ownImage();
    const req = await fileShare(img.imageId);
    const opened = fakeSlack.calls('views.open').length;

    await clickHome(STRANGER, 'home_reject:0', req.id);
    await waitFor('the refusal in a direct message', () =>
      fakeSlack
        .messages(`D${STRANGER}`)
        .find((m) => allText(m).includes(req.id) && /not an approver/.test(allText(m))),
    );
    expect(fakeSlack.calls('views.open').length).toBe(opened);

    await openHome(APPROVER);
    await fakeSlack.waitForHomeView(APPROVER, (v) => approveButton(v, req.id) !== undefined);
    await clickHome(APPROVER, 'home_reject:0', req.id);
    const dialog = await fakeSlack.waitForCall(
      'views.open',
      (c) => (c.body.view as { private_metadata?: string }).private_metadata === req.id,
    );
    expect((dialog.body.view as { callback_id: string }).callback_id).toBe('reject_request');
    const res = await postSigned(
      `${t.url}/slack/events`,
      buildViewSubmission({
        callbackId: 'reject_request',
        privateMetadata: req.id,
        values: { reason: { reason_input: plainTextValue('use the org share') } },
        userId: APPROVER,
      }),
      SIGNING_SECRET,
    );
    expect(res.status).toBe(200);
    await waitFor('the rejection', async () => (await t.deps.requests.get(req.id))?.state === 'rejected');
    await fakeSlack.waitForHomeView(APPROVER, (v) => !allText(v.blocks).includes(req.id), 20_000);
  });
});
