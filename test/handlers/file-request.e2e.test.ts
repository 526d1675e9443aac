/**
 * The *File a request* shortcut over real wires: the signed shortcut opens the modal at the fake
 * Slack, the signed submission files through the same command path as typed `/ami` commands
 * (checked field by field against a typed twin), and bad submissions are answered in the modal
 * or by direct message, never with internals.
 */
import type { ViewStateValue } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
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
  buildGlobalShortcut,
  buildViewSubmission,
  plainTextValue,
  postSigned,
  staticSelectValue,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'CAPPROVALS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function account(alias: string, policy: Record<string, unknown>, isDefault = false): AccountConfig {
  return {
    alias,
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: isDefault,
    policy: accountPolicySchema.parse(policy),
  };
}

function ownImage() {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `team-image-${Math.random().toString(36).slice(2, 8)}`,
  });
}

const multi = (values: string[]): ViewStateValue =>
  ({
    type: 'multi_static_select',
    selected_options: values.map((v) => ({ text: { type: 'plain_text', text: v }, value: v })),
  }) as unknown as ViewStateValue;
const conversation = (id: string): ViewStateValue =>
  ({ type: 'conversations_select', selected_conversation: id }) as unknown as ViewStateValue;

async function submit(values: Record<string, ViewStateValue>, userId = REQUESTER) {
  const state: Record<string, Record<string, ViewStateValue>> = {};
  for (const [block, value] of Object.entries(values)) state[block] = { [block]: value };
  const body = buildViewSubmission({ callbackId: 'ami_file_request_submit', values: state, userId });
  return postSigned(`${t.url}/slack/events`, body, SIGNING_SECRET);
}

/** The newest direct message to `userId` that `match` accepts. */
function dmTo(userId: string, match: (text: string) => boolean) {
  return waitFor(`a direct message to ${userId}`, () =>
    fakeSlack
      .messages(`D${userId}`)
      .reverse()
      .find((m) => match(allText(m))),
  );
}

