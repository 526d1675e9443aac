import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { createRedis } from '../../src/store/redis.js';
import { RequestStore } from '../../src/store/requests.js';
import { DEFAULT_ACCOUNT_ID, deleteKeys, REDIS_URL } from '../support/app-under-test.js';
import { type MainProcess, startMain } from '../support/main-process.js';
import { waitFor } from '../support/wait.js';
import { approveOverHttp, fileOverHttp, parseLine, productionEnv, uniquePrefix } from './support.js';

/**
 * The correlation id across processes (the real entry command): a `web` process (answering in an
 * answer thread, as by default) files a share request, a separate `worker` process runs its job.
 * The worker's lines about the job carry the id the web process's lines about the filing carry.
 */

const CHANNEL = 'CCORRPROC';
const REQUESTER = 'UREQCP';
const APPROVER = 'UAPPCP';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
const processes: MainProcess[] = [];
const redis = createRedis(REDIS_URL, 'client', { enableOfflineQueue: true });
const prefix = uniquePrefix();

function start(role: 'web' | 'worker'): MainProcess {
  const p = startMain(
    productionEnv({
      fakeAws,
      fakeSlack,
      prefix,
      extra: {
        AMIBOT_ROLE: role,
        AMIBOT_APPROVERS: APPROVER,
        AMIBOT_APPROVAL_CHANNEL: CHANNEL,
        LOG_LEVEL: 'debug',
      },
    }),
  );
  processes.push(p);
  return p;
}

const entries = (p: MainProcess) =>
  p.lines.map(parseLine).filter((e): e is Record<string, unknown> => e !== undefined);

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
});

afterAll(async () => {
  for (const p of processes.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await deleteKeys(redis, prefix);
  redis.disconnect();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('a request filed by a web process and run by a worker process', () => {
  it('has one correlation id in both processes', async () => {
    const web = start('web');
    const url = `http://127.0.0.1:${await web.port()}/slack/events`;
    const worker = start('worker');
    await worker.waitForLine(/workers running/);
    const image = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: `corr-${prefix}` });

    const id = await fileOverHttp(url, fakeSlack, {
      text: `share ${image.imageId} --with 222222222222`,
      userId: REQUESTER,
      channelId: CHANNEL,
    });
    const store = new RequestStore(redis, prefix);
    const cid = (await store.get(id!))?.cid;
    expect(cid).toMatch(/^[A-Za-z0-9_-]{12}$/);

    const clickStatus = await approveOverHttp(url, fakeSlack, { id, userId: APPROVER, channelId: CHANNEL });
    expect(clickStatus).toBe(200);
    await waitFor(
      'the request to succeed',
      async () => (await store.get(id!))?.state === 'succeeded' || undefined,
    );
    await waitFor(
      'the worker to reply in the thread',
      async () =>
        entries(worker).some((e) => e.msg === 'posted a Slack message' && e.cid === cid) || undefined,
    );

    // The web process: the acking thread accepted the command, the answer thread filed it.
    const webLines = entries(web);
    const accepted = webLines.find((e) => e.msg === 'accepted a Slack command' && e.cid === cid);
    expect(accepted).toBeDefined();
    const filed = webLines.find(
      (e) => e.msg === 'audit' && (e.audit as { action?: string; requestId?: string }).requestId === id,
    );
    expect(filed).toMatchObject({ cid, thread: 'answer-1' });
    // The worker process: the job and its audit lines, under the same id.
    const workerLines = entries(worker).filter((e) => e.cid === cid);
    expect(workerLines.map((e) => e.msg)).toEqual(expect.arrayContaining(['job started', 'audit']));
    expect(workerLines.find((e) => e.msg === 'job started')).toMatchObject({ jobId: `exec-${id}` });
    // The click: its own id, and the request's beside it.
    const approved = webLines.find(
      (e) => e.msg === 'audit' && (e.audit as { action?: string }).action === 'request.approved',
    );
    expect(approved?.requestCid).toBe(cid);
    expect(approved?.cid).not.toBe(cid);
  }, 90_000);
});
