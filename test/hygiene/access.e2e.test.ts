import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import {
  SANDBOX_PARTNER_ACCOUNT_ID,
  SANDBOX_SHARING,
  SANDBOX_STRANGER_ACCOUNT_ID,
  type SharingEstate,
  seedSharingEstate,
} from '../../dev/sandbox/sandbox-catalog.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { SlackMessage } from '../../src/blocks/message.js';
import { type AccountConfig, accountSchema } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { runExpiryDigest } from '../../src/expiry/digest.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * `/ami access` over real wires: a seeded estate with images shared within the allowlist (the
 * partner account, a configured account, the allowed organization, an OU of it, a listed OU) and
 * outside it (an unknown account, another organization, another OU, a public image). The audit,
 * offboarding `--with`, the *File request* button, one batch request, approval, and the job that
 * re-reads each image's permissions and removes only what was approved and is still there.
 */

const CHANNEL = 'CACCESS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const PROD_ACCOUNT_ID = '222222222222';
const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let estate: SharingEstate;

function accounts(): AccountConfig[] {
  return [
    {
      alias: 'default',
      accountId: DEFAULT_ACCOUNT_ID,
      regions: [REGION, OTHER_REGION],
      default: true,
      policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
    },
    // A second configured account: images shared with it are within the allowlist.
    accountSchema.parse({
      alias: 'prod',
      accountId: PROD_ACCOUNT_ID,
      roleArn: `arn:aws:iam::${PROD_ACCOUNT_ID}:role/amibot`,
      regions: [REGION],
      policy: { approvalChannel: CHANNEL, approvers: [APPROVER] },
    }),
  ];
}

function buttonValue(body: unknown, actionId: string): string | undefined {
  let found: string | undefined;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.action_id === actionId && typeof o.value === 'string') found = o.value;
      else Object.values(o).forEach(walk);
    }
  };
  walk(body);
  return found;
}

async function clickFile(value: string, userId = REQUESTER) {
  const { ack, responseId } = await t.click({ actionId: 'access_file', value, userId, channelId: 'CASK' });
  expect(ack.status).toBe(200);
  return fakeSlack.waitForResponse(responseId, { timeoutMs: 15_000 });
}

