import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { runExpiryDigest } from '../../src/expiry/digest.js';
import { runExpirySweep } from '../../src/expiry/sweep.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-26T12:00:00Z');
const OWNER = 'U0OWNER1';
const APPROVER = 'UAPP1';
const STRANGER = 'USTRANGER';
const GROUP = 'SAPPROVERS';

let now = new Date(START);
const clock = () => now;
const at = (ms: number) => {
  now = new Date(START + ms);
};
const iso = (ms: number) => new Date(START + ms).toISOString().replace('.000Z', 'Z');

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function account(
  alias: string,
  accountId: string,
  policy: Record<string, unknown>,
  regions: string[] = [],
): AccountConfig {
  return {
    alias,
    accountId,
    roleArn: accountId === DEFAULT_ACCOUNT_ID ? undefined : `arn:aws:iam::${accountId}:role/amibot`,
    regions,
    default: alias === 'default',
    policy: accountPolicySchema.parse(policy),
  };
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Posted {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
}

/** Messages amibot posted that mention the image (reminders and notices), oldest first. */
function posts(fs: FakeSlack, imageId: string): Posted[] {
  return fs
    .calls('chat.postMessage')
    .filter((c) => c.response.ok === true && allText(c.body).includes(imageId))
    .map((c) => ({
      channel: String(c.response.channel),
      ts: String(c.response.ts),
      text: String(c.body.text),
      blocks: (c.body.blocks as unknown[]) ?? [],
    }));
}

function own(tags: Record<string, string>, extra: Parameters<FakeAws['addImage']>[0] = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `svc-${Math.random().toString(36).slice(2, 8)}`,
    creationDate: new Date(START - 40 * DAY).toISOString(),
    ...extra,
    tags,
  });
}

/** Reminders are delivered by `reminder-post` jobs: wait until the workers have run every one. */
async function delivered(): Promise<void> {
  const queue = t.deps.queues.queue('maintenance');
  await waitFor('queued reminders to be delivered', async () => {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(c).every((n) => n === 0);
  });
}

/** A sweep (detection + enqueue) followed by the delivery of what it queued. */
const sweep = async () => {
  const stats = await runExpirySweep(t.deps);
  await delivered();
  return stats;
};

async function click(msg: Posted, actionId: string, userId: string): Promise<string> {
  const stored = fakeSlack.message(msg.channel, msg.ts);
  const { ack, responseId } = await t.click({
    actionId,
    userId,
    channelId: msg.channel,
    messageTs: msg.ts,
    message: stored as never,
  });
  expect(ack.status).toBe(200);
  return responseId;
}

