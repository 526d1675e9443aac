import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws, type FakeImage } from '../../dev/fake-aws/index.js';
import { type FakeMessage, FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import type { ScanRecord } from '../../src/domain/scan.js';
import { runExpiryDigest } from '../../src/expiry/digest.js';
import { followUpScan, runFindingReminders } from '../../src/hygiene/findings.js';
import { runRescan } from '../../src/hygiene/rescan.js';
import { scheduleMaintenance } from '../../src/jobs/worker.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

/**
 * Scheduled rescans over real wires: golden and recently launched images are scanned again (built-in
 * checks, and a deep scan scripted through the fake's Step Functions); each image's new findings go
 * to its channel (team mapping, the account's reminder channel) with their fix-by dates, a new
 * Critical finding acts per `scan.onCritical`, fix-by reminders come as the dates come, and a waiver
 * is approved, shows in scans and the digest, then ends and re-opens its finding.
 */

const REGION = 'us-east-1';
const TEAM = 'CTEAM';
const REMIND = 'CREMIND';
const APPROVE = 'CAPPROVE';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';
const STATE_MACHINE = `arn:aws:states:${REGION}:${DEFAULT_ACCOUNT_ID}:stateMachine:ami-deep-scan`;
const DAY = 86_400_000;
const START = new Date('2026-11-26T12:00:00Z');

let now = START;
const clock = () => now;

type Finding = { id: string; severity: 'critical' | 'high' | 'medium' | 'low'; title: string };
/** The deep scan's findings, by image id (changed between runs). */
const deep = new Map<string, Finding[]>();

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let golden: FakeImage;
let recent: FakeImage;
let stale: FakeImage;
let neverLaunched: FakeImage;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({
      approvalChannel: APPROVE,
      reminderChannel: REMIND,
      approvers: [APPROVER],
    }),
  };
}

function deepOutput(imageId: string) {
  const findings = deep.get(imageId) ?? [];
  const counts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return { counts, findings };
}

/** One scheduled run, and every scan it queued finished and followed up. */
async function rescan(): Promise<ScanRecord[]> {
  const stats = await runRescan(t.deps);
  expect(stats.errors).toEqual([]);
  return Promise.all(
    stats.queued.map((id) =>
      waitFor(`scan ${id} and its follow-up`, async () => {
        const s = await t.deps.scans.get(id);
        return s?.followUp ? s : undefined;
      }),
    ),
  );
}

function notices(channel: string): FakeMessage[] {
  return fakeSlack.messages(channel).filter((m) => allText(m).includes('Scheduled scan'));
}

async function noticeCount(channel: string, n: number): Promise<FakeMessage[]> {
  return waitFor(`${n} notice(s) in ${channel}`, () => {
    const list = notices(channel);
    return list.length === n ? list : undefined;
  });
}

function reminders(channel: string): FakeMessage[] {
  return fakeSlack.messages(channel).filter((m) => /^Finding /.test(m.text ?? ''));
}

async function approve(id: string): Promise<AmiRequest> {
  const request = (await t.deps.requests.get(id)) as AmiRequest;
  const { ack } = await t.click({
    actionId: 'request_approve',
    value: id,
    userId: APPROVER,
    channelId: APPROVE,
    messageTs: request.message!.ts,
  });
  expect(ack.status).toBe(200);
  return waitFor(`request ${id} to finish`, async () => {
    const r = await t.deps.requests.get(id);
    return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
  });
}