function requestIdIn(text: string): string {
  const id = text.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request id in: ${text}`);
  return id;
}

async function finalState(id: string): Promise<AmiRequest> {
  return waitFor(
    `request ${id} to finish`,
    async () => {
      const r = await t.deps.requests.get(id);
      return r && ['succeeded', 'failed', 'rejected', 'cancelled', 'expired'].includes(r.state)
        ? r
        : undefined;
    },
    60_000,
  );
}

const perms = (region: string, imageId: string) => {
  const img = fakeAws.getImage(region, imageId);
  if (!img) throw new Error(`no image ${imageId}`);
  return { public: img.public, ...img.launchPermission };
};

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  estate = seedSharingEstate(fakeAws, {
    now,
    region: REGION,
    otherRegion: OTHER_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    configuredAccountId: PROD_ACCOUNT_ID,
  });
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    accounts: accounts(),
    patchConfig: (c) => {
      c.sharing = structuredClone(SANDBOX_SHARING);
      c.expiry.digest.enabled = true;
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('/ami access', () => {
  it('lists public images and shares outside the allowlist, and nothing within it', async () => {
    const reply = await t.ask('access', { userId: REQUESTER });
    const text = allText(reply.body);
    expect(assertWithinSlackLimits(reply.body as unknown as SlackMessage)).toEqual([]);
    for (const img of [
      estate.publicImage,
      estate.strangerAccount,
      estate.otherOrganization,
      estate.otherOu,
    ]) {
      expect(text).toContain(img.imageId);
    }
    for (const img of [...estate.allowed, estate.privateImage, estate.partner[1]!]) {
      expect(text).not.toContain(img.imageId);
    }
    expect(text).toContain('1 public image');
    expect(text).toContain(SANDBOX_STRANGER_ACCOUNT_ID);
    expect(text).toContain('o-elsewhere01');
    expect(text).toContain('ou-el01-unknown1');
    // The configured account's share on the same image is left alone, and said so.
    expect(text).toMatch(/1 allowed share left alone/);
    expect(buttonValue(reply.body, 'access_file')).toMatch(/^acc-[0-9a-z]{10}$/);
    // An audit changes nothing.
    expect(fakeAws.callsOf('ModifyImageAttribute')).toHaveLength(0);
  });

  it('refuses bad input with a clear answer', async () => {
    const short = allText((await t.ask('access --with 12345')).body);
    expect(short).toContain('it has 5 digits');
    expect(short).toContain('/ami access');
    expect(allText((await t.ask('access --account nope')).body)).toContain('Unknown account `nope`');
    expect(allText((await t.ask('access --account prod --region eu-west-1')).body)).toContain(
      'No configured account uses `eu-west-1`',
    );
    expect(allText((await clickFile('acc-<!here>')).body)).toContain('does not point at a sharing audit');
    expect(allText((await clickFile('acc-0000000000')).body)).toMatch(/over 60 minutes old/);
  });

  it('offboards an account: one request, approved once, re-reads each image and removes only what was approved', async () => {
    const reply = await t.ask(`access --with ${SANDBOX_PARTNER_ACCOUNT_ID}`, { userId: REQUESTER });
    const text = allText(reply.body);
    // Everything shared with the partner (allowed, yet offboarded), in both regions, and what is outside.
    for (const img of estate.partner) expect(text).toContain(img.imageId);
    expect(text).toContain(estate.strangerAccount.imageId);
    expect(text).toContain(`3 images* shared with \`${SANDBOX_PARTNER_ACCOUNT_ID}\``);
    const value = buttonValue(reply.body, 'access_file') as string;

    const filed = await clickFile(value);
    const id = requestIdIn(allText(filed.body));
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.kind).toBe('revoke-sharing');
    expect(request.state).toBe('pending');
    expect(request.account).toBe('default');
    const items = request.params.kind === 'revoke-sharing' ? request.params.images : [];
    const expected = [
      ...estate.partner,
      estate.publicImage,
      estate.strangerAccount,
      estate.otherOrganization,
    ].map((i) => i.imageId);
    expect(items.map((i) => i.imageId).sort()).toEqual([...new Set(expected)].sort());
    const msg = fakeSlack.message(CHANNEL, request.message!.ts)!;
    expect(assertWithinSlackLimits({ text: msg.text, blocks: msg.blocks as never })).toEqual([]);
    expect(allText(msg)).toContain(`offboarding \`${SANDBOX_PARTNER_ACCOUNT_ID}\``);
    // The list is in the thread, for the approvers.
    const list = await waitFor('the item list in the thread', () =>
      fakeSlack
        .replies(CHANNEL, request.message!.ts)
        .find((m) => allText(m).includes('the launch permissions each one loses')),
    );
    for (const imageId of expected) expect(allText(list)).toContain(imageId);

    // The same audit again: already filed.
    expect(allText((await clickFile(value)).body)).toContain(`already filed as \`${id}\``);

    // Before approval: someone removes the stranger's share by hand, and shares another image with
    // a new, unknown account (not part of what was approved: it must stay).
    const stranger = fakeAws.getImage(REGION, estate.strangerAccount.imageId)!;
    stranger.launchPermission.accounts = stranger.launchPermission.accounts.filter(
      (a) => a !== SANDBOX_STRANGER_ACCOUNT_ID,
    );
    fakeAws
      .getImage(REGION, estate.otherOrganization.imageId)!
      .launchPermission.accounts.push('121212121212');

    const { ack } = await t.click({
      actionId: 'request_approve',
      value: id,
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: request.message!.ts,
    });
    expect(ack.status).toBe(200);
    const done = await finalState(id);
    expect(done.state).toBe('succeeded');
    expect(done.result?.summary).toMatch(/Unshared 5 of 6 images/);
    expect(done.batch?.items[estate.strangerAccount.imageId]).toMatchObject({ state: 'kept' });
    expect(done.batch?.items[estate.strangerAccount.imageId]?.note).toMatch(/already gone/);

    // Partner gone everywhere; what the allowlist covers and was not offboarded stays.
    for (const img of estate.partner)
      expect(perms(img.region, img.imageId).accounts).not.toContain(SANDBOX_PARTNER_ACCOUNT_ID);
    expect(perms(REGION, estate.otherOu.imageId).organizationalUnits).toEqual([]);
    expect(perms(REGION, estate.publicImage.imageId).public).toBe(false);
    expect(perms(REGION, estate.otherOrganization.imageId)).toMatchObject({
      organizations: [],
      accounts: ['121212121212'],
    });
    expect(perms(REGION, estate.strangerAccount.imageId).accounts).toEqual([PROD_ACCOUNT_ID]);
    for (const img of estate.allowed.slice(1)) {
      expect(perms(img.region, img.imageId)).toEqual({
        public: false,
        accounts: img.launchPermission.accounts,
        organizations: img.launchPermission.organizations,
        organizationalUnits: img.launchPermission.organizationalUnits,
      });
    }
    // One ModifyImageAttribute per image that still had something to remove (5), none for the other.
    const modified = fakeAws
      .callsOf('ModifyImageAttribute')
      .filter((c) => c.status === 200)
      .map((c) => String(c.params.ImageId));
    expect(modified.sort()).toEqual(expected.filter((i) => i !== estate.strangerAccount.imageId).sort());
    const final = await waitFor('the final message', () => {
      const m = fakeSlack.message(CHANNEL, request.message!.ts);
      return m && allText(m).includes('Unshared 5 of 6') ? m : undefined;
    });
    expect(allText(final)).toMatch(
      /6 of 6 images done · 5 unshared · 6 launch permissions removed · 1 needed nothing/,
    );

    // Audited again: only the new, unknown account is outside the allowlist now.
    const after = allText((await t.ask(`access --with ${SANDBOX_PARTNER_ACCOUNT_ID}`)).body);
    expect(after).toContain('0 public images');
    expect(after).toContain(estate.otherOrganization.imageId);
    expect(after).toContain('121212121212');
    for (const img of estate.partner) expect(after).not.toContain(img.imageId);
  });

  it('puts shares outside the allowlist in the daily digest', async () => {
    const stats = await runExpiryDigest(t.deps);
    expect(stats.posted).toBeGreaterThan(0);
    const digest = fakeSlack.messages(CHANNEL).find((m) => allText(m).includes('Expiry digest'))!;
    const text = allText(digest);
    expect(assertWithinSlackLimits({ text: digest.text, blocks: digest.blocks as never })).toEqual([]);
    expect(text).toContain('Sharing outside the allowlist');
    expect(text).toContain(estate.otherOrganization.imageId);
    expect(text).toContain('121212121212');
    expect(text).toContain('/ami access');
  });
});