/** The reminder message once a click has replaced its buttons with an outcome. */
async function settled(msg: Posted) {
  return waitFor('the reminder to lose its buttons', () => {
    const m = fakeSlack.message(msg.channel, msg.ts);
    return m && !JSON.stringify(m.blocks).includes('reminder_extend') ? m : undefined;
  });
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  fakeSlack.setUserGroup(GROUP, ['UGRP1', 'UGRP2', 'UGRP3']);
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    accounts: [
      account('default', DEFAULT_ACCOUNT_ID, {
        approvalChannel: 'CAPPROVALS',
        reminderChannel: 'CREMIND',
        approvers: [APPROVER, GROUP],
      }),
      account(
        'deprec',
        '222222222222',
        { reminderChannel: 'CDEPREC', expiredImageAction: 'deprecate', approvers: [APPROVER] },
        ['us-east-1', 'eu-west-1'],
      ),
      account('dereg', '333333333333', {
        approvalChannel: 'CDEREG',
        expiredImageAction: 'request-deregister',
        approvers: [APPROVER],
      }),
      account('quiet', '444444444444', {}),
    ],
    patchConfig: (c) => {
      c.expiry.teamChannels = { platform: 'CPLATFORM' };
      c.expiry.requiredTags = ['CostCenter'];
    },
    workers: true,
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

beforeEach(() => {
  now = new Date(START);
});

describe('milestones', () => {
  it('posts 7 days, 1 day and at expiry, each once, across repeated and concurrent sweeps', async () => {
    const img = own({ ExpirationDate: iso(10 * DAY), Owner: OWNER });
    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(0);

    at(3.5 * DAY);
    await sweep();
    await sweep();
    await Promise.all([sweep(), sweep()]);
    let p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(1);
    // The 7-day milestone, worded with the real time left and the date.
    expect(p[0]?.text).toContain('expires in 6 days 12 hours, on Sun 6 Dec 2026 12:00 UTC');
    expect(p[0]?.channel).toBe('CREMIND');

    at(9.5 * DAY);
    await Promise.all([sweep(), sweep(), sweep()]);
    p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(p[1]?.text).toContain('expires in 12 hours, on Sun 6 Dec 2026 12:00 UTC');

    at(10 * DAY + HOUR);
    await Promise.all([sweep(), sweep()]);
    await sweep();
    p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(3);
    expect(p[2]?.text).toContain('expired 1 hour ago, on Sun 6 Dec 2026 12:00 UTC');
    const sent = await t.deps.audit.recent({ target: img.imageId, limit: 20 });
    expect(sent.filter((a) => a.action === 'reminder.sent')).toHaveLength(3);
  });

  it('an image found half a day before expiry gets only the 1-day reminder, then the expired one', async () => {
    const img = own({ ExpirationDate: iso(12 * HOUR) });
    await sweep();
    await sweep();
    let p = posts(fakeSlack, img.imageId);
    expect(p.map((m) => m.text.match(/expires in [^,]+|expired [^,]+/)?.[0])).toEqual([
      'expires in 12 hours',
    ]);
    at(13 * HOUR);
    await sweep();
    p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(p[1]?.text).toContain('expired 1 hour ago');
  });

  it('a changed expiry tag starts a fresh series', async () => {
    const img = own({ ExpirationDate: iso(5 * DAY) });
    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(1);
    img.tags.ExpirationDate = iso(20 * DAY);
    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(1);
    at(14 * DAY);
    await sweep();
    await sweep();
    const p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(p[1]?.text).toContain('expires in 6 days, on Wed 16 Dec 2026 12:00 UTC');
  });

  it('uses the deprecation time when there is no expiry tag, and sweeps every region of an account', async () => {
    const dep = own({}, { deprecationTime: new Date(START + 3 * DAY).toISOString() });
    const eu = fakeAws.addImage({
      ownerId: '222222222222',
      region: 'eu-west-1',
      name: 'eu-image',
      tags: { ExpirationDate: iso(2 * DAY) },
    });
    const stats = await sweep();
    expect(stats.errors).toEqual([]);
    expect(posts(fakeSlack, dep.imageId)).toHaveLength(1);
    expect(posts(fakeSlack, dep.imageId)[0]?.blocks).toBeDefined();
    expect(allText(posts(fakeSlack, dep.imageId)[0])).toContain('deprecation time');
    const euPosts = posts(fakeSlack, eu.imageId);
    expect(euPosts).toHaveLength(1);
    expect(euPosts[0]?.channel).toBe('CDEPREC');
    expect(allText(euPosts[0])).toContain('eu-west-1');
  });
});

describe('malformed expiry tags', () => {
  it('are reported once per image and value', async () => {
    const img = own({ ExpirationDate: 'next tuesday' });
    await sweep();
    await Promise.all([sweep(), sweep()]);
    let p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(1);
    expect(allText(p[0])).toContain('malformed expiry tag');
    expect(allText(p[0])).toContain('next tuesday');
    img.tags.ExpirationDate = '31/12/2026';
    await sweep();
    await sweep();
    p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(allText(p[1])).toContain('31/12/2026');
  });
});

describe('routing', () => {
  it('goes to the channel tag, else the team channel, else the reminder channel, else the approval channel', async () => {
    const tagged = own({ ExpirationDate: iso(2 * DAY), 'amibot:channel': 'CTAGGED', Team: 'platform' });
    const team = own({ ExpirationDate: iso(2 * DAY), Team: 'Platform' });
    const plain = own({ ExpirationDate: iso(2 * DAY), Team: 'nobody-maps-this' });
    const approval = fakeAws.addImage({ ownerId: '333333333333', tags: { ExpirationDate: iso(2 * DAY) } });
    const nowhere = fakeAws.addImage({ ownerId: '444444444444', tags: { ExpirationDate: iso(2 * DAY) } });
    const stats = await sweep();
    expect(posts(fakeSlack, tagged.imageId).map((p) => p.channel)).toEqual(['CTAGGED']);
    expect(posts(fakeSlack, team.imageId).map((p) => p.channel)).toEqual(['CPLATFORM']);
    expect(posts(fakeSlack, plain.imageId).map((p) => p.channel)).toEqual(['CREMIND']);
    expect(posts(fakeSlack, approval.imageId).map((p) => p.channel)).toEqual(['CDEREG']);
    expect(posts(fakeSlack, nowhere.imageId)).toHaveLength(0);
    expect(stats.unrouted).toBeGreaterThanOrEqual(1);
  });
});

describe('buttons', () => {
  it('Extend by the owner moves the expiry tag 30 days, updates the message and restarts the series', async () => {
    const expiry = 5 * DAY;
    const img = own({ ExpirationDate: iso(expiry), Owner: OWNER });
    await sweep();
    const [msg] = posts(fakeSlack, img.imageId);
    expect(msg).toBeDefined();
    await click(msg as Posted, 'reminder_extend', OWNER);
    const updated = await settled(msg as Posted);
    expect(allText(updated)).toContain(`<@${OWNER}>`);
    expect(allText(updated)).toMatch(/Extended/);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.tags.ExpirationDate).toBe(iso(expiry + 30 * DAY));
    const audit = await t.deps.audit.recent({ target: img.imageId, limit: 20 });
    expect(audit.some((a) => a.action === 'reminder.extended' && a.actor === OWNER)).toBe(true);

    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(1);
    at(expiry + 30 * DAY - 6 * DAY);
    await sweep();
    const p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(p[1]?.text).toMatch(/expires in 6 days, on /);

    // A second click on the handled reminder changes nothing.
    const value = JSON.stringify(msg?.blocks).match(/rem-[0-9a-z]{16}/)?.[0];
    const { responseId: again } = await t.click({
      actionId: 'reminder_extend',
      value,
      userId: OWNER,
      channelId: msg?.channel,
    });
    expect(allText((await fakeSlack.waitForResponse(again)).body)).toMatch(/already extended/);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.tags.ExpirationDate).toBe(iso(expiry + 30 * DAY));
  });

  it('refuses a stranger (audited), accepts an approver via a user group; Snooze holds reminders back for a day', async () => {
    const img = own({ ExpirationDate: iso(1.2 * DAY), Owner: OWNER });
    await sweep();
    const [msg] = posts(fakeSlack, img.imageId);
    // Due at the 7-day milestone, 1.2 days before expiry: it says so, not "7 days".
    expect(msg?.text).toContain('expires in 1 day 4 hours, on Fri 27 Nov 2026 16:48 UTC');

    const refused = await click(msg as Posted, 'reminder_snooze', STRANGER);
    expect(allText((await fakeSlack.waitForResponse(refused)).body)).toMatch(/Only the image’s owner/);
    const audit = await t.deps.audit.recent({ target: img.imageId, limit: 20 });
    expect(audit.some((a) => a.action === 'reminder.refused' && a.actor === STRANGER)).toBe(true);
    expect(JSON.stringify(fakeSlack.message(msg!.channel, msg!.ts)?.blocks)).toContain('reminder_snooze');

    await click(msg as Posted, 'reminder_snooze', 'UGRP3');
    expect(allText(await settled(msg as Posted))).toMatch(/Snoozed.*UGRP3/s);
    await waitFor('snooze audit', async () =>
      (await t.deps.audit.recent({ target: img.imageId, limit: 20 })).some(
        (a) => a.action === 'reminder.snoozed' && a.actor === 'UGRP3',
      ),
    );

    at(0.5 * DAY); // the 1-day milestone is due, but the image is snoozed
    const stats = await sweep();
    expect(stats.snoozed).toBeGreaterThanOrEqual(1);
    expect(posts(fakeSlack, img.imageId)).toHaveLength(1);

    at(1.25 * DAY); // snooze over, expired by now: the most urgent reminder only
    await sweep();
    await sweep();
    const p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(2);
    expect(p[1]?.text).toContain('expired 1 hour 12 minutes ago, on Fri 27 Nov 2026 16:48 UTC');
  });

  it('a snoozed reminder comes back when the snooze ends', async () => {
    const img = own({ ExpirationDate: iso(-2 * DAY), Owner: OWNER });
    await sweep();
    const [msg] = posts(fakeSlack, img.imageId);
    await click(msg as Posted, 'reminder_snooze', OWNER);
    await settled(msg as Posted);
    at(20 * HOUR);
    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(1);
    at(25 * HOUR);
    await sweep();
    await sweep();
    expect(posts(fakeSlack, img.imageId)).toHaveLength(2);
  });

  it('Deregister files a request for approval with the clicker as requester', async () => {
    const img = own({ ExpirationDate: iso(3 * DAY), Owner: OWNER });
    await sweep();
    const [msg] = posts(fakeSlack, img.imageId);
    const responseId = await click(msg as Posted, 'reminder_deregister', OWNER);
    const updated = await settled(msg as Posted);
    const req = (await t.deps.requests.recent(200)).find((r) => r.imageId === img.imageId);
    expect(req).toMatchObject({ kind: 'deregister', requester: OWNER, state: 'pending', account: 'default' });
    expect(allText(updated)).toContain(req!.id);
    expect(req?.message?.channel).toBe('CAPPROVALS');
    expect(allText((await fakeSlack.waitForResponse(responseId)).body)).toContain(req!.id);
    // The owner cannot approve their own request.
    expect(req?.requester).not.toBe(APPROVER);
  });

  it('refuses a tampered or unknown reminder id', async () => {
    for (const value of ['rem-0000000000000000', 'req-abc; DROP']) {
      const { responseId } = await t.click({
        actionId: 'reminder_extend',
        value,
        userId: APPROVER,
        channelId: 'CREMIND',
      });
      expect(allText((await fakeSlack.waitForResponse(responseId)).body)).toMatch(
        /does not point at a reminder/,
      );
    }
  });
});

