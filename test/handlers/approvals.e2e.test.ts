import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { controlsOf, describeControl, visibleText } from '../../src/blocks/mrkdwn-reader.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { expirePendingRequests } from '../../src/jobs/requests-expire.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { buildViewSubmission, postSigned } from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

/** Every mrkdwn text in a list of blocks. */
function mrkdwnTexts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      else Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

const CHANNEL = 'CAPPROVALS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const APPROVER2 = 'UAPP2';
const STRANGER = 'USTRANGER';
const GROUP = 'SAPPROVERS';

let now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let t2: TestApp;

function account(alias: string, policy: Record<string, unknown>): AccountConfig {
  return {
    alias,
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: alias === 'default',
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, ...policy }),
  };
}

function requestIdFrom(text: string): string {
  const id = text.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request id in: ${text}`);
  return id;
}

async function fileRequest(app: TestApp, text: string, userId = REQUESTER): Promise<AmiRequest> {
  const reply = await app.ask(text, { userId });
  const body = allText(reply.body);
  const id = requestIdFrom(body);
  const req = await app.deps.requests.get(id);
  if (!req) throw new Error(`request ${id} not stored; reply was: ${body}`);
  return req;
}

async function click(
  app: TestApp,
  req: AmiRequest,
  action: 'request_approve' | 'request_reject',
  userId: string,
) {
  const msg = req.message ? fakeSlack.message(req.message.channel, req.message.ts) : undefined;
  const { ack, responseId } = await app.click({
    actionId: action,
    value: req.id,
    userId,
    channelId: CHANNEL,
    messageTs: req.message?.ts,
    message: msg as never,
  });
  expect(ack.status).toBe(200);
  return responseId;
}

/** The approval message once it no longer offers buttons (updates land after the state changes). */
async function settledMessage(req: AmiRequest) {
  return waitFor(`message of ${req.id} to lose its buttons`, async () => {
    const m = fakeSlack.message(CHANNEL, req.message!.ts);
    return m && !JSON.stringify(m.blocks).includes('request_approve') ? m : undefined;
  });
}

async function finalState(app: TestApp, id: string): Promise<AmiRequest> {
  return waitFor(`request ${id} to finish`, async () => {
    const r = await app.deps.requests.get(id);
    return r && ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'].includes(r.state) ? r : undefined;
  });
}

function ownImage(extra: Parameters<FakeAws['addImage']>[0] = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `team-image-${Math.random().toString(36).slice(2, 8)}`,
    ...extra,
  });
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  fakeSlack.setUserGroup(
    GROUP,
    Array.from({ length: 20 }, (_, i) => `UGRP${i}`),
  );
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    accounts: [account('default', { approvers: [APPROVER, APPROVER2, GROUP, REQUESTER] })],
  });
  t2 = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    accounts: [account('default', { approvers: [APPROVER, APPROVER2], approvalsRequired: 2 })],
  });
});

afterAll(async () => {
  await t?.close();
  await t2?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

beforeEach(() => {
  now = new Date('2026-11-26T12:00:00Z');
});

describe('share, approve, execute', () => {
  it('posts an approval request, runs it after approval and reports back', async () => {
    const img = ownImage();
    const req = await fileRequest(t, `share ${img.imageId} --with 222222222222`);
    expect(req.state).toBe('pending');
    expect(req.message?.channel).toBe(CHANNEL);
    const posted = fakeSlack.message(CHANNEL, req.message!.ts);
    expect(allText(posted)).toContain('222222222222');
    expect(JSON.stringify(posted?.blocks)).toContain('request_approve');
    // Nothing changed yet.
    expect(fakeAws.getImage('us-east-1', img.imageId)?.launchPermission.accounts ?? []).not.toContain(
      '222222222222',
    );

    await click(t, req, 'request_approve', APPROVER);
    const done = await finalState(t, req.id);
    expect(done.state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.launchPermission.accounts).toContain('222222222222');

    const updated = await settledMessage(req);
    expect(allText(updated)).toContain(APPROVER);
    await waitFor('a thread reply that mentions the requester', async () =>
      fakeSlack
        .replies(CHANNEL, req.message!.ts)
        .some((m) => m.ts !== req.message!.ts && m.text.includes(`<@${REQUESTER}>`)),
    );

    const audit = await waitFor('audit of the outcome', async () => {
      const entries = await t.deps.audit.recent({ target: req.id, limit: 20 });
      return entries.some((a) => a.action === 'job.succeeded') ? entries : undefined;
    });
    const actions = audit.map((a) => a.action);
    for (const a of ['request.created', 'request.approved', 'job.queued', 'job.succeeded'])
      expect(actions).toContain(a);
  });

  it('lists the KMS grants for encrypted snapshots, refuses the AWS-managed key and public sharing by default', async () => {
    const key = fakeAws.addKmsKey({ region: 'us-east-1' });
    const img = ownImage({
      blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 8, encrypted: true, kmsKeyId: key.arn }],
    });
    const req = await fileRequest(t, `share ${img.imageId} --with 333333333333`);
    expect(req.warnings.join(' ')).toMatch(/KMS grants will be made/);
    const managed = ownImage({ blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 8, encrypted: true }] });
    const refused = await t.ask(`share ${managed.imageId} --with 333333333333`, { userId: REQUESTER });
    expect(allText(refused.body)).toMatch(/AWS-managed key `aws\/ebs`/);
    const pub = await t.ask(`share ${img.imageId} --with all`, { userId: REQUESTER });
    expect(allText(pub.body)).toMatch(/Public sharing is turned off/);
  });
});

describe('who may decide', () => {
  it.each([
    ['the requester (self-approval)', REQUESTER, /cannot approve/],
    ['someone who is not an approver', STRANGER, /not an approver/],
  ])('refuses %s, leaves the request pending and audits the refusal', async (_label, user, expected) => {
    const req = await fileRequest(t, `deprecate ${ownImage().imageId} --in 30d`);
    const responseId = await click(t, req, 'request_approve', user);
    const answer = await fakeSlack.waitForResponse(responseId);
    expect(allText(answer.body)).toMatch(expected);
    expect((await t.deps.requests.get(req.id))?.state).toBe('pending');
    const audit = await t.deps.audit.recent({ target: req.id });
    expect(audit.some((a) => a.action === 'request.refused' && a.actor === user)).toBe(true);
  });

  it('refuses a tampered or unknown request id', async () => {
    for (const value of ['req-doesnotexist1', 'not-a-request; DROP']) {
      const { responseId } = await t.click({
        actionId: 'request_approve',
        value,
        userId: APPROVER,
        channelId: CHANNEL,
      });
      expect(allText((await fakeSlack.waitForResponse(responseId)).body)).toMatch(
        /does not (exist|point at a request)/,
      );
    }
  });

  it('accepts members of an approver user group', async () => {
    const img = ownImage();
    const req = await fileRequest(t, `expire ${img.imageId} --at 2027-03-01`);
    await click(t, req, 'request_approve', 'UGRP7');
    expect((await finalState(t, req.id)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.tags.ExpirationDate).toBe('2027-03-01');
  });

  it('20 approvers clicking at once produce exactly one execution', async () => {
    const img = ownImage();
    const req = await fileRequest(t, `share ${img.imageId} --with 444444444444`);
    fakeAws.resetCalls();
    await Promise.all(Array.from({ length: 20 }, (_, i) => click(t, req, 'request_approve', `UGRP${i}`)));
    const done = await finalState(t, req.id);
    expect(done.state).toBe('succeeded');
    expect(done.approvals).toHaveLength(1);
    // Every click has been answered once all 20 decisions are on record (the handlers run after the ack).
    const audit = await waitFor('all 20 decisions on record', async () => {
      const entries = await t.deps.audit.recent({ target: req.id, limit: 50 });
      const decided = entries.filter(
        (a) => a.action === 'request.approved' || a.action === 'request.refused',
      );
      return decided.length >= 20 ? entries : undefined;
    });
    expect(audit.filter((a) => a.action === 'request.approved')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'request.refused')).toHaveLength(19);
    expect(fakeAws.callsOf('ModifyImageAttribute')).toHaveLength(1);
  });

  it('needs two different approvers where the account says so', async () => {
    const img = ownImage();
    const req = await fileRequest(t2, `share ${img.imageId} --with 555555555555`);
    expect(req.approvalsNeeded).toBe(2);
    await click(t2, req, 'request_approve', APPROVER);
    await waitFor('first approval', async () => (await t2.deps.requests.get(req.id))?.approvals.length === 1);
    const again = await click(t2, req, 'request_approve', APPROVER);
    expect(allText((await fakeSlack.waitForResponse(again)).body)).toMatch(/already approved/);
    expect((await t2.deps.requests.get(req.id))?.state).toBe('pending');
    await click(t2, req, 'request_approve', APPROVER2);
    expect((await finalState(t2, req.id)).state).toBe('succeeded');
  });
});

describe('reject, cancel, expire', () => {
  it('rejects through the reason dialog and removes the buttons', async () => {
    const req = await fileRequest(t, `disable ${ownImage().imageId}`);
    await click(t, req, 'request_reject', APPROVER);
    const open = await fakeSlack.waitForCall('views.open');
    const view = open.body.view as { callback_id: string; private_metadata: string };
    expect(view.private_metadata).toBe(req.id);
    const body = buildViewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      userId: APPROVER,
      values: { reason: { reason_input: { type: 'plain_text_input', value: 'not during the freeze' } } },
    });
    const res = await postSigned(`${t.url}/slack/events`, body, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const done = await finalState(t, req.id);
    expect(done.state).toBe('rejected');
    expect(done.rejection?.reason).toBe('not during the freeze');
    const msg = await settledMessage(req);
    expect(allText(msg)).toContain('not during the freeze');
  });

  it('posts a hostile rejection reason as text: no channel ping, no disguised link, the mentions still work', async () => {
    const req = await fileRequest(t, `disable ${ownImage().imageId}`);
    await click(t, req, 'request_reject', APPROVER);
    const open = await fakeSlack.waitForCall(
      'views.open',
      (c) => (c.body.view as { private_metadata?: string }).private_metadata === req.id,
    );
    const view = open.body.view as { callback_id: string; private_metadata: string };
    const reason = '<!channel> see <https://evil.example|the runbook> & ask <@U0BOSS>';
    const body = buildViewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      userId: APPROVER,
      values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } },
    });
    expect((await postSigned(`${t.url}/slack/events`, body, SIGNING_SECRET)).status).toBe(200);
    expect((await finalState(t, req.id)).state).toBe('rejected');
    const reply = await waitFor('the thread reply', async () =>
      fakeSlack.replies(CHANNEL, req.message!.ts).find((m) => m.text.includes('rejected')),
    );
    const texts = [reply.text, ...mrkdwnTexts(reply.blocks)];
    for (const text of texts) {
      expect(controlsOf(text).map(describeControl)).toEqual([`<@${REQUESTER}>`, `<@${APPROVER}>`]);
      expect(visibleText(text)).toContain(reason);
    }
    const updated = await settledMessage(req);
    const shown = mrkdwnTexts(updated.blocks).flatMap((t) => controlsOf(t).map(describeControl));
    expect(shown).not.toContain('<!channel>');
    expect(shown.filter((c) => c.startsWith('<http'))).toEqual([]);
  });

  it('lets the requester cancel a pending request, and no one else who is not an approver', async () => {
    const req = await fileRequest(
      t,
      `undeprecate ${ownImage({ deprecationTime: '2027-01-01T00:00:00.000Z' }).imageId}`,
    );
    const refused = await t.ask(`cancel ${req.id}`, { userId: STRANGER });
    expect(allText(refused.body)).toMatch(/cancel/i);
    expect((await t.deps.requests.get(req.id))?.state).toBe('pending');
    const ok = await t.ask(`cancel ${req.id}`, { userId: REQUESTER });
    expect(allText(ok.body)).toMatch(/cancelled/);
    expect((await t.deps.requests.get(req.id))?.state).toBe('cancelled');
  });

  it('expires pending requests after their time and says so', async () => {
    const req = await fileRequest(t, `disable ${ownImage().imageId}`);
    now = new Date(now.getTime() + 25 * 3600_000);
    expect(await expirePendingRequests(t.deps)).toBeGreaterThanOrEqual(1);
    expect((await t.deps.requests.get(req.id))?.state).toBe('expired');
    const late = await click(t, req, 'request_approve', APPROVER);
    expect(allText((await fakeSlack.waitForResponse(late)).body)).toMatch(/expired/);
  });
});

describe('deregister and the in-use guard', () => {
  it('refuses an image still used by an instance unless --force', async () => {
    const img = ownImage();
    fakeAws.addInstance({ imageId: img.imageId, state: 'running' });
    const refused = await t.ask(`deregister ${img.imageId}`, { userId: REQUESTER });
    expect(allText(refused.body)).toMatch(/still in use by instance/);
    const req = await fileRequest(t, `deregister ${img.imageId} --force`);
    expect(req.warnings.join(' ')).toMatch(/in use/);
    await click(t, req, 'request_approve', APPROVER);
    expect((await finalState(t, req.id)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.state ?? 'deregistered').toBe('deregistered');
  });

  it('deletes the snapshots but never one another image uses', async () => {
    const a = ownImage();
    const shared = a.blockDevices[0]!.snapshotId!;
    ownImage({ blockDevices: [{ deviceName: '/dev/xvda', snapshotId: shared, volumeSize: 8 }] });
    const req = await fileRequest(t, `deregister ${a.imageId}`);
    await click(t, req, 'request_approve', APPROVER);
    const done = await finalState(t, req.id);
    expect(done.state).toBe('succeeded');
    expect(fakeAws.getSnapshot('us-east-1', shared)).toBeDefined();
    expect(done.result?.details?.join(' ')).toContain(shared);
  });
});

describe('bad input for requests', () => {
  it.each([
    ['deprecate {own} --at 2020-01-01', /in the future/],
    ['share {foreign} --with 222222222222', /owns/],
    ['share ami-0123456789abcdef0 --with 222222222222', /not found/],
    ['enable {own}', /not disabled/],
    ['cancel req-nothere123', /no request/],
  ])('`%s` is answered clearly and files nothing', async (template, expected) => {
    const own = ownImage().imageId;
    const foreign = fakeAws.addImage({ ownerId: '999999999999', public: true }).imageId;
    const before = (await t.deps.requests.recent(500)).length;
    const reply = await t.ask(template.replace('{own}', own).replace('{foreign}', foreign), {
      userId: REQUESTER,
    });
    expect(allText(reply.body)).toMatch(expected);
    expect((await t.deps.requests.recent(500)).length).toBe(before);
  });
});

describe('every quick operation, carried out', () => {
  async function run(text: string): Promise<AmiRequest> {
    const req = await fileRequest(t, text);
    await click(t, req, 'request_approve', APPROVER);
    return finalState(t, req.id);
  }

  it('deprecates (rounded to the minute), undeprecates, disables and enables', async () => {
    const img = ownImage();
    expect((await run(`deprecate ${img.imageId} --at 2027-01-15T10:30:45Z`)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.deprecationTime).toMatch(/^2027-01-15T10:30:00/);
    expect((await run(`undeprecate ${img.imageId}`)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.deprecationTime).toBeUndefined();
    expect((await run(`disable ${img.imageId}`)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.state).toBe('disabled');
    expect((await run(`enable ${img.imageId}`)).state).toBe('succeeded');
    expect(fakeAws.getImage('us-east-1', img.imageId)?.state).toBe('available');
  });

  it('shares with an organization and an OU, then unshares everything', async () => {
    const img = ownImage({ launchPermission: { accounts: ['666666666666'] } });
    const org = 'arn:aws:organizations::111111111111:organization/o-abcdef1234';
    const ou = 'arn:aws:organizations::111111111111:ou/o-abcdef1234/ou-ab12-cdef3456';
    expect((await run(`share ${img.imageId} --with ${org},${ou}`)).state).toBe('succeeded');
    const perms = fakeAws.getImage('us-east-1', img.imageId)?.launchPermission;
    expect(perms?.organizations).toHaveLength(1);
    expect(perms?.organizationalUnits).toHaveLength(1);
    expect(JSON.stringify(perms)).toContain('o-abcdef1234');
    expect(JSON.stringify(perms)).toContain('ou-ab12-cdef3456');
    const done = await run(`unshare ${img.imageId} --all`);
    expect(done.state).toBe('succeeded');
    const after = fakeAws.getImage('us-east-1', img.imageId)?.launchPermission;
    expect(JSON.stringify(after)).not.toMatch(/666666666666|o-abcdef1234/);
  });

  it('reports an AWS refusal in words on the message and in the thread, and fails the request', async () => {
    const img = ownImage();
    const req = await fileRequest(t, `share ${img.imageId} --with 777777777777`);
    fakeAws.faults.setError('ModifyImageAttribute', {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized.',
    });
    try {
      await click(t, req, 'request_approve', APPROVER);
      const done = await finalState(t, req.id);
      expect(done.state).toBe('failed');
      expect(done.result?.summary).toContain('ec2:ModifyImageAttribute');
      await waitFor('the failure in the thread', async () =>
        fakeSlack.replies(CHANNEL, req.message!.ts).some((m) => m.text.includes('ec2:ModifyImageAttribute')),
      );
    } finally {
      fakeAws.faults.clearErrors();
    }
  });
});

describe('/ami requests and /ami audit', () => {
  it('lists open requests and shows the audit trail of one', async () => {
    const req = await fileRequest(t, `disable ${ownImage().imageId}`);
    const list = allText((await t.ask('requests', { userId: STRANGER })).body);
    expect(list).toContain(req.id);
    await click(t, req, 'request_approve', STRANGER); // refused: not an approver
    await click(t, req, 'request_approve', APPROVER);
    await finalState(t, req.id);
    const trail = await waitFor('the whole trail', async () => {
      const text = allText((await t.ask(`audit ${req.id}`, { userId: STRANGER })).body);
      return text.includes('job.succeeded') ? text : undefined;
    });
    for (const action of ['request.created', 'request.refused', 'request.approved', 'job.succeeded']) {
      expect(trail).toContain(action);
    }
  });
});

describe('operations the policy lets run without approval', () => {
  it('queues an auto-approved request at once and says so', async () => {
    const app = await startTestApp({
      fakeAws,
      fakeSlack,
      clock,
      workers: true,
      accounts: [account('default', { approvers: [APPROVER], autoApprove: ['expire'] })],
    });
    try {
      const img = ownImage();
      const reply = await app.ask(`expire ${img.imageId} --in 30d`, { userId: REQUESTER });
      expect(allText(reply.body)).toMatch(/needs no approval/);
      const id = requestIdFrom(allText(reply.body));
      const done = await finalState(app, id);
      expect(done.state).toBe('succeeded');
      expect(done.approvals).toHaveLength(0);
      expect(fakeAws.getImage('us-east-1', img.imageId)?.tags.ExpirationDate).toBe(
        '2026-12-26T12:00:00.000Z',
      );
      const trail = await app.deps.audit.recent({ target: id });
      expect(trail.map((e) => e.action)).toContain('request.auto_approved');
    } finally {
      await app.close();
    }
  });
});

describe('public sharing where the account allows it', () => {
  it('makes the image public (Group=all) after approval, with the warning on the request', async () => {
    const app = await startTestApp({
      fakeAws,
      fakeSlack,
      clock,
      workers: true,
      accounts: [account('default', { approvers: [APPROVER], allowPublicSharing: true })],
    });
    try {
      const img = ownImage();
      const req = await fileRequest(app, `share ${img.imageId} --with all`);
      expect(req.warnings.join(' ')).toMatch(/public/);
      await click(app, req, 'request_approve', APPROVER);
      expect((await finalState(app, req.id)).state).toBe('succeeded');
      expect(fakeAws.getImage('us-east-1', img.imageId)?.public).toBe(true);
    } finally {
      await app.close();
    }
  });
});
