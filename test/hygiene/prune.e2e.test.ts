import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { type RetentionEstate, seedRetentionEstate } from '../../dev/sandbox/sandbox-catalog.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { SlackMessage } from '../../src/blocks/message.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * `/ami prune` over real wires: the dry run against a seeded estate (families with versions, images
 * in use by a stopped instance, a non-default launch template version and Auto Scaling groups, a
 * golden one, a shared one, one on hold), the *File request* button, one batch request, approval,
 * and the job that deregisters image by image — checking each again right before.
 */

const CHANNEL = 'CPRUNE';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let estate: RetentionEstate;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
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
  const { ack, responseId } = await t.click({ actionId: 'prune_file', value, userId, channelId: 'CASK' });
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

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  estate = seedRetentionEstate(fakeAws, { now, region: REGION, accountId: DEFAULT_ACCOUNT_ID });
  t = await startTestApp({ fakeAws, fakeSlack, clock, workers: true, accounts: [account()] });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('/ami prune', () => {
  it('answers a dry run: what goes, what stays and why, within Slack limits, with a File request button', async () => {
    const reply = await t.ask('prune --family app-web --keep 3', { userId: REQUESTER });
    const text = allText(reply.body);
    expect(assertWithinSlackLimits(reply.body as unknown as SlackMessage)).toEqual([]);
    expect(text).toContain('6 images would go');
    // 5 × 8 GiB: the oldest image shares its snapshot with the golden one, so it frees nothing.
    expect(text).toContain('40 GiB');
    for (const img of estate.prunable) expect(text).toContain(img.imageId);
    for (const kept of [
      estate.usedByInstance,
      estate.usedByTemplateVersion,
      estate.usedByLaunchConfiguration,
      estate.usedByGroupTemplate,
    ]) {
      expect(text).not.toMatch(new RegExp(`What goes[\\s\\S]*${kept.imageId}`));
    }
    expect(text).toMatch(/newest 3/);
    expect(text).toMatch(/in use/);
    expect(text).toMatch(/golden/);
    expect(text).toMatch(/shared with other accounts/);
    expect(text).toMatch(/on hold/);
    // The second family (app-web-worker) keeps both of its images.
    expect(text).toMatch(/app-web-worker\*? \(2 images\): nothing goes/);
    const value = buttonValue(reply.body, 'prune_file');
    expect(value).toMatch(/^prn-[0-9a-z]{10}$/);
    // Nothing was changed by the dry run.
    expect(fakeAws.callsOf('DeregisterImage')).toHaveLength(0);
  });

  it('fails closed: when what uses the images cannot be read, nothing goes', async () => {
    fakeAws.faults.failNext('ec2:DescribeLaunchTemplates', { code: 'UnauthorizedOperation', times: 10 });
    const reply = await t.ask('prune --family app-web --keep 3', { userId: REQUESTER });
    fakeAws.faults.clearErrors();
    const text = allText(reply.body);
    expect(text).toContain('Nothing to prune');
    expect(text).toMatch(/use could not be checked/);
    expect(buttonValue(reply.body, 'prune_file')).toBeUndefined();
  });

  it('files one request from the button, lists the images in its thread, and prunes on approval — keeping what came into use', async () => {
    const dry = await t.ask('prune --family app-web --keep 3', { userId: REQUESTER });
    const value = buttonValue(dry.body, 'prune_file') as string;
    const filed = await clickFile(value);
    const id = requestIdIn(allText(filed.body));
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.kind).toBe('prune');
    expect(request.state).toBe('pending');
    expect(request.params.kind === 'prune' && request.params.images.map((i) => i.imageId).sort()).toEqual(
      estate.prunable.map((i) => i.imageId).sort(),
    );
    const msg = fakeSlack.message(CHANNEL, request.message!.ts)!;
    expect(assertWithinSlackLimits({ text: msg.text, blocks: msg.blocks as never })).toEqual([]);
    // The list is in the thread, for the approvers.
    const list = await waitFor('the item list in the thread', () =>
      fakeSlack.replies(CHANNEL, request.message!.ts).find((m) => allText(m).includes('to deregister')),
    );
    for (const img of estate.prunable) expect(allText(list)).toContain(img.imageId);

    // The same dry run again: refused (already filed); a fresh one for the same family: refused (open request).
    expect(allText((await clickFile(value)).body)).toContain(`already filed as request ${'`'}${id}`);
    const again = buttonValue(
      (await t.ask('prune --family app-web --keep 3', { userId: REQUESTER })).body,
      'prune_file',
    ) as string;
    expect(allText((await clickFile(again)).body)).toMatch(
      new RegExp(`already has an open prune request .${id}`),
    );

    // Between filing and approval, one image starts being used by an Auto Scaling group's template.
    const [cameIntoUse, ...rest] = estate.prunable;
    const lt = fakeAws.addLaunchTemplate({
      region: REGION,
      name: 'late-lt',
      versions: [{ imageId: cameIntoUse!.imageId }],
    });
    fakeAws.addAutoScalingGroup({ region: REGION, name: 'late-asg', launchTemplate: { template: lt } });

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
    expect(done.result?.summary).toMatch(/Pruned 5 of 6 images/);
    expect(done.batch?.items[cameIntoUse!.imageId]?.state).toBe('kept');
    expect(done.batch?.items[cameIntoUse!.imageId]?.note).toMatch(/came into use/);

    const state = (img: { imageId: string }) => fakeAws.getImage(REGION, img.imageId)?.state;
    expect(state(cameIntoUse!)).toBe('available');
    for (const img of rest) expect(state(img)).toBe('deregistered');
    for (const kept of [
      ...estate.newest,
      estate.usedByInstance,
      estate.usedByTemplateVersion,
      estate.usedByLaunchConfiguration,
      estate.usedByGroupTemplate,
      estate.golden,
      estate.shared,
      estate.onHold,
    ]) {
      expect(state(kept)).toBe('available');
    }
    // The golden image's snapshot outlived the image that shared it; the others' went with them.
    expect(fakeAws.getSnapshot(REGION, estate.golden.blockDevices[0]!.snapshotId!)).toBeDefined();
    for (const img of rest.filter((i) => i !== estate.sharesSnapshot)) {
      expect(fakeAws.getSnapshot(REGION, img.blockDevices[0]!.snapshotId!)).toBeUndefined();
    }
    // Each image deregistered once.
    const deregistered = fakeAws.callsOf('DeregisterImage').map((c) => c.params.ImageId);
    expect(new Set(deregistered).size).toBe(deregistered.length);
    // The final message is within Slack's limits and says what was kept and why.
    const final = await waitFor('the final message', () => {
      const m = fakeSlack.message(CHANNEL, request.message!.ts);
      return m && allText(m).includes('Pruned 5 of 6') ? m : undefined;
    });
    expect(assertWithinSlackLimits({ text: final.text, blocks: final.blocks as never })).toEqual([]);
    // The family is free again once the request is done.
    const next = await t.ask('prune --family app-web --keep 3', { userId: REQUESTER });
    expect(allText(next.body)).toContain('Nothing to prune');
  });

  it('refuses bad input with the usage line', async () => {
    const noKeep = allText((await t.ask('prune --family app-web')).body);
    expect(noKeep).toContain('needs `--keep N`');
    expect(noKeep).toContain('/ami prune --family');
    expect(allText((await t.ask('prune --family tag: --keep 2')).body)).toContain('tag:App=web');
    expect(allText((await t.ask('prune --family app --keep 0')).body)).toContain('from 1 to 100');
  });
});
