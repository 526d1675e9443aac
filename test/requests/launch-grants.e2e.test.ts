import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * Launch permissions on every path that grants them (share, `copy --with-permissions`,
 * `encrypt --replace`), over real wires: never public unless the account allows public sharing,
 * re-checked when the job applies them, and every permission shown on the approval message.
 */

const CHANNEL = 'CGRANTS';
const OPEN_CHANNEL = 'COPEN';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const PARTNER = '333333333333';
const OU = 'arn:aws:organizations::111111111111:ou/o-abcdef1234/ou-ab12-cdef3456';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
/** Public sharing off (the default). */
let t: TestApp;
/** Public sharing on. */
let open: TestApp;

function account(channel: string, allowPublicSharing: boolean): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({
      approvalChannel: channel,
      approvers: [APPROVER],
      allowPublicSharing,
    }),
  };
}

function own(extra: Parameters<FakeAws['addImage']>[0] = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `shared-${Math.random().toString(36).slice(2, 8)}`,
    ...extra,
  });
}

async function file(app: TestApp, text: string): Promise<AmiRequest> {
  const reply = await app.ask(text, { userId: REQUESTER });
  const body = allText(reply.body);
  const id = body.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request filed: ${body}`);
  return (await app.deps.requests.get(id))!;
}

async function approve(app: TestApp, req: AmiRequest, channel = CHANNEL): Promise<AmiRequest> {
  const { ack } = await app.click({
    actionId: 'request_approve',
    value: req.id,
    userId: APPROVER,
    channelId: channel,
  });
  expect(ack.status).toBe(200);
  return waitFor(`request ${req.id} to finish`, async () => {
    const r = await app.deps.requests.get(req.id);
    return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  });
}

function approvalText(req: AmiRequest, channel = CHANNEL): string {
  return allText(fakeSlack.message(channel, req.message!.ts));
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ copyDurationMs: 500 });
  fakeSlack = await FakeSlack.start();
  const env = {
    AMIBOT_COPY_POLL_MS: '100',
    AMIBOT_COPY_MAX_POLL_MS: '200',
    AMIBOT_PROGRESS_INTERVAL_MS: '300',
  };
  t = await startTestApp({ fakeAws, fakeSlack, workers: true, accounts: [account(CHANNEL, false)], env });
  open = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [account(OPEN_CHANNEL, true)],
    env,
  });
});

afterAll(async () => {
  await t?.close();
  await open?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('copy --with-permissions', () => {
  it('of a public image while public sharing is off: the copy is not public, and the approval message says so', async () => {
    const img = own({ public: true, launchPermission: { accounts: [PARTNER], organizationalUnits: [OU] } });
    const req = await file(t, `copy ${img.imageId} --to eu-west-1 --with-permissions`);
    const message = approvalText(req);
    expect(message).toMatch(/Launch permissions it grants/);
    expect(message).toContain(`account \`${PARTNER}\``);
    expect(message).toContain('OU `ou-ab12-cdef3456`');
    expect(message).toMatch(/~everyone \(public\)~ not granted: public sharing is off/);
    expect(req.warnings.join(' ')).toMatch(/source image is \*public\*, but the copies will not be/);

    const done = await approve(t, req);
    expect(done.state).toBe('succeeded');
    const copy = fakeAws.getImage('eu-west-1', done.progress!['eu-west-1']!.imageId!)!;
    expect(copy.public).toBe(false);
    expect(copy.launchPermission.accounts).toEqual([PARTNER]);
    expect(copy.launchPermission.organizationalUnits).toEqual([OU]);
    expect(done.progress?.['eu-west-1']?.reason).toMatch(/public sharing is off/);
  });

  it('the job checks the policy again: an image made public after filing still gives a private copy', async () => {
    const img = own({ launchPermission: { accounts: [PARTNER] } });
    const req = await file(t, `copy ${img.imageId} --to eu-west-2 --with-permissions`);
    expect(approvalText(req)).not.toMatch(/public/i);
    fakeAws.getImage('us-east-1', img.imageId)!.public = true;
    const done = await approve(t, req);
    expect(done.state).toBe('succeeded');
    const copy = fakeAws.getImage('eu-west-2', done.progress!['eu-west-2']!.imageId!)!;
    expect(copy.public).toBe(false);
    expect(copy.launchPermission.accounts).toEqual([PARTNER]);
    expect(done.progress?.['eu-west-2']?.reason).toMatch(/public sharing is off/);
  });

  it('where public sharing is allowed, a public source gives a public copy, listed as such', async () => {
    const img = own({ public: true });
    const req = await file(open, `copy ${img.imageId} --to eu-central-1 --with-permissions`);
    expect(approvalText(req, OPEN_CHANNEL)).toMatch(/\*everyone\* \(public\)/);
    const done = await approve(open, req, OPEN_CHANNEL);
    expect(fakeAws.getImage('eu-central-1', done.progress!['eu-central-1']!.imageId!)?.public).toBe(true);
  });
});

describe('encrypt --replace', () => {
  it('carries the launch permissions over, within policy, and lists them on the approval message', async () => {
    const img = own({ public: true, launchPermission: { accounts: [PARTNER], organizationalUnits: [OU] } });
    const req = await file(t, `encrypt ${img.imageId} --replace`);
    const message = approvalText(req);
    expect(message).toContain(`account \`${PARTNER}\``);
    expect(message).toContain('OU `ou-ab12-cdef3456`');
    expect(message).toMatch(/not granted: public sharing is off/);
    expect(message).toMatch(/with the original’s launch permissions/);

    const done = await approve(t, req);
    expect(done.state).toBe('succeeded');
    const replacement = fakeAws.getImage('us-east-1', done.progress!['us-east-1']!.imageId!)!;
    expect(replacement.launchPermission.accounts).toEqual([PARTNER]);
    expect(replacement.launchPermission.organizationalUnits).toEqual([OU]);
    expect(replacement.public).toBe(false);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.state).toBe('deregistered');
    expect(done.result?.summary).toMatch(
      /Launch permissions carried over to .*account .*333333333333.*not public/,
    );
  });
});

describe('share', () => {
  it('the approval message names every account, beyond the ten the sentence lists', async () => {
    const img = own();
    const accounts = Array.from({ length: 14 }, (_, i) => String(400000000000 + i));
    const req = await file(t, `share ${img.imageId} --with ${accounts.join(',')}`);
    const message = approvalText(req);
    expect(message).toMatch(/and 4 more/); // the sentence
    for (const a of accounts) expect(message).toContain(`account \`${a}\``);
  });
});

describe('share --with all', () => {
  it('is checked against the policy again when it runs: turned off since filing, nothing is shared', async () => {
    const img = own();
    const req = await file(open, `share ${img.imageId} --with all,${PARTNER}`);
    expect(approvalText(req, OPEN_CHANNEL)).toMatch(/\*everyone\* \(public\)/);
    const policy = open.deps.config.accounts[0]!.policy;
    policy.allowPublicSharing = false;
    try {
      const done = await approve(open, req, OPEN_CHANNEL);
      expect(done.state).toBe('failed');
      expect(done.result?.summary).toMatch(/public sharing is now turned off/);
      const after = fakeAws.getImage('us-east-1', img.imageId)!;
      expect(after.public).toBe(false);
      expect(after.launchPermission.accounts).toEqual([]);
    } finally {
      policy.allowPublicSharing = true;
    }
  });
});
