import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { grantName } from '../../src/domain/golden.js';
import { redrive } from '../../src/requests/redrive.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';
import {
  account,
  approve,
  CHANNEL,
  FAST_JOBS,
  file,
  finished,
  goldenSetup,
  PROMOTER,
  REGIONS,
  SOURCE_REGION,
  scanned,
  sourceImage,
  startWorkerProcess,
  TEAM_A,
  TEAM_B,
} from './support.js';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;

beforeAll(async () => {
  fakeAws = await FakeAws.start({ copyDurationMs: 800 });
  fakeSlack = await FakeSlack.start();
});
afterAll(async () => {
  await fakeAws?.close();
  await fakeSlack?.close();
});

function goldenCopies(sourceId: string) {
  return fakeAws
    .images()
    .filter((i) => i.tags['amibot:golden-source'] === sourceId && i.state !== 'deregistered');
}

/** Every promise of a finished promotion, checked on the fake's own state. */
function expectPromoted(
  sourceId: string,
  keys: Record<string, { arn: string; grants: Array<{ name?: string; granteePrincipal: string }> }>,
) {
  const copies = goldenCopies(sourceId);
  expect(copies.map((c) => c.region).sort()).toEqual([...REGIONS].sort());
  for (const copy of copies) {
    const param = fakeAws.getParameter('/amibot/golden/web-base/latest', copy.region);
    expect(param?.versions.at(-1)?.value).toBe(copy.imageId);
    expect(param?.versions.at(-1)?.dataType).toBe('aws:ec2:image');
    expect(copy.launchPermission.accounts.sort()).toEqual([TEAM_A, TEAM_B]);
    expect(copy.tags['amibot:golden']).toBe('web-base');
    expect(copy.tags['Approved']).toBe('yes');
    for (const d of copy.blockDevices) {
      const snap = fakeAws.getSnapshot(copy.region, d.snapshotId!);
      expect(snap?.encrypted).toBe(true);
      expect(snap?.kmsKeyId).toBe(keys[copy.region]!.arn);
      expect(snap?.createVolumePermission.accounts.sort()).toEqual([TEAM_A, TEAM_B]);
    }
    const grants = keys[copy.region]!.grants;
    for (const acct of [TEAM_A, TEAM_B]) {
      expect(
        grants.filter(
          (g) => g.name === grantName(acct) && g.granteePrincipal === `arn:aws:iam::${acct}:root`,
        ),
      ).toHaveLength(1);
    }
  }
  return copies;
}

