import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AnswerTask } from '../../src/answer/answer.js';
import { allText, startTestApp, type TestApp } from '../support/app-under-test.js';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
/** Tasks answered on the main thread: an answer thread that cannot run sends its tasks there. */
const onMainThread: AnswerTask[] = [];

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  fakeAws.addImage({
    ownerId: '099720109477',
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261120',
    architecture: 'arm64',
    public: true,
  });
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    answerThreads: 2,
    onMainThread: (task) => onMainThread.push(task),
  });
});

afterEach(() => {
  // Every answer came from a thread.
  expect(onMainThread).toEqual([]);
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('answering in worker threads', () => {
  it('acks on the main thread and answers finds, help and bad input from the threads', async () => {
    const [find, help, bad] = await Promise.all([
      t.ask('find ubuntu 24.04 arm64'),
      t.ask('help share'),
      t.ask('find ubuntu --limit 99'),
    ]);
    expect(allText(find.body)).toContain('ubuntu-noble-24.04-arm64-server-20261120');
    expect(allText(help.body)).toMatch(/share/);
    expect(allText(bad.body)).toMatch(/--limit/);
    // The thread used its own AWS client against the same fake.
    expect(fakeAws.callsOf('DescribeImages').length).toBeGreaterThan(0);
  });

  it('answers the Details button from a thread too', async () => {
    const img = fakeAws.images()[0]!;
    const { ack, responseId } = await t.click({
      actionId: 'ami_show:0',
      value: `default/us-east-1/${img.imageId}`,
    });
    expect(ack.status).toBe(200);
    expect(allText((await fakeSlack.waitForResponse(responseId, { timeoutMs: 20_000 })).body)).toContain(
      img.imageId,
    );
  });
});