const scanOf = (scans: ScanRecord[], img: FakeImage) => scans.find((s) => s.imageId === img.imageId);

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  fakeAws.scriptExecution(STATE_MACHINE, (execution) => ({
    status: 'SUCCEEDED',
    output: deepOutput((execution.input as { imageId?: string }).imageId ?? ''),
  }));
  const created = new Date(START.getTime() - 20 * DAY).toISOString();
  // Clean built-ins (IMDSv2, ENA, encrypted): its findings come from the deep scan.
  golden = fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: 'golden-base-2026-11',
    creationDate: created,
    imdsSupport: 'v2.0',
    enaSupport: true,
    tags: { 'amibot:golden': 'true', Team: 'platform' },
    blockDevices: [{ volumeSize: 8, encrypted: true }],
  });
  // Launched two days ago; unencrypted, no ENA, IMDSv1: built-in findings; no team tag.
  recent = fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: 'web-app-2026-11-20',
    creationDate: created,
    enaSupport: false,
    lastLaunchedTime: new Date(START.getTime() - 2 * DAY).toISOString(),
  });
  stale = fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: 'web-app-2026-06-01',
    creationDate: created,
    lastLaunchedTime: new Date(START.getTime() - 100 * DAY).toISOString(),
  });
  neverLaunched = fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: 'never-launched',
    creationDate: created,
  });
  deep.set(golden.imageId, [
    { id: 'CVE-2026-0001', severity: 'high', title: 'openssl: <!channel> timing leak' },
    { id: 'CVE-2026-0002', severity: 'medium', title: 'curl: heap overflow' },
  ]);
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    accounts: [account()],
    env: { SCAN_STATE_MACHINE_ARN: STATE_MACHINE },
    patchConfig: (c) => {
      c.scan.pollMs = 20;
      c.scan.maxPollMs = 40;
      c.scan.schedule = '0 3 * * *';
      c.scan.onCritical = 'deprecate';
      c.expiry.teamChannels = { platform: TEAM };
      c.expiry.digest.enabled = true;
      c.jobs.progressIntervalMs = 1;
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('scheduled rescans', () => {
  it('rescans golden and recently launched images and announces each one’s findings in its channel', async () => {
    const scans = await rescan();
    expect(scans.map((s) => s.imageId).sort()).toEqual([golden.imageId, recent.imageId].sort());
    for (const s of scans) {
      expect(s).toMatchObject({ scheduled: true, state: 'done', requester: 'amibot' });
      expect(s.message).toBeUndefined();
    }
    expect(scanOf(scans, golden)?.channel).toBe(TEAM);
    expect(scanOf(scans, recent)?.channel).toBe(REMIND);

    const [team] = await noticeCount(TEAM, 1);
    const teamText = allText(team);
    expect(assertWithinSlackLimits({ text: team!.text, blocks: team!.blocks as never })).toEqual([]);
    expect(teamText).toContain('CVE-2026-0001');
    expect(teamText).toContain('fix by *2026-12-03*');
    expect(teamText).toContain('CVE-2026-0002');
    expect(teamText).toContain('fix by *2026-12-26*');
    // The deep scanner's title is shown as text, never as a ping.
    expect(teamText).toContain('&lt;!channel&gt;');
    expect(teamText).not.toContain('Critical finding');

    const [remind] = await noticeCount(REMIND, 1);
    const remindText = allText(remind);
    for (const id of ['unencrypted-snapshot', 'imdsv2-not-required', 'no-ena'])
      expect(remindText).toContain(id);
    expect(remindText).toContain('noted (no deadline)');
    for (const img of [stale, neverLaunched])
      expect(allText(fakeSlack.snapshot())).not.toContain(img.imageId);
  });

  it('reports only new findings the next time; a new Critical one files the account’s deprecate request', async () => {
    now = new Date(START.getTime() + DAY);
    deep.set(golden.imageId, [
      ...(deep.get(golden.imageId) ?? []),
      { id: 'CVE-2026-0003', severity: 'critical', title: 'sshd: remote code execution' },
    ]);
    const scans = await rescan();
    expect(scans).toHaveLength(2);
    const [, second] = await noticeCount(TEAM, 2);
    const text = allText(second);
    expect(text).toContain('CVE-2026-0003');
    expect(text).toContain('*blocks use*');
    expect(text).not.toContain('CVE-2026-0001');
    expect(text).not.toContain('CVE-2026-0002');
    const requestId = text.match(/req-[0-9a-z]{6,32}/)?.[0] as string;
    expect(text).toContain('to deprecate the image; it waits for an approver');
    const request = (await t.deps.requests.get(requestId)) as AmiRequest;
    expect(request).toMatchObject({ kind: 'deprecate', state: 'pending', imageId: golden.imageId });
    expect(request.requester).toBe(fakeSlack.botUserId);
    expect(request.message?.channel).toBe(APPROVE);
    expect(request.warnings.join(' ')).toContain('scan.onCritical: deprecate');
    // Nothing new on the recently launched image: no second notice there.
    await new Promise((r) => setTimeout(r, 300));
    expect(notices(REMIND)).toHaveLength(1);

    // The same follow-up again (a retried job): nothing posted, nothing filed twice.
    const before = (await t.deps.requests.recent(50)).length;
    const again = await followUpScan(t.deps, scanOf(scans, golden)!);
    expect(again.diff?.added.map((f) => f.id)).toEqual(['CVE-2026-0003']);
    await new Promise((r) => setTimeout(r, 300));
    expect(notices(TEAM)).toHaveLength(2);
    expect((await t.deps.requests.recent(50)).length).toBe(before);

    // Approved a while later — past the time the request named — the image is deprecated at the
    // next minute but one (EC2 wants a future time) rather than the request failing.
    now = new Date(now.getTime() + 10 * 60_000);
    const done = await approve(requestId);
    expect(done.state).toBe('succeeded');
    expect(fakeAws.getImage(REGION, golden.imageId)?.deprecationTime).toBe(
      new Date(Math.ceil((now.getTime() + 60_000) / 60_000) * 60_000).toISOString(),
    );
    // The team rebuilds and takes the deprecation back (so later scans have no `deprecated` finding).
    fakeAws.getImage(REGION, golden.imageId)!.deprecationTime = undefined;
  });

  it('reminds of fix-by dates as they come, once each', async () => {
    // A day before the High findings are due (first seen at START, 7 days).
    now = new Date(START.getTime() + 6 * DAY + 3_600_000);
    const first = await runFindingReminders(t.deps);
    expect(first.queued).toBe(2);
    const teamReminder = await waitFor('the reminder in the team channel', () => reminders(TEAM)[0]);
    expect(allText(teamReminder)).toContain('CVE-2026-0001');
    expect(allText(teamReminder)).toMatch(/is due in 23 hours, on Thu 3 Dec 2026/);
    const remindReminder = await waitFor('the reminder in the reminder channel', () => reminders(REMIND)[0]);
    expect(allText(remindReminder)).toContain('unencrypted-snapshot');
    expect((await runFindingReminders(t.deps)).queued).toBe(0);

    // Past the date: the last reminder, once.
    now = new Date(START.getTime() + 7 * DAY + 3_600_000);
    expect((await runFindingReminders(t.deps)).queued).toBe(2);
    await waitFor(
      'the overdue reminders',
      () => reminders(TEAM).length === 2 && reminders(REMIND).length === 2,
    );
    expect(allText(reminders(TEAM)[1])).toMatch(/was due 1 hour ago/);
    expect((await runFindingReminders(t.deps)).queued).toBe(0);
    // The medium finding (due in 30 days) has had no reminder yet.
    expect(allText(reminders(TEAM))).not.toContain('CVE-2026-0002');
  });

  it('takes a waiver through approval: shown and not counted, then re-opened when it ends', async () => {
    now = new Date(START.getTime() + 8 * DAY);
    const ask = (text: string) =>
      t.ask(text, { userId: REQUESTER, channelId: 'CASK' }).then((r) => allText(r.body));
    // Bad input gets a clear answer.
    expect(await ask(`waive ${golden.imageId} CVE-9999 --until 2026-12-20 --reason "not ours"`)).toMatch(
      /`CVE-9999` is not a finding of the last scan .*CVE-2026-0001/,
    );
    expect(await ask(`waive ${golden.imageId} CVE-2026-0002 --until 2026-11-01 --reason "old"`)).toContain(
      'must be in the future',
    );
    expect(await ask(`waive ${golden.imageId} CVE-2026-0002 --until 2028-01-01 --reason "far"`)).toContain(
      'at most 365 days',
    );
    expect(await ask(`waive ${neverLaunched.imageId} no-ena --until 2026-12-20 --reason "none"`)).toContain(
      'has no scan',
    );

    const until = '2026-12-09';
    const filed = await ask(
      `waive ${golden.imageId} cve-2026-0002 --until ${until} --reason "<!here> fixed upstream, rebuild next week"`,
    );
    const id = filed.match(/req-[0-9a-z]{6,32}/)?.[0] as string;
    const request = (await t.deps.requests.get(id)) as AmiRequest;
    expect(request.kind).toBe('waive');
    expect(request.params).toMatchObject({ findingId: 'CVE-2026-0002', severity: 'medium' });
    const approval = allText(fakeSlack.message(APPROVE, request.message!.ts));
    expect(approval).toContain('&lt;!here&gt; fixed upstream');
    expect((await approve(id)).state).toBe('succeeded');

    // The next scan shows it waived and leaves it out of the counts.
    const [waivedScan] = (await rescan()).filter((s) => s.imageId === golden.imageId);
    expect(waivedScan?.report?.waived?.map((w) => w.id)).toEqual(['CVE-2026-0002']);
    expect(waivedScan?.report?.counts).toMatchObject({ critical: 1, high: 1, medium: 0 });
    expect(notices(TEAM)).toHaveLength(2);
    // So does a scan someone asks for.
    const manual = await ask(`scan ${golden.imageId}`);
    const scanId = manual.match(/scan-[0-9a-z]{6,32}/)?.[0] as string;
    // The scan is done in the store a moment before its message shows the report.
    const report = await waitFor('the manual scan report', async () => {
      const s = await t.deps.scans.get(scanId);
      const text =
        s?.state === 'done' && s.message ? allText(fakeSlack.message(s.message.channel, s.message.ts)) : '';
      return text.includes(`Scan `) && !text.includes('🔍 Scanning') ? text : undefined;
    });
    expect(report).toContain('Waived');
    expect(report).toContain('waived until *2026-12-09 00:00 UTC*');
    // And the daily digest, in the account's channel.
    await runExpiryDigest(t.deps);
    const digest = fakeSlack.messages(REMIND).find((m) => allText(m).includes('Waived scan findings'));
    expect(allText(digest)).toContain('CVE-2026-0002');
    expect(allText(digest)).toContain(id);

    // The waiver ends: the next scan counts it again and announces it re-opened, once.
    now = new Date(Date.parse(until) + 3_600_000);
    const [reopened] = (await rescan()).filter((s) => s.imageId === golden.imageId);
    expect(reopened?.report?.reopened?.map((r) => r.id)).toEqual(['CVE-2026-0002']);
    expect(reopened?.report?.waived).toBeUndefined();
    expect(reopened?.report?.counts.medium).toBe(1);
    const [, , third] = await noticeCount(TEAM, 3);
    expect(allText(third)).toContain('Re-opened');
    expect(allText(third)).toContain('CVE-2026-0002');
    now = new Date(now.getTime() + DAY);
    const [later] = (await rescan()).filter((s) => s.imageId === golden.imageId);
    expect(later?.report?.reopened).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(notices(TEAM)).toHaveLength(3);
  });

  it('disables at once when the account’s policy auto-approves its Critical action', async () => {
    now = new Date(START.getTime() + 20 * DAY);
    t.deps.config.scan.onCritical = { default: 'disable' };
    const acct = t.deps.config.accounts[0]!;
    acct.policy = { ...acct.policy, autoApprove: ['disable'] };
    // The recently launched image is made public: a built-in Critical finding.
    fakeAws.getImage(REGION, recent.imageId)!.public = true;
    await rescan();
    const [, notice] = await noticeCount(REMIND, 2);
    expect(allText(notice)).toContain('public-launch-permission');
    expect(allText(notice)).toMatch(/to disable the image; the policy approves it without a person/);
    await waitFor('the image disabled', () => fakeAws.getImage(REGION, recent.imageId)?.state === 'disabled');
  });
});

describe('the rescan schedule', () => {
  it('registers its job schedulers from the config and runs scans on its own', async () => {
    const aws = await FakeAws.start();
    const slack = await FakeSlack.start();
    const img = aws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: 'golden-scheduled',
      tags: { 'amibot:golden': 'yes' },
    });
    const app = await startTestApp({
      fakeAws: aws,
      fakeSlack: slack,
      workers: true,
      maintenance: true,
      accounts: [account()],
      // Every second, so the test sees a tick.
      patchConfig: (c) => {
        c.scan.schedule = '* * * * * *';
        c.scan.reminderCron = '30 * * * *';
      },
    });
    try {
      const schedulers = await app.deps.queues.queue('maintenance').getJobSchedulers();
      const byName = new Map(schedulers.map((s) => [s.name, s.pattern]));
      expect(byName.get('scan-rescan')).toBe('* * * * * *');
      expect(byName.get('finding-reminders')).toBe('30 * * * *');
      const notice = await waitFor(
        'a scheduled scan’s notice',
        () => slack.messages(REMIND).find((m) => allText(m).includes(img.imageId)),
        30_000,
      );
      expect(allText(notice)).toContain('Scheduled scan');
      // Without a schedule, the schedulers are removed.
      app.deps.config.scan.schedule = undefined;
      await scheduleMaintenance(app.deps);
      const left = (await app.deps.queues.queue('maintenance').getJobSchedulers()).map((s) => s.name);
      expect(left).not.toContain('scan-rescan');
      expect(left).not.toContain('finding-reminders');
    } finally {
      await app.close();
      await aws.close();
      await slack.close();
    }
  }, 60_000);
});