async function requestFrom(text: string): Promise<AmiRequest> {
  const id = text.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request id in: ${text}`);
  const req = await t.deps.requests.get(id);
  if (!req) throw new Error(`request ${id} not stored`);
  return req;
}

/** What must be the same whether a request was typed or filed from the modal. */
function essence(r: AmiRequest) {
  return {
    kind: r.kind,
    params: r.params,
    account: r.account,
    accountId: r.accountId,
    region: r.region,
    imageId: r.imageId,
    image: r.image,
    requester: r.requester,
    state: r.state,
    approvalsNeeded: r.approvalsNeeded,
    warnings: r.warnings,
    originChannel: r.originChannel,
    channel: r.message?.channel,
  };
}

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    accounts: [
      account('default', { approvalChannel: CHANNEL, approvers: [APPROVER] }, true),
      account('locked', {
        approvalChannel: CHANNEL,
        approvers: [APPROVER],
        requesters: { default: ['USOMEONE'] },
      }),
      account('nochannel', { approvers: [APPROVER] }),
    ],
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('the File a request shortcut', () => {
  it('opens the modal with the configured accounts and regions', async () => {
    const res = await postSigned(
      `${t.url}/slack/events`,
      buildGlobalShortcut({ callbackId: 'ami_file_request', userId: REQUESTER }),
      SIGNING_SECRET,
    );
    expect(res.status).toBe(200);
    const call = await fakeSlack.waitForCall('views.open');
    expect(call.response.ok).toBe(true);
    const view = call.body.view as { callback_id: string; blocks: unknown[] };
    expect(view.callback_id).toBe('ami_file_request_submit');
    const text = JSON.stringify(view.blocks);
    for (const s of [
      'operation',
      'image_id',
      'to_regions',
      'share_with',
      'deprecate_when',
      '"locked"',
      'us-east-1',
    ])
      expect(text).toContain(s);
  });

  it('files a share identical to the typed command', async () => {
    const img = ownImage();
    const typed = await requestFrom(
      allText(
        (await t.ask(`share ${img.imageId} --with 222222222222`, { userId: REQUESTER, channelId: CHANNEL }))
          .body,
      ),
    );
    const res = await submit({
      operation: staticSelectValue('share'),
      image_id: plainTextValue(img.imageId),
      share_with: plainTextValue('222222222222'),
      channel: conversation(CHANNEL),
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const dm = await dmTo(REQUESTER, (s) => /req-/.test(s) && !s.includes(typed.id));
    const filed = await requestFrom(allText(dm));
    expect(filed.id).not.toBe(typed.id);
    expect(essence(filed)).toEqual(essence(typed));
    expect(filed.state).toBe('pending');
    expect(fakeSlack.message(CHANNEL, filed.message!.ts)).toBeDefined();
  });

  it('files a copy to several regions identical to the typed command', async () => {
    const img = ownImage();
    const typed = await requestFrom(
      allText(
        (
          await t.ask(`copy ${img.imageId} --to eu-west-1,eu-central-1 --region us-east-1`, {
            userId: REQUESTER,
            channelId: CHANNEL,
          })
        ).body,
      ),
    );
    const res = await submit({
      operation: staticSelectValue('copy'),
      image_id: plainTextValue(img.imageId),
      region: staticSelectValue('us-east-1'),
      to_regions: multi(['eu-west-1', 'eu-central-1']),
      channel: conversation(CHANNEL),
    });
    expect(res.body).toBe('');
    const dm = await dmTo(
      REQUESTER,
      (s) => s.includes(img.imageId) && /req-/.test(s) && !s.includes(typed.id),
    );
    const filed = await requestFrom(allText(dm));
    expect(essence(filed)).toEqual(essence(typed));
  });

  it('shows a malformed or incomplete submission beside its field and files nothing', async () => {
    const before = (await t.deps.requests.recent(100)).length;
    const bad = await submit({
      operation: staticSelectValue('share'),
      image_id: plainTextValue('ami-nothex; --account locked'),
    });
    expect(bad.status).toBe(200);
    const body = JSON.parse(bad.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['image_id', 'share_with']);
    expect(body.errors.image_id).toMatch(/not an image id/);

    const when = await submit({
      operation: staticSelectValue('deprecate'),
      image_id: plainTextValue('ami-01234567'),
      deprecate_when: plainTextValue('someday'),
    });
    const whenBody = JSON.parse(when.body) as { errors: Record<string, string> };
    expect(Object.keys(whenBody.errors)).toEqual(['deprecate_when']);

    const noChannel = await submit({
      operation: staticSelectValue('share'),
      account: staticSelectValue('nochannel'),
      image_id: plainTextValue(ownImage().imageId),
      share_with: plainTextValue('222222222222'),
    });
    expect(Object.keys((JSON.parse(noChannel.body) as { errors: object }).errors)).toEqual(['channel']);
    expect((await t.deps.requests.recent(100)).length).toBe(before);
  });

  it('answers a refusal or an AWS error found after the modal closed by direct message, without internals', async () => {
    const before = (await t.deps.requests.recent(100)).length;
    const refused = await submit({
      operation: staticSelectValue('share'),
      account: staticSelectValue('locked'),
      image_id: plainTextValue(ownImage().imageId),
      share_with: plainTextValue('333333333333'),
    });
    expect(refused.body).toBe('');
    const dm = await dmTo(REQUESTER, (s) => /locked/.test(s) && !/req-/.test(s));
    expect(allText(dm)).toMatch(/not on the list of people who may request `share` in account \*locked\*/);

    const missing = await submit({
      operation: staticSelectValue('deprecate'),
      image_id: plainTextValue('ami-0fffffffffffffff0'),
      deprecate_when: plainTextValue('30d'),
    });
    expect(missing.body).toBe('');
    const notFound = await dmTo(REQUESTER, (s) => s.includes('ami-0fffffffffffffff0'));
    const text = allText(notFound);
    expect(text).toMatch(/`ami-0fffffffffffffff0` was not found in account \*default\*/);
    expect(text).not.toMatch(/\bat .*\.ts:\d+|Error:|stack/i);
    expect((await t.deps.requests.recent(100)).length).toBe(before);
  });
});
