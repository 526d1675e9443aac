import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ExecutionOutcome, FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { ScanRecord } from '../../src/domain/scan.js';
import { runScan } from '../../src/jobs/scan-image.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  keysUnder,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'CSCANS';
const USER = 'USCAN1';
const REGION = 'us-east-1';
const CANONICAL = '099720109477';
const STATE_MACHINE = `arn:aws:states:${REGION}:${DEFAULT_ACCOUNT_ID}:stateMachine:ami-deep-scan`;

let now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
/** Built-in checks only. */
let t: TestApp;
/** With the deep scan state machine configured. */
let deep: TestApp;
/** How each image's deep scan ends, by image id. */
const outcomes = new Map<string, ExecutionOutcome>();

function scanIdFrom(text: string): string {
  const id = text.match(/scan-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no scan id in: ${text}`);
  return id;
}

/** `/ami scan …` as USER in CHANNEL; returns the ephemeral answer's text and the scan record. */
async function startScan(app: TestApp, text: string): Promise<{ answer: string; scan: ScanRecord }> {
  const reply = await app.ask(text, { userId: USER, channelId: CHANNEL });
  const answer = allText(reply.body);
  const scan = await app.deps.scans.get(scanIdFrom(answer));
  if (!scan) throw new Error(`scan not stored; answer was: ${answer}`);
  return { answer, scan };
}

async function finished(app: TestApp, id: string): Promise<ScanRecord> {
  return waitFor(`scan ${id} to finish`, async () => {
    const s = await app.deps.scans.get(id);
    return s && (s.state === 'done' || s.state === 'failed') ? s : undefined;
  });
}

/** The scan's channel message once it shows the final report. */
async function finalMessage(scan: ScanRecord): Promise<string> {
  return waitFor(`final message of ${scan.id}`, async () => {
    const m = fakeSlack.message(scan.message!.channel, scan.message!.ts);
    const text = m ? allText(m) : '';
    return text.includes('finished') || text.includes('Scan failed') ? text : undefined;
  });
}

async function scanKeys(app: TestApp): Promise<string[]> {
  return keysUnder(app.deps.redis, app.prefix, 'scan:*');
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  fakeAws.scriptExecution(STATE_MACHINE, (execution) => {
    const imageId = (execution.input as { imageId?: string }).imageId ?? '';
    return (
      outcomes.get(imageId) ?? {
        status: 'SUCCEEDED',
        output: { counts: { critical: 0, high: 0, medium: 0, low: 0 }, findings: [] },
      }
    );
  });
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    patchConfig: (c) => {
      c.scan.requiredTags = ['Team'];
    },
  });
  deep = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    workers: true,
    env: { SCAN_STATE_MACHINE_ARN: STATE_MACHINE },
    patchConfig: (c) => {
      c.scan.pollMs = 20;
      c.scan.maxPollMs = 40;
      c.jobs.progressIntervalMs = 1;
    },
  });
});

afterAll(async () => {
  await t?.close();
  await deep?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

beforeEach(() => {
  now = new Date('2026-11-26T12:00:00Z');
});

describe('/ami scan (built-in checks)', () => {
  it('reports the problems of an own image in the channel and tags it', async () => {
    const img = fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: 'team-legacy-base',
      public: true,
      creationDate: '2025-01-01T00:00:00.000Z',
      enaSupport: false,
      tags: { ExpirationDate: '2026-11-01' },
      blockDevices: [{ volumeSize: 8, encrypted: false, snapshotPublic: true }],
    });
    const { answer, scan } = await startScan(t, `scan ${img.imageId}`);
    expect(answer).toContain(`<#${CHANNEL}>`);
    expect(scan.message?.channel).toBe(CHANNEL);
    expect(scan.requester).toBe(USER);

    const done = await finished(t, scan.id);
    expect(done.state).toBe('done');
    expect(done.report?.verdict).toBe('fail');
    expect(done.report?.builtIn.map((f) => f.id).sort()).toEqual(
      [
        'expired',
        'imdsv2-not-required',
        'missing-tag:Team',
        'no-ena',
        'public-launch-permission',
        'public-snapshot',
        'too-old',
        'unencrypted-snapshot',
      ].sort(),
    );
    expect(done.report?.deep).toBeUndefined();

    const text = await finalMessage(done);
    for (const s of [
      '⛔ Scan failed',
      'The image is public',
      'A snapshot is public',
      'not encrypted',
      'Older than 180 days',
      'past its expiry date',
      'Missing required tag `Team`',
      'IMDSv2 is not required',
      'ENA is not enabled',
      'amibot:scan-verdict=fail',
    ]) {
      expect(text).toContain(s);
    }
    const tags = fakeAws.getImage(REGION, img.imageId)?.tags;
    expect(tags?.['amibot:scan-date']).toBe('2026-11-26');
    expect(tags?.['amibot:scan-verdict']).toBe('fail');

    // The audit entry is written right after the final message: wait for it rather than race it.
    const scanned = await waitFor('the scan audit entry', async () =>
      (await t.deps.audit.recent({ target: img.imageId })).find((a) => a.action === 'image.scanned'),
    );
    expect(scanned).toMatchObject({ result: 'ok', actor: USER });
  });

  it('scans a foreign public image without tagging it', async () => {
    const img = fakeAws.addImage({
      ownerId: CANONICAL,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101',
      public: true,
      imdsSupport: 'v2.0',
      creationDate: '2026-11-01T00:00:00.000Z',
      tags: { Team: 'canonical' },
    });
    const { scan } = await startScan(t, `scan ${img.imageId}`);
    const done = await finished(t, scan.id);
    expect(done.state).toBe('done');
    expect(done.report?.image.owned).toBe(false);
    expect(done.report?.tags.written).toBe(false);
    // Canonical is trusted; public is normal for it; its snapshot is not public but unencrypted.
    expect(done.report?.builtIn.map((f) => `${f.id}:${f.severity}`)).toEqual([
      'unencrypted-snapshot:high',
      // The owner's tags are not visible to other accounts; they may tag it in their own.
      'missing-tag:Team:low',
      'public-launch-permission:info',
    ]);
    expect(done.report?.verdict).toBe('pass-with-deadlines');
    const text = await finalMessage(done);
    expect(text).toContain('Not tagged');
    expect(text).toContain(CANONICAL);
    expect(text).toContain('fix by *2026-12-03*');
    const image = fakeAws.getImage(REGION, img.imageId);
    expect(image?.tags['amibot:scan-verdict']).toBeUndefined();
    expect(image?.accountTags?.[DEFAULT_ACCOUNT_ID]).toBeUndefined();
    expect(fakeAws.callsOf('CreateTags').filter((c) => JSON.stringify(c).includes(img.imageId))).toEqual([]);
  });

  it('answers an unknown image with a clear error and keeps no scan', async () => {
    const before = fakeSlack.messages(CHANNEL).length;
    const keysBefore = (await scanKeys(t)).length;
    const reply = await t.ask('scan ami-0000000000000dead', { userId: USER, channelId: CHANNEL });
    const text = allText(reply.body);
    expect(text).toContain('`ami-0000000000000dead` was not found');
    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(await scanKeys(t)).toHaveLength(keysBefore);
    expect(fakeSlack.messages(CHANNEL)).toHaveLength(before);
  });

  it('says why when the scan message cannot be posted, and keeps no scan', async () => {
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID });
    const keysBefore = (await scanKeys(t)).length;
    fakeSlack.failNext('chat.postMessage', 'not_in_channel');
    const reply = await t.ask(`scan ${img.imageId}`, { userId: USER, channelId: 'COTHER' });
    const text = allText(reply.body);
    expect(text).toContain('not a member of this channel');
    expect(text).toContain('/invite @amibot');
    expect(await scanKeys(t)).toHaveLength(keysBefore);
  });

  it('notes that --deep cannot run without a state machine', async () => {
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, imdsSupport: 'v2.0', tags: { Team: 'x' } });
    const { answer, scan } = await startScan(t, `scan ${img.imageId} --deep`);
    expect(answer).toContain('no deep scanner is configured');
    const done = await finished(t, scan.id);
    expect(done.report?.deep?.status).toBe('not-configured');
    expect(await finalMessage(done)).toContain('not configured');
  });
});

