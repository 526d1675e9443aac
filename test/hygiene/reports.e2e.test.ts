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

/** `/ami orphans [--delete]`, `/ami unused` and `/ami cost` over real wires against a seeded estate. */

const CHANNEL = 'CHYGIENE';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let estate: RetentionEstate;

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  estate = seedRetentionEstate(fakeAws, { now, region: REGION, accountId: DEFAULT_ACCOUNT_ID });
  // Another account's snapshot in the same region is never ours to list.
  fakeAws.addSnapshot({
    region: REGION,
    ownerId: '999999999999',
    volumeSize: 500,
    startTime: '2025-01-01T00:00:00Z',
  });
  const account: AccountConfig = {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
  t = await startTestApp({ fakeAws, fakeSlack, clock, workers: true, accounts: [account] });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

function within(body: unknown) {
  expect(assertWithinSlackLimits(body as SlackMessage)).toEqual([]);
}

describe('/ami orphans', () => {
  it('lists snapshots of images that no longer exist and snapshots no image uses, leaving backups and held ones alone', async () => {
    const reply = await t.ask('orphans');
    within(reply.body);
    const text = allText(reply.body);
    expect(text).toContain('3 snapshots');
    expect(text).toContain('160 GiB'); // 30 + 30 + 100
    expect(text).toContain('$8.00'); // 160 GiB × $0.05
    for (const s of estate.orphanedForGoneImages) expect(text).toContain(s);
    expect(text).toContain(estate.orphanedUnused);
    expect(text).toContain('ami-0deadbeef0000001');
    expect(text).not.toContain(estate.backupSnapshot);
    expect(text).not.toContain(estate.heldSnapshot);
    expect(text).toMatch(/1 from AWS Backup/);
    expect(text).toMatch(/1 on hold/);
    // Snapshots of existing images are not orphans.
    expect(text).not.toContain(estate.golden.blockDevices[0]!.snapshotId!);
  });

  it('--delete files a request that deletes them on approval, keeping one an image started using', async () => {
    const reply = await t.ask('orphans --delete', { userId: REQUESTER });
    const id = allText(reply.body).match(/req-[0-9a-z]+/)?.[0] as string;
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.kind).toBe('delete-snapshots');
    expect(request.state).toBe('pending');
    // Before approval an image is registered from the unused snapshot: it must survive.
    fakeAws.addImage({
      region: REGION,
      name: 'restored-from-manual',
      blockDevices: [{ snapshotId: estate.orphanedUnused }],
    });
    await t.click({
      actionId: 'request_approve',
      value: id,
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: request.message!.ts,
    });
    const done = await waitFor('the deletion to finish', async () => {
      const r = await t.deps.requests.get(id);
      return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
    });
    expect(done.state).toBe('succeeded');
    expect(done.result?.summary).toMatch(/Deleted 2 of 3 snapshots/);
    for (const s of estate.orphanedForGoneImages) expect(fakeAws.getSnapshot(REGION, s)).toBeUndefined();
    expect(fakeAws.getSnapshot(REGION, estate.orphanedUnused)).toBeDefined();
    expect(done.batch?.items[estate.orphanedUnused]?.note).toMatch(/still used by/);
    expect(fakeAws.getSnapshot(REGION, estate.backupSnapshot)).toBeDefined();
    expect(fakeAws.getSnapshot(REGION, estate.heldSnapshot)).toBeDefined();
  });
});

describe('/ami unused', () => {
  it('lists own images not launched in N days with what they could save', async () => {
    // One old image was launched recently; every other one never was.
    fakeAws.getImage(REGION, estate.prunable[0]!.imageId)!.lastLaunchedTime = new Date(
      now.getTime() - 5 * 86_400_000,
    ).toISOString();
    const reply = await t.ask('unused --days 90');
    within(reply.body);
    const text = allText(reply.body);
    // Older than 90 days: ages 94, 101, 120 in the family; the one launched 5 days ago is not unused.
    const old = estate.images.filter((i) => Date.parse(i.creationDate) < now.getTime() - 90 * 86_400_000);
    for (const img of old) {
      if (img.imageId === estate.prunable[0]!.imageId) expect(text).not.toContain(img.imageId);
      else expect(text).toContain(img.imageId);
    }
    expect(text).toMatch(/could save ~\*?\$/);
    const bad = allText((await t.ask('unused --days soon')).body);
    expect(bad).toContain('`--days` must be a whole number of days');
  });
});

describe('/ami cost', () => {
  it('totals snapshot storage by team and by family, counting a shared snapshot once', async () => {
    const byTeam = await t.ask('cost');
    within(byTeam.body);
    const text = allText(byTeam.body);
    expect(text).toContain('web');
    expect(text).toMatch(/Orphaned snapshots/);
    const byFamily = allText((await t.ask('cost --by family')).body);
    expect(byFamily).toContain('app-web-worker');
    expect(byFamily).toMatch(/\*app-web\* · 16 images/);
    expect(allText((await t.ask('cost --by owner')).body)).toContain('`--by` takes');
  });
});