describe('promotion end to end', () => {
  it('a running promotion can be cancelled: copies in flight are deregistered, nothing is published', async () => {
    const { patch } = goldenSetup(fakeAws);
    const t = await startTestApp({
      fakeAws,
      fakeSlack,
      accounts: [account()],
      env: FAST_JOBS,
      patchConfig: patch,
      workers: true,
    });
    fakeAws.copyDurationMs = 60_000;
    try {
      const img = sourceImage(fakeAws, 'web-base-2026-11-04');
      await scanned(t, img.imageId);
      const req = await file(t, `promote ${img.imageId} --as web-base`);
      await approve(t, req);
      const started = await waitFor('the copies to start', async () => {
        const r = await t.deps.requests.get(req.id);
        return REGIONS.every((reg) => r?.progress?.[reg]?.imageId) ? r : undefined;
      });
      const reply = allText((await t.ask(`cancel ${req.id}`, { userId: PROMOTER })).body);
      expect(reply).toContain('ancel');
      await waitFor(
        'every region to stop',
        async () => {
          const r = await t.deps.requests.get(req.id);
          return REGIONS.every((reg) => r?.progress?.[reg]?.state === 'cancelled');
        },
        30_000,
      );
      for (const reg of REGIONS) {
        const copy = fakeAws.getImage(reg, started.progress![reg]!.imageId!);
        expect(copy === undefined || copy.state === 'deregistered').toBe(true);
        expect(fakeAws.getParameter('/amibot/golden/web-base/latest', reg)?.versions.at(-1)?.value).not.toBe(
          started.progress![reg]!.imageId,
        );
      }
      expect((await t.deps.requests.get(req.id))?.state).toBe('cancelled');
    } finally {
      fakeAws.copyDurationMs = 800;
      await t.close();
    }
  }, 90_000);

  it('promotes to three regions and two accounts: copies, shares, grants, parameters, tags; a second promotion keeps the previous image and deprecates it; rollback goes back', async () => {
    const { keys, patch } = goldenSetup(fakeAws);
    const t = await startTestApp({
      fakeAws,
      fakeSlack,
      accounts: [account()],
      env: FAST_JOBS,
      patchConfig: patch,
      workers: true,
      maintenance: true,
    });
    try {
      fakeAws.resetCalls();
      const first = sourceImage(fakeAws, 'web-base-2026-11-01');
      // No scan yet: refused, with a button that runs one.
      const refused = await t.ask(`promote ${first.imageId} --as web-base`, {
        userId: PROMOTER,
        channelId: CHANNEL,
      });
      expect(allText(refused.body)).toContain('no scan on record');
      const blocks = (
        refused.body as {
          blocks: Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
        }
      ).blocks;
      const scanButton = blocks.find((b) => b.type === 'actions')?.elements?.[0];
      expect(scanButton?.action_id).toBe('golden_scan');
      const { ack } = await t.click({
        actionId: scanButton!.action_id,
        value: scanButton!.value,
        userId: PROMOTER,
        channelId: CHANNEL,
      });
      expect(ack.status).toBe(200);
      await waitFor(
        'the scan from the button',
        async () => (await t.deps.scans.latestFor('default', SOURCE_REGION, first.imageId))?.state === 'done',
        30_000,
      );

      const req = await file(t, `promote ${first.imageId} --as web-base`);
      expect(req.kind).toBe('promote');
      expect(req.state).toBe('pending');
      const approval = fakeSlack.calls('chat.postMessage').find((c) => allText(c.body).includes(req.id));
      const planText = allText(approval?.body);
      for (const r of REGIONS) expect(planText).toContain(r);
      expect(planText).toContain('/amibot/golden/web-base/latest');
      expect(planText).toContain(TEAM_A);
      expect(planText).toContain('KMS grants');
      expect(planText).toMatch(/per month/);

      await approve(t, req);
      const done = await finished(t, req.id);
      expect(done.result?.summary).toContain('web-base');
      expect(done.state).toBe('succeeded');
      const firstCopies = expectPromoted(first.imageId, keys);
      // The flow: one parent, one child per region.
      expect(fakeAws.callsOf('CopyImage').filter((c) => c.status === 200)).toHaveLength(3);
      const updates = fakeSlack.calls('chat.update').filter((c) => c.body.ts === done.message?.ts);
      expect(updates.length).toBeLessThanOrEqual(t.deps.config.jobs.progressUpdatesPerMessage + 3);

      // A second image: the first becomes `…/previous` and is deprecated after 14 days.
      const second = sourceImage(fakeAws, 'web-base-2026-11-20');
      await scanned(t, second.imageId);
      const req2 = await file(t, `promote ${second.imageId} --as web-base`);
      await approve(t, req2);
      expect((await finished(t, req2.id)).state).toBe('succeeded');
      const secondCopies = goldenCopies(second.imageId);
      for (const copy of secondCopies) {
        const old = firstCopies.find((c) => c.region === copy.region)!;
        expect(
          fakeAws.getParameter('/amibot/golden/web-base/latest', copy.region)?.versions.at(-1)?.value,
        ).toBe(copy.imageId);
        expect(
          fakeAws.getParameter('/amibot/golden/web-base/previous', copy.region)?.versions.at(-1)?.value,
        ).toBe(old.imageId);
        const deprecateAt = Date.parse(fakeAws.getImage(copy.region, old.imageId)!.deprecationTime!);
        expect(deprecateAt - Date.now()).toBeGreaterThan(13 * 86_400_000);
      }

      // The catalogue shows each region's current image, its previous one and the shares.
      const catalogue = allText((await t.ask('golden web-base', { userId: PROMOTER })).body);
      for (const copy of secondCopies) expect(catalogue).toContain(copy.imageId);
      expect(catalogue).toContain('previous');
      expect(catalogue).toContain(TEAM_B);

      // Rollback: the parameters go back, the old image is un-deprecated, the rolled-back one deprecated.
      const rb = await file(t, 'rollback web-base');
      expect(rb.kind).toBe('rollback');
      await approve(t, rb);
      const rbDone = await finished(t, rb.id);
      expect(rbDone.state).toBe('succeeded');
      for (const copy of secondCopies) {
        const old = firstCopies.find((c) => c.region === copy.region)!;
        expect(
          fakeAws.getParameter('/amibot/golden/web-base/latest', copy.region)?.versions.at(-1)?.value,
        ).toBe(old.imageId);
        expect(fakeAws.getImage(copy.region, old.imageId)!.deprecationTime).toBeUndefined();
        expect(fakeAws.getImage(copy.region, copy.imageId)!.deprecationTime).toBeDefined();
      }
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a region that fails stops alone and says what is left; filing the same promotion again resumes without copying again', async () => {
    const { keys, patch } = goldenSetup(fakeAws);
    const t = await startTestApp({
      fakeAws,
      fakeSlack,
      accounts: [account()],
      env: FAST_JOBS,
      patchConfig: patch,
      workers: true,
      maintenance: true,
    });
    try {
      const img = sourceImage(fakeAws, 'web-base-2026-11-02');
      await scanned(t, img.imageId);
      fakeAws.faults.setError('ssm:PutParameter@us-west-2', {
        code: 'AccessDeniedException',
        message: 'not allowed here',
      });
      const req = await file(t, `promote ${img.imageId} --as web-base`);
      await approve(t, req);
      const failed = await finished(t, req.id);
      expect(failed.state).toBe('failed');
      expect(failed.progress?.['us-west-2']?.state).toBe('failed');
      expect(failed.progress?.['us-west-2']?.reason).toContain(
        'Left to do here: SSM parameter, tags, deprecate previous',
      );
      expect(failed.progress?.['us-west-2']?.reason).toContain('ssm:PutParameter');
      expect(failed.progress?.['eu-west-1']?.state).toBe('available');
      expect(failed.result?.summary).toContain('stopped in us-west-2');
      expect(
        fakeAws.getParameter('/amibot/golden/web-base/latest', 'us-west-2')?.versions.at(-1)?.value,
      ).not.toBe(failed.progress?.['us-west-2']?.imageId);
      await waitFor('the final message', () =>
        allText(
          fakeSlack
            .calls('chat.update')
            .filter((c) => c.body.ts === failed.message?.ts)
            .at(-1)?.body,
        ).includes('Left to do here'),
      );

      fakeAws.faults.clearErrors();
      const copiesBefore = fakeAws.callsOf('CopyImage').filter((c) => c.status === 200).length;
      const again = await file(t, `promote ${img.imageId} --as web-base`);
      await approve(t, again);
      expect((await finished(t, again.id)).state).toBe('succeeded');
      // Same ClientTokens: EC2 answered with the copies already made.
      expect(goldenCopies(img.imageId)).toHaveLength(3);
      expect(fakeAws.callsOf('CopyImage').filter((c) => c.status === 200).length - copiesBefore).toBe(3);
      expectPromoted(img.imageId, keys);
    } finally {
      fakeAws.faults.clearErrors();
      await t.close();
    }
  }, 120_000);

  it('a worker killed with SIGKILL mid-flow is replaced and the promotion finishes with one copy per region', async () => {
    const { keys, patch } = goldenSetup(fakeAws);
    const web = await startTestApp({
      fakeAws,
      fakeSlack,
      accounts: [account()],
      env: FAST_JOBS,
      patchConfig: patch,
      workers: false,
    });
    const configFile = join(tmpdir(), `amibot-golden-${web.prefix}.json`);
    const config = web.deps.config;
    writeFileSync(
      configFile,
      JSON.stringify({
        accounts: config.accounts,
        golden: config.golden,
        defaultRegion: config.defaultRegion,
      }),
    );
    fakeAws.copyDurationMs = 4000;
    let worker = startWorkerProcess(fakeAws, fakeSlack, web.prefix, configFile);
    try {
      const img = sourceImage(fakeAws, 'web-base-2026-11-03');
      // A scan record passes the gate (the scan itself is tested above).
      await web.deps.scans.create({
        id: 'scan-sigkill000001',
        imageId: img.imageId,
        account: 'default',
        region: SOURCE_REGION,
        requester: PROMOTER,
        channel: CHANNEL,
        deep: false,
        state: 'done',
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        report: {
          finishedAt: new Date().toISOString(),
          image: { name: img.name, ownerId: DEFAULT_ACCOUNT_ID, owned: true, trusted: true },
          builtIn: [],
          counts: { critical: 0, high: 0, medium: 0, low: 0 },
          verdict: 'pass',
          blocking: [],
          deadlines: [],
          noted: [],
          complete: true,
          tags: { written: false, reason: 'test' },
        },
      });
      const req = await file(web, `promote ${img.imageId} --as web-base`);
      await approve(web, req);
      await waitFor(
        'every copy to start',
        async () => {
          const r = await web.deps.requests.get(req.id);
          return REGIONS.every((reg) => r?.progress?.[reg]?.imageId);
        },
        30_000,
      );
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      expect((await web.deps.requests.get(req.id))?.state).toBe('running');
      // The flow's parent waits for its children; the re-driver counts it as moving, not stuck.
      expect(await web.deps.queues.jobState('promote', { requestId: req.id, regions: REGIONS })).toBe(
        'waiting-children',
      );
      const stats = await redrive(web.deps, 0);
      expect(stats.requeued + stats.failed).toBe(0);
      worker = startWorkerProcess(fakeAws, fakeSlack, web.prefix, configFile);
      const done = await finished(web, req.id, 60_000);
      expect(done.state).toBe('succeeded');
      expectPromoted(img.imageId, keys);
    } finally {
      worker.kill('SIGKILL');
      fakeAws.copyDurationMs = 800;
      await web.close();
    }
  }, 120_000);
});