describe('/ami scan (deep scan)', () => {
  function ownCleanImage() {
    return fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      imdsSupport: 'v2.0',
      blockDevices: [{ volumeSize: 8, encrypted: true }],
    });
  }

  it('reports the deep findings of a succeeded execution, with progress while it runs', async () => {
    const img = ownCleanImage();
    outcomes.set(img.imageId, {
      status: 'SUCCEEDED',
      durationMs: 180_000,
      output: {
        counts: { critical: 0, high: 2, medium: 5, low: 9 },
        findings: [
          {
            id: 'CVE-2026-1111',
            severity: 'high',
            title: 'openssl: heap overflow',
            package: 'openssl',
            fixedIn: '3.0.15',
          },
          { id: 'CVE-2026-2222', severity: 'medium', title: 'curl: cookie leak', package: 'curl' },
        ],
      },
    });
    const { answer, scan } = await startScan(deep, `scan ${img.imageId}`);
    expect(answer).toContain('deep scan runs too');

    const running = await waitFor('the deep scan to be polled', async () => {
      const m = fakeSlack.message(CHANNEL, scan.message!.ts);
      const text = m ? allText(m) : '';
      return text.includes('deep scan running (state RUNNING') ? text : undefined;
    });
    expect(running).toContain('built-in checks done');
    const [execution] = fakeAws.executions(STATE_MACHINE).filter((e) => e.name === scan.id);
    expect(execution?.input).toEqual({
      imageId: img.imageId,
      region: REGION,
      accountId: DEFAULT_ACCOUNT_ID,
      requestId: scan.id,
    });
    expect((await deep.deps.scans.get(scan.id))?.execution?.arn).toBe(execution?.executionArn);

    now = new Date(now.getTime() + 181_000);
    const done = await finished(deep, scan.id);
    expect(done.report?.deep).toMatchObject({ status: 'succeeded', counts: { high: 2, medium: 5, low: 9 } });
    expect(done.report?.verdict).toBe('pass-with-deadlines');
    expect(done.report?.counts).toEqual({ critical: 0, high: 2, medium: 5, low: 9 });
    const text = await finalMessage(done);
    expect(text).toContain('Deep scan finished');
    expect(text).toContain('CVE-2026-1111');
    expect(text).toContain('fixed in `3.0.15`');
    expect(text).toContain('fix by *2026-12-03*');
    expect(fakeAws.getImage(REGION, img.imageId)?.tags['amibot:scan-verdict']).toBe('pass-with-deadlines');
    expect(fakeAws.callsOf('StartExecution').filter((c) => JSON.stringify(c).includes(scan.id))).toHaveLength(
      1,
    );
  });

  it('reports a failed execution as such', async () => {
    const img = ownCleanImage();
    outcomes.set(img.imageId, {
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: 'scanner instance never booted',
    });
    const { scan } = await startScan(deep, `scan ${img.imageId} --deep`);
    const done = await finished(deep, scan.id);
    expect(done.state).toBe('done');
    expect(done.report?.deep).toMatchObject({ status: 'failed' });
    expect(done.report?.complete).toBe(false);
    const text = await finalMessage(done);
    expect(text).toContain('Deep scan failed');
    expect(text).toContain('scanner instance never booted');
    expect(fakeAws.getImage(REGION, img.imageId)?.tags['amibot:scan-verdict']).toBe('incomplete');
  });

  it('reports malformed output as such', async () => {
    const img = ownCleanImage();
    outcomes.set(img.imageId, { status: 'SUCCEEDED', output: { vulnerabilities: 12 } });
    const { scan } = await startScan(deep, `scan ${img.imageId}`);
    const done = await finished(deep, scan.id);
    expect(done.report?.deep?.status).toBe('malformed');
    const text = await finalMessage(done);
    expect(text).toContain('output amibot cannot read');
    expect(text).toContain('counts');
  });

  it('stops the execution and reports a timeout when the scan takes too long', async () => {
    const img = ownCleanImage();
    outcomes.set(img.imageId, { status: 'SUCCEEDED', durationMs: 10 * 3600_000, output: {} });
    const { scan } = await startScan(deep, `scan ${img.imageId}`);
    await waitFor('the execution to start', async () => (await deep.deps.scans.get(scan.id))?.execution);
    now = new Date(now.getTime() + 61 * 60_000);
    const done = await finished(deep, scan.id);
    expect(done.report?.deep).toMatchObject({ status: 'timed-out' });
    const [execution] = fakeAws.executions(STATE_MACHINE).filter((e) => e.name === scan.id);
    expect(fakeAws.executionStatus(execution!)).toBe('ABORTED');
    const text = await finalMessage(done);
    expect(text).toContain('Deep scan timed out');
    expect(text).toContain('no result after 60 minutes');
  });

  it('resumes polling the recorded execution when the job is retried', async () => {
    const img = ownCleanImage();
    outcomes.set(img.imageId, {
      status: 'SUCCEEDED',
      output: { counts: { critical: 1, high: 0, medium: 0, low: 0 }, findings: [] },
    });
    // A first attempt started the execution, recorded it and died.
    const id = 'scan-retrytest01';
    const started = await deep.deps.sfn.startExecution(
      deep.deps.config.accounts[0]!,
      REGION,
      STATE_MACHINE,
      id,
      {
        imageId: img.imageId,
        region: REGION,
        accountId: DEFAULT_ACCOUNT_ID,
        requestId: id,
      },
    );
    await deep.deps.scans.create({
      id,
      imageId: img.imageId,
      account: 'default',
      region: REGION,
      requester: USER,
      channel: CHANNEL,
      deep: false,
      state: 'running',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      execution: { arn: started.executionArn, startedAt: now.toISOString() },
    });
    const startsBefore = fakeAws.callsOf('StartExecution').length;
    await runScan(deep.deps, id, { attemptsMade: 1, attempts: 3 });
    expect(fakeAws.callsOf('StartExecution')).toHaveLength(startsBefore);
    const done = await deep.deps.scans.get(id);
    expect(done?.report?.deep?.status).toBe('succeeded');
    expect(done?.report?.verdict).toBe('fail');
  });
});