describe('expired-image policies', () => {
  it('deprecate: sets the EC2 deprecation time once, audited as amibot', async () => {
    const img = fakeAws.addImage({ ownerId: '222222222222', tags: { ExpirationDate: iso(-DAY) } });
    await Promise.all([sweep(), sweep()]);
    await sweep();
    const fake = fakeAws.getImage('us-east-1', img.imageId);
    expect(fake?.deprecationTime).toBeDefined();
    expect(Date.parse(fake!.deprecationTime!)).toBeLessThanOrEqual(START + 2 * 60_000);
    expect(
      fakeAws.callsOf('EnableImageDeprecation').filter((c) => JSON.stringify(c).includes(img.imageId)),
    ).toHaveLength(1);
    const p = posts(fakeSlack, img.imageId);
    expect(p).toHaveLength(1);
    expect(allText(p[0])).toMatch(/amibot deprecated the image/);
    const audit = await t.deps.audit.recent({ target: img.imageId, limit: 20 });
    expect(
      audit.some((a) => a.action === 'image.deprecated' && a.actor === 'amibot' && a.result === 'ok'),
    ).toBe(true);
  });

  it('request-deregister: files one pending request by the bot user', async () => {
    const img = fakeAws.addImage({ ownerId: '333333333333', tags: { ExpirationDate: iso(-DAY) } });
    await Promise.all([sweep(), sweep()]);
    await sweep();
    const reqs = (await t.deps.requests.recent(200)).filter((r) => r.imageId === img.imageId);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ kind: 'deregister', state: 'pending', requester: fakeSlack.botUserId });
    const p = posts(fakeSlack, img.imageId).filter((m) => m.text.includes('expired 1 day ago'));
    expect(p).toHaveLength(1);
    expect(allText(p[0])).toContain(reqs[0]!.id);
    expect(JSON.stringify(p[0]?.blocks)).not.toContain('reminder_deregister');
  });
});

