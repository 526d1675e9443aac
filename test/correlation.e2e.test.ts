import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../src/config.js';
import { withCorrelation } from '../src/correlation.js';
import { accountPolicySchema } from '../src/domain/policy.js';
import type { AmiRequest } from '../src/domain/request.js';
import { CID_FIELD } from '../src/jobs/queues.js';
import { processJob } from '../src/jobs/worker.js';
import { createLogger } from '../src/logger.js';
import { redrive } from '../src/requests/redrive.js';
import { keyRoot } from '../src/store/keys.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from './support/app-under-test.js';
import { waitFor } from './support/wait.js';

/**
 * One piece of work, one correlation id, over real wires: a signed `/ami share` through the HTTP
 * receiver, the request record, the approval click, the BullMQ job run by the worker, its AWS
 * error and its Slack message updates. Every log line is captured through the logger's sink.
 */

const CHANNEL = 'CCORR';
const REQUESTER = 'UREQCORR';
const APPROVER = 'UAPPCORR';

type Line = Record<string, unknown> & { msg: string; cid?: string; requestCid?: string };

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let threaded: TestApp;
const lines: Line[] = [];
const threadedLines: Line[] = [];

function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
}

function ownImage() {
  return fakeAws.addImage({
    ownerId: DEFAULT_ACCOUNT_ID,
    name: `corr-image-${Math.random().toString(36).slice(2, 8)}`,
  });
}

