import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../../src/config.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import {
  allText,
  DEFAULT_ACCOUNT_ID,
  REDIS_URL,
  startTestApp,
  type TestApp,
} from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'CCOPIES';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

const FAST_JOBS = {
  AMIBOT_COPY_POLL_MS: '100',
  AMIBOT_COPY_MAX_POLL_MS: '300',
  AMIBOT_PROGRESS_INTERVAL_MS: '400',
  AMIBOT_COPY_IMAGE_RATE: '20',
};

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

async function file(app: TestApp, text: string): Promise<AmiRequest> {
  const reply = await app.ask(text, { userId: REQUESTER });
  const body = allText(reply.body);
  const id = body.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request filed: ${body}`);
  return (await app.deps.requests.get(id))!;
}

async function approve(app: TestApp, req: AmiRequest): Promise<void> {
  const { ack } = await app.click({
    actionId: 'request_approve',
    value: req.id,
    userId: APPROVER,
    channelId: CHANNEL,
  });
  expect(ack.status).toBe(200);
}

async function finished(app: TestApp, id: string, timeoutMs = 45_000): Promise<AmiRequest> {
  return waitFor(
    `request ${id} to finish`,
    async () => {
      const r = await app.deps.requests.get(id);
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
    },
    timeoutMs,
  );
}

function copiesOf(requestId: string) {
  return fakeAws.images().filter((i) => i.tags['amibot:request-id'] === requestId);
}

function updatesOf(req: AmiRequest) {
  return fakeSlack.calls('chat.update').filter((c) => c.body.ts === req.message?.ts);
}

function source(extra: Parameters<FakeAws['addImage']>[0] = {}) {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `golden-${Math.random().toString(36).slice(2, 8)}`,
    region: 'us-east-1',
    tags: { Team: 'platform' },
    ...extra,
  });
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ copyDurationMs: 1200 });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({ fakeAws, fakeSlack, workers: true, accounts: [account()], env: FAST_JOBS });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('copy', () => {
  it('copies to two regions after approval, with lineage tags, bounded progress updates and a final message', async () => {
    const img = source();
    const req = await file(t, `copy ${img.imageId} --to eu-west-1,eu-central-1`);
    expect(req.state).toBe('pending');
    expect(copiesOf(req.id)).toHaveLength(0);
    await approve(t, req);
    const done = await finished(t, req.id);
    expect(done.state).toBe('succeeded');
    const copies = copiesOf(req.id);
    expect(copies.map((c) => c.region).sort()).toEqual(['eu-central-1', 'eu-west-1']);
    for (const c of copies) {
      expect(c.state).toBe('available');
      expect(c.tags['amibot:source-image']).toBe(img.imageId);
      expect(c.tags.Team).toBe('platform'); // CopyImageTags
      expect(done.progress?.[c.region]?.imageId).toBe(c.imageId);
    }
    const final = await waitFor('final message', async () => {
      const m = fakeSlack.message(CHANNEL, req.message!.ts);
      return m && copies.every((c) => allText(m).includes(c.imageId)) && /succeeded|ready/i.test(allText(m))
        ? m
        : undefined;
    });
    expect(allText(final)).toContain('eu-central-1');
    const updates = updatesOf(req).length;
    expect(updates).toBeGreaterThan(1);
    expect(updates).toBeLessThanOrEqual(12);
  });

  it('re-applies launch permissions with --with-permissions, and picks a free name when the default is taken', async () => {
    const img = source({ launchPermission: { accounts: ['888888888888'] } });
    // An image with the name the copy would get already exists in the destination.
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      region: 'ca-central-1',
      name: `${img.name}-ca-central-1-${day}`,
    });
    const req = await file(t, `copy ${img.imageId} --to ca-central-1 --with-permissions`);
    await approve(t, req);
    const done = await finished(t, req.id);
    expect(done.state).toBe('succeeded');
    const [copy] = copiesOf(req.id);
    expect(copy?.name).toBe(`${img.name}-ca-central-1-${day}-2`);
    expect(copy?.launchPermission.accounts).toEqual(['888888888888']);
  });

  it('encrypts the copies with the given key, checked before the request is filed', async () => {
    const img = source();
    const missing = await t.ask(`copy ${img.imageId} --to eu-west-1 --kms-key alias/nope`, {
      userId: REQUESTER,
    });
    expect(allText(missing.body)).toMatch(/KMS key .*not found/);
    const key = fakeAws.addKmsKey({ region: 'eu-west-1', alias: 'alias/ami-keys' });
    const disabled = fakeAws.addKmsKey({ region: 'eu-west-1', alias: 'alias/old-keys', enabled: false });
    expect(disabled).toBeDefined();
    const off = await t.ask(`copy ${img.imageId} --to eu-west-1 --kms-key alias/old-keys`, {
      userId: REQUESTER,
    });
    expect(allText(off.body)).toMatch(/not enabled/);

    const req = await file(t, `copy ${img.imageId} --to eu-west-1 --kms-key alias/ami-keys`);
    await approve(t, req);
    expect((await finished(t, req.id)).state).toBe('succeeded');
    const [copy] = copiesOf(req.id);
    const snap = fakeAws.getSnapshot('eu-west-1', copy!.blockDevices[0]!.snapshotId!);
    expect(snap?.encrypted).toBe(true);
    expect(snap?.kmsKeyId).toBe(key.arn);
  });

  it('reports a failed copy with EC2’s reason', async () => {
    const img = source();
    const req = await file(t, `copy ${img.imageId} --to ap-south-1`);
    fakeAws.failCopies({ reason: 'Snapshot copy quota exceeded' });
    try {
      await approve(t, req);
      const done = await finished(t, req.id);
      expect(done.state).toBe('failed');
      expect(JSON.stringify(done.result)).toContain('Snapshot copy quota exceeded');
      await waitFor('failure in the message', async () =>
        allText(fakeSlack.message(CHANNEL, req.message!.ts)).includes('Snapshot copy quota exceeded'),
      );
    } finally {
      fakeAws.failCopies(false);
    }
  });

  it('cancels a running copy and deregisters the partial image', async () => {
    fakeAws.copyDurationMs = 60_000;
    try {
      const img = source();
      const req = await file(t, `copy ${img.imageId} --to eu-north-1`);
      await approve(t, req);
      const running = await waitFor('copy to start', async () => {
        const r = await t.deps.requests.get(req.id);
        return r?.progress?.['eu-north-1']?.imageId ? r : undefined;
      });
      const partial = running.progress!['eu-north-1']!.imageId!;
      const jobs = allText((await t.ask('jobs', { userId: REQUESTER })).body);
      expect(jobs).toContain(req.id);
      expect(jobs).toMatch(/amibot-copies|copies/);
      const reply = await t.ask(`cancel ${req.id}`, { userId: REQUESTER });
      expect(allText(reply.body)).toMatch(/cancelled/);
      await waitFor(
        'partial image removed',
        async () =>
          fakeAws.getImage('eu-north-1', partial)?.state === 'deregistered' ||
          !fakeAws.getImage('eu-north-1', partial),
      );
      const after = await waitFor('cancel noted', async () => {
        const r = await t.deps.requests.get(req.id);
        return r?.progress?.['eu-north-1']?.state === 'cancelled' ? r : undefined;
      });
      expect(after.state).toBe('cancelled');
    } finally {
      fakeAws.copyDurationMs = 1200;
    }
  });

  it('finishes every copy when 30 % of EC2 calls are throttled', async () => {
    // Filed first (a throttled filing is answered "try again", which is another test's business).
    const reqs: AmiRequest[] = [];
    for (let i = 0; i < 4; i++) reqs.push(await file(t, `copy ${source().imageId} --to eu-west-2`));
    fakeAws.faults.throttleRatio = 0.3;
    try {
      for (const r of reqs) await approve(t, r);
      for (const r of reqs) expect((await finished(t, r.id, 40_000)).state).toBe('succeeded');
      for (const r of reqs) expect(copiesOf(r.id)).toHaveLength(1);
      expect(fakeAws.calls.some((c) => c.errorCode === 'RequestLimitExceeded')).toBe(true);
    } finally {
      fakeAws.faults.throttleRatio = 0;
    }
  });

  it('writes the final state even when Slack rate-limits the update', async () => {
    const img = source();
    const req = await file(t, `copy ${img.imageId} --to sa-east-1`);
    await approve(t, req);
    await waitFor('copy to start', async () => (await t.deps.requests.get(req.id))?.state === 'running');
    fakeSlack.rateLimitNext('chat.update', { times: 3, retryAfterSeconds: 1 });
    const done = await finished(t, req.id);
    const copy = done.progress?.['sa-east-1']?.imageId;
    await waitFor(
      'final message despite 429s',
      async () => allText(fakeSlack.message(CHANNEL, req.message!.ts)).includes(copy!),
      20_000,
    );
  });
});

describe('encrypt', () => {
  it('refuses an already encrypted image without a new key', async () => {
    const img = source({ blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 8, encrypted: true }] });
    const reply = await t.ask(`encrypt ${img.imageId}`, { userId: REQUESTER });
    expect(allText(reply.body)).toMatch(/already encrypted/);
  });

  it('makes an encrypted copy in place and, with --replace, retires the original', async () => {
    const img = source();
    const req = await file(t, `encrypt ${img.imageId} --replace`);
    expect(req.warnings.join(' ')).toMatch(/deregistered/);
    await approve(t, req);
    const done = await finished(t, req.id);
    expect(done.state).toBe('succeeded');
    const [copy] = copiesOf(req.id);
    expect(copy?.region).toBe('us-east-1');
    expect(fakeAws.getSnapshot('us-east-1', copy!.blockDevices[0]!.snapshotId!)?.encrypted).toBe(true);
    expect(fakeAws.getImage('us-east-1', img.imageId)?.state ?? 'deregistered').toBe('deregistered');
    expect(done.result?.summary).toMatch(/original/);
  });
});

describe('crash safety', () => {
  function startWorkerProcess(prefix: string): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        AMIBOT_ROLE: 'worker',
        AMIBOT_WORKER_PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_API_URL: fakeSlack.apiUrl,
        REDIS_URL,
        AMIBOT_REDIS_PREFIX: prefix,
        AMIBOT_AWS_ENDPOINT: fakeAws.url,
        AWS_ACCESS_KEY_ID: 'AKIAAMIBOTTEST000001',
        AWS_SECRET_ACCESS_KEY: 'test-secret-key',
        AMIBOT_ACCOUNT_ID: DEFAULT_ACCOUNT_ID,
        AMIBOT_APPROVERS: APPROVER,
        AMIBOT_APPROVAL_CHANNEL: CHANNEL,
        AMIBOT_JOB_LOCK_MS: '1000',
        LOG_LEVEL: 'error',
        ...FAST_JOBS,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  it('a worker killed with SIGKILL mid-copy is replaced and the copy finishes with one image per region', async () => {
    const web = await startTestApp({ fakeAws, fakeSlack, accounts: [account()], env: FAST_JOBS });
    fakeAws.copyDurationMs = 4000;
    let worker = startWorkerProcess(web.prefix);
    try {
      const img = source();
      const req = await file(web, `copy ${img.imageId} --to eu-west-1,us-west-2`);
      await approve(web, req);
      await waitFor(
        'both copies to start',
        async () => {
          const r = await web.deps.requests.get(req.id);
          return r?.progress?.['eu-west-1']?.imageId && r.progress['us-west-2']?.imageId;
        },
        30_000,
      );
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      expect((await web.deps.requests.get(req.id))?.state).toBe('running');
      worker = startWorkerProcess(web.prefix);
      const done = await finished(web, req.id, 40_000);
      expect(done.state).toBe('succeeded');
      const copies = copiesOf(req.id);
      expect(copies.map((c) => c.region).sort()).toEqual(['eu-west-1', 'us-west-2']);
    } finally {
      worker.kill('SIGKILL');
      fakeAws.copyDurationMs = 1200;
      await web.close();
    }
  }, 90_000);
});

describe('rate limits', () => {
  it('spaces CopyImage calls per region, and a copy waiting for its region does not block another region', async () => {
    const app = await startTestApp({
      fakeAws,
      fakeSlack,
      workers: true,
      concurrency: 2,
      accounts: [account()],
      env: { ...FAST_JOBS, AMIBOT_COPY_IMAGE_RATE: '0.5' },
    });
    try {
      const busy: AmiRequest[] = [];
      for (let i = 0; i < 4; i++) busy.push(await file(app, `copy ${source().imageId} --to eu-west-3`));
      const other = await file(app, `copy ${source().imageId} --to eu-south-1`);
      fakeAws.resetCalls();
      for (const r of busy) await approve(app, r);
      await approve(app, other);
      for (const r of [...busy, other]) expect((await finished(app, r.id)).state).toBe('succeeded');

      const calls = fakeAws.callsOf('CopyImage').filter((c) => c.status === 200);
      const west = calls
        .filter((c) => c.region === 'eu-west-3')
        .map((c) => c.at.getTime())
        .sort((a, b) => a - b);
      expect(west).toHaveLength(4);
      for (let i = 1; i < west.length; i++) expect(west[i]! - west[i - 1]!).toBeGreaterThanOrEqual(1_800);
      // Two worker slots, four copies queued ahead of it in a throttled region: it still starts at once
      // (waiting copies give their slot back instead of sleeping in it).
      const south = calls.find((c) => c.region === 'eu-south-1');
      expect(south!.at.getTime()).toBeLessThan(west[1]!);
    } finally {
      await app.close();
    }
  });
});