describe('digest and /ami expiring', () => {
  it('the digest lists expiring, expired, untagged and under-tagged images with totals, once a day per channel', async () => {
    const tags = { 'amibot:channel': 'CDIGEST' };
    const soon = own({ ...tags, ExpirationDate: iso(5 * DAY), CostCenter: '42' });
    const later = own({ ...tags, ExpirationDate: iso(60 * DAY), CostCenter: '42' });
    const gone = own({ ...tags, ExpirationDate: iso(-3 * DAY), CostCenter: '42' });
    const untagged = own(tags, { blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 100 }] });
    const stats = await runExpiryDigest(t.deps);
    expect(stats.posted).toBeGreaterThanOrEqual(1);
    const digest = fakeSlack.messages('CDIGEST').find((m) => m.text.includes('Expiry digest'));
    expect(digest).toBeDefined();
    const text = allText(digest);
    for (const id of [soon.imageId, gone.imageId, untagged.imageId]) expect(text).toContain(id);
    expect(text).not.toContain(later.imageId);
    expect(text).toMatch(/Missing required tags/);
    expect(text).toContain('4 images · 124 GiB'); // 8 + 8 + 8 (soon, later, gone) + 100: all images of the channel
    const again = await runExpiryDigest(t.deps);
    expect(again.posted).toBe(0);
    expect(fakeSlack.messages('CDIGEST').filter((m) => m.text.includes('Expiry digest'))).toHaveLength(1);
  });

  it('/ami expiring shows the list on demand, ephemerally', async () => {
    const img = fakeAws.addImage({
      ownerId: '222222222222',
      region: 'eu-west-1',
      name: 'eu-expiring',
      tags: { ExpirationDate: iso(20 * DAY), CostCenter: '7' },
    });
    const far = fakeAws.addImage({
      ownerId: '222222222222',
      region: 'eu-west-1',
      tags: { ExpirationDate: iso(90 * DAY), CostCenter: '7' },
    });
    const reply = await t.ask('expiring --within 30d --account deprec --region eu-west-1', {
      userId: STRANGER,
    });
    expect(reply.body.response_type).toBe('ephemeral');
    const text = allText(reply.body);
    expect(text).toContain(img.imageId);
    expect(text).not.toContain(far.imageId);
    expect(text).toContain('within 30 days');
    const wider = await t.ask('expiring --within 100d --account deprec --region eu-west-1');
    expect(allText(wider.body)).toContain(far.imageId);
    const bad = await t.ask('expiring --account nope');
    expect(allText(bad.body)).toMatch(/Unknown account/);
  });
});