async function fileShare(app: TestApp, imageId: string, to: string): Promise<AmiRequest> {
  const reply = await app.ask(`share ${imageId} --with ${to}`, { userId: REQUESTER, channelId: CHANNEL });
  const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request id in: ${allText(reply.body)}`);
  const request = await app.deps.requests.get(id);
  if (!request) throw new Error(`request ${id} not stored`);
  return request;
}

async function approve(app: TestApp, request: AmiRequest): Promise<void> {
  const { ack } = await app.click({
    actionId: 'request_approve',
    value: request.id,
    userId: APPROVER,
    channelId: CHANNEL,
    messageTs: request.message?.ts,
  });
  expect(ack.status).toBe(200);
}

async function finished(app: TestApp, id: string): Promise<AmiRequest> {
  return waitFor(`request ${id} to finish`, async () => {
    const r = await app.deps.requests.get(id);
    return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
  });
}

/** The audit line of `action` on request `id`. */
function auditLine(from: Line[], id: string, action: string): Line | undefined {
  return from.find((l) => {
    const a = l.audit as { requestId?: string; action?: string } | undefined;
    return l.msg === 'audit' && a?.requestId === id && a.action === action;
  });
}

/** Lines about the request's message (its updates and thread replies). */
function slackLinesOf(from: Line[], request: AmiRequest): Line[] {
  return from.filter(
    (l) =>
      (l.msg === 'updated a Slack message' && l.ts === request.message?.ts) ||
      (l.msg === 'posted a Slack message' && l.threadTs === request.message?.ts),
  );
}

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  const sink = (into: Line[]) => (line: string) => into.push(JSON.parse(line) as Line);
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [account()],
    logger: createLogger('debug', sink(lines)),
  });
  threaded = await startTestApp({
    fakeAws,
    fakeSlack,
    accounts: [account()],
    answerThreads: 1,
    logger: createLogger('debug', sink(threadedLines)),
  });
});

afterAll(async () => {
  await t?.close();
  await threaded?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('a share request, followed by its correlation id', () => {
  it('carries one cid from the Slack command through filing, the job, its AWS error and its Slack updates', async () => {
    const image = ownImage();
    const request = await fileShare(t, image.imageId, '222222222222');
    const cid = request.cid;
    expect(cid).toMatch(/^[A-Za-z0-9_-]{12}$/);

    // Filing: the receiver's accept line, the answer and the audit of the creation share it.
    const accepted = lines.filter((l) => l.msg === 'accepted a Slack command' && l.cid === cid);
    expect(accepted).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'answered /ami' && l.subcommand === 'share')?.cid).toBe(cid);
    expect(auditLine(lines, request.id, 'request.created')?.cid).toBe(cid);
    expect(slackLinesOf(lines, request)).toEqual([]); // the approval message is a plain post
    expect(lines.find((l) => l.msg === 'posted a Slack message' && l.ts === request.message?.ts)?.cid).toBe(
      cid,
    );

    // The job meets one throttled ModifyImageAttribute (every SDK attempt of it), then succeeds.
    fakeAws.faults.failNext('ModifyImageAttribute', { code: 'RequestLimitExceeded', times: 3 });
    await approve(t, request);
    const done = await finished(t, request.id);
    expect(done.state).toBe('succeeded');

    // The click: its own cid, and the request's beside it.
    const approved = auditLine(lines, request.id, 'request.approved');
    expect(approved?.cid).toBeDefined();
    expect(approved?.cid).not.toBe(cid);
    expect(approved?.requestCid).toBe(cid);

    // The job (queued by the click's relay) carries the request's cid in its data…
    const job = await t.deps.queues.queue('ops').getJob(`exec-${request.id}`);
    expect(job?.data[CID_FIELD]).toBe(cid);
    // …and every line of its runs has it: start, the AWS error, the retry, the outcome.
    const jobStarts = await waitFor('both runs of the job', async () => {
      const starts = lines.filter((l) => l.msg === 'job started' && l.jobId === `exec-${request.id}`);
      return starts.length >= 2 ? starts : undefined;
    });
    expect(jobStarts.map((l) => l.cid)).toEqual([cid, cid]);
    const awsError = lines.find(
      (l) => l.msg === 'request execution failed; will retry' && l.requestId === request.id,
    );
    expect(awsError).toMatchObject({ cid, code: 'aws_throttled' });
    expect(lines.find((l) => l.msg === 'job failed' && l.jobId === `exec-${request.id}`)?.cid).toBe(cid);
    expect(auditLine(lines, request.id, 'job.started')?.cid).toBe(cid);
    expect(auditLine(lines, request.id, 'job.succeeded')?.cid).toBe(cid);

    // The Slack updates the job caused: the message (running, then final) and the thread reply.
    const slack = await waitFor('the final message and the thread reply', async () => {
      const found = slackLinesOf(lines, request).filter((l) => l.requestCid === undefined);
      return found.some((l) => l.msg === 'posted a Slack message') && found.length >= 2 ? found : undefined;
    });
    expect(slack.map((l) => l.cid)).toEqual(slack.map(() => cid));
    expect(fakeAws.getImage('us-east-1', image.imageId)?.launchPermission.accounts).toContain('222222222222');
  });

  it('gives two concurrent commands different ids that do not leak into each other', async () => {
    const [a, b] = [ownImage(), ownImage()];
    const start = lines.length;
    const [ra, rb] = await Promise.all([
      fileShare(t, a.imageId, '333333333333'),
      fileShare(t, b.imageId, '444444444444'),
    ]);
    expect(ra.cid).toBeDefined();
    expect(rb.cid).toBeDefined();
    expect(ra.cid).not.toBe(rb.cid);
    await Promise.all([approve(t, ra), approve(t, rb)]);
    expect((await finished(t, ra.id)).state).toBe('succeeded');
    expect((await finished(t, rb.id)).state).toBe('succeeded');
    await waitFor(
      'both thread replies',
      async () =>
        [ra, rb].every((r) => slackLinesOf(lines, r).some((l) => l.msg === 'posted a Slack message')) ||
        undefined,
    );

    const mine = lines.slice(start);
    for (const [own, other] of [
      [ra, rb],
      [rb, ra],
    ] as const) {
      // Every line that names the request (its id, its job, its message) carries its id, never the other's.
      const about = mine.filter(
        (l) =>
          l.requestId === own.id ||
          (l.audit as { requestId?: string } | undefined)?.requestId === own.id ||
          l.jobId === `exec-${own.id}` ||
          l.ts === own.message?.ts ||
          l.threadTs === own.message?.ts,
      );
      expect(about.length).toBeGreaterThanOrEqual(6);
      for (const l of about) {
        expect([l.cid, l.requestCid], JSON.stringify(l)).toContain(own.cid);
        expect([l.cid, l.requestCid], JSON.stringify(l)).not.toContain(other.cid);
      }
    }
  });

  it('hands the id to an answer thread with the task', async () => {
    const request = await fileShare(threaded, ownImage().imageId, '555555555555');
    // The request was filed in the answer thread; the acking thread logged the command it accepted.
    const accepted = threadedLines.filter((l) => l.msg === 'accepted a Slack command');
    expect(accepted.map((l) => l.cid)).toContain(request.cid);
  });

  it('re-queues a stuck request under its own id; the re-drive run keeps its own beside it', async () => {
    const request = await fileShare(t, ownImage().imageId, '666666666666');
    // Approved without its job ever being queued (as if the relay had been lost).
    await t.deps.requests.transition(request.id, ['pending'], 'approved');
    await withCorrelation('redriveRUN01', () => redrive(t.deps, 0));
    expect((await finished(t, request.id)).state).toBe('succeeded');
    expect(lines.find((l) => l.msg === 're-drove a request whose jobs were missing')).toMatchObject({
      cid: 'redriveRUN01',
      requestCid: request.cid,
      requestId: request.id,
    });
    const job = await t.deps.queues.queue('ops').getJob(`exec-${request.id}`);
    expect(job?.data[CID_FIELD]).toBe(request.cid);
    expect(lines.find((l) => l.msg === 'job started' && l.jobId === `exec-${request.id}`)?.cid).toBe(
      request.cid,
    );
  });

  it('gives each run of a job queued without an id (a recurring one) a fresh id', async () => {
    const run = (id: string) =>
      processJob(
        t.deps,
        {
          name: 'requests-expire',
          id,
          data: {},
          opts: { attempts: 1 },
          attemptsMade: 0,
          updateData: async () => {},
        } as unknown as Job,
        undefined,
      );
    await run('sched-requests-expire-1');
    await run('sched-requests-expire-2');
    const ids = lines
      .filter((l) => l.msg === 'job started' && String(l.jobId).startsWith('sched-requests-expire-'))
      .map((l) => l.cid);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('runs a request recorded without an id (filed before ids were kept) under the id of the click that queued it', async () => {
    const request = await fileShare(t, ownImage().imageId, '777777777777');
    const key = `${keyRoot(t.prefix)}:req:${request.id}`;
    const { cid: _dropped, ...old } = request;
    await t.deps.redis.hset(key, 'data', JSON.stringify(old));
    await approve(t, request);
    expect((await finished(t, request.id)).state).toBe('succeeded');
    const approved = auditLine(lines, request.id, 'request.approved');
    expect(approved?.cid).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(approved?.requestCid).toBeUndefined();
    const started = lines.find((l) => l.msg === 'job started' && l.jobId === `exec-${request.id}`);
    expect(started?.cid).toBe(approved?.cid);
  });
});
