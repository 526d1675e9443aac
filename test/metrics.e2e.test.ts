import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../src/config.js';
import { accountPolicySchema } from '../src/domain/policy.js';
import { runExpirySweep } from '../src/expiry/sweep.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from './support/app-under-test.js';
import { inScrape, metricNames, sample, scrape } from './support/metrics.js';
import { waitFor } from './support/wait.js';

const CHANNEL = 'CAPPROVALS';
const REQUESTER = 'UREQ1';
const APPROVER = 'UAPP1';

const account: AccountConfig = {
  alias: 'default',
  accountId: DEFAULT_ACCOUNT_ID,
  regions: [],
  default: true,
  policy: accountPolicySchema.parse({
    approvalChannel: CHANNEL,
    approvers: [APPROVER],
    reminderChannel: 'CREMIND',
  }),
};

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

beforeAll(async () => {
  fakeAws = await FakeAws.start();
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({ fakeAws, fakeSlack, workers: true, accounts: [account] });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('/metrics of the web app', () => {
  let afterFlow = '';

  it('counts a command, its ack, its AWS calls, the approval click, the job and the request states', async () => {
    const before = (await scrape(t.url)).text;
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'metrics-share-image' });

    const reply = await t.ask(`share ${img.imageId} --with 222222222222`, { userId: REQUESTER });
    const id = allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0];
    expect(id).toBeDefined();
    const req = await t.deps.requests.get(id as string);
    const { ack } = await t.click({
      actionId: 'request_approve',
      value: req!.id,
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: req!.message?.ts,
      message: fakeSlack.message(CHANNEL, req!.message!.ts) as never,
    });
    expect(ack.status).toBe(200);
    await waitFor(
      'the request to succeed',
      async () => (await t.deps.requests.get(req!.id))?.state === 'succeeded',
    );

    const after = await waitFor('the job to be counted', async () => {
      const { text } = await scrape(t.url);
      return sample(text, 'amibot_job_duration_seconds_count', {
        job: 'request-execute',
        outcome: 'completed',
      }) >
        sample(before, 'amibot_job_duration_seconds_count', { job: 'request-execute', outcome: 'completed' })
        ? text
        : undefined;
    });
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(delta('amibot_commands_total', { subcommand: 'share', outcome: 'ok' })).toBe(1);
    expect(delta('amibot_slack_ack_seconds_count', { kind: 'command' })).toBe(1);
    expect(delta('amibot_slack_ack_seconds_count', { kind: 'interaction' })).toBe(1);
    expect(delta('amibot_slack_ack_seconds_bucket', { kind: 'command', le: '+Inf' })).toBe(1);
    expect(delta('amibot_slack_ack_seconds_sum', { kind: 'command' })).toBeGreaterThan(0);
    expect(delta('amibot_clicks_total', { action: 'request_approve', outcome: 'ok' })).toBe(1);
    expect(
      delta('amibot_aws_calls_total', { service: 'ec2', operation: 'DescribeImages', error_code: 'none' }),
    ).toBeGreaterThan(0);
    expect(
      delta('amibot_aws_calls_total', {
        service: 'ec2',
        operation: 'ModifyImageAttribute',
        error_code: 'none',
      }),
    ).toBe(1);
    expect(
      delta('amibot_slack_api_calls_total', { method: 'chat.postMessage', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    for (const state of ['pending', 'approved', 'succeeded'])
      expect(delta('amibot_request_transitions_total', { state }), state).toBe(1);
    afterFlow = after;
  });

  it('counts the dialogs the handlers open (views.open) with the other Slack calls', async () => {
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'metrics-reject-image' });
    const reply = await t.ask(`share ${img.imageId} --with 222222222222`, { userId: REQUESTER });
    const req = await t.deps.requests.get(allText(reply.body).match(/req-[0-9a-z]{6,32}/)?.[0] as string);
    const opened = { method: 'views.open', outcome: 'ok' };
    const before = sample((await scrape(t.url)).text, 'amibot_slack_api_calls_total', opened);
    const views = fakeSlack.views().length;
    await t.click({
      actionId: 'request_reject',
      value: req!.id,
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: req!.message?.ts,
      message: fakeSlack.message(CHANNEL, req!.message!.ts) as never,
    });
    await waitFor('the reject dialog', async () => fakeSlack.views().length > views);
    const after = sample((await scrape(t.url)).text, 'amibot_slack_api_calls_total', opened);
    expect(after - before).toBe(1);
  });

  it('counts a failing AWS call by its error code, and the command as refused', async () => {
    const labels = { service: 'ec2', operation: 'DescribeImages', error_code: 'UnauthorizedOperation' };
    const before = (await scrape(t.url)).text;
    fakeAws.faults.failNext('ec2:DescribeImages', { code: 'UnauthorizedOperation' });
    const reply = await t.ask('find metrics-unauthorised-words');
    expect(allText(reply.body)).toMatch(/ec2:DescribeImages|permission|not allowed/i);
    const after = (await scrape(t.url)).text;
    expect(
      sample(after, 'amibot_aws_calls_total', labels) - sample(before, 'amibot_aws_calls_total', labels),
    ).toBe(1);
    const refused = { subcommand: 'find', outcome: 'refused' };
    expect(
      sample(after, 'amibot_commands_total', refused) - sample(before, 'amibot_commands_total', refused),
    ).toBe(1);
  });

  it('reads queue depths and open requests at scrape time, with the registry content type', async () => {
    const { text, contentType } = await scrape(t.url);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const queue of ['ops', 'copies', 'scans', 'maintenance'])
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
        expect(text, `${queue} ${state}`).toMatch(
          new RegExp(`^amibot_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+$`, 'm'),
        );
    // One request waiting for its approval: open and pending.
    const img = fakeAws.addImage({ ownerId: DEFAULT_ACCOUNT_ID, name: 'metrics-pending-image' });
    await t.ask(`share ${img.imageId} --with 333333333333`, { userId: REQUESTER });
    const filed = (await scrape(t.url)).text;
    expect(sample(filed, 'amibot_requests_open') - sample(text, 'amibot_requests_open')).toBe(1);
    expect(sample(filed, 'amibot_requests_pending') - sample(text, 'amibot_requests_pending')).toBe(1);
    expect(sample(text, 'amibot_scrape_source_up', { source: 'queues' })).toBe(1);
    expect(sample(text, 'amibot_scrape_source_up', { source: 'requests' })).toBe(1);
    expect(text).toMatch(/^amibot_process_resident_memory_bytes \d+/m);
  });

  it('counts Slack rate limits and the wait Slack asked for', async () => {
    const before = (await scrape(t.url)).text;
    fakeSlack.rateLimitNext('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    await t.deps.notifier.client.chat.postMessage({ channel: CHANNEL, text: 'hello' }).catch(() => {});
    const after = (await scrape(t.url)).text;
    const d = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(d('amibot_slack_rate_limited_total', { method: 'chat.postMessage' })).toBe(1);
    expect(d('amibot_slack_rate_limit_wait_seconds_total')).toBe(1);
  });

  it('counts an expiry reminder once it is posted, not when its post fails', async () => {
    const expiry = { kind: 'expiry' };
    const notFound = { method: 'chat.postMessage', outcome: 'channel_not_found' };
    const failedRun = { job: 'reminder-post', outcome: 'failed' };
    const before = (await scrape(t.url)).text;
    fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      tags: { ExpirationDate: new Date(Date.now() + 3 * 86_400_000).toISOString() },
    });
    // The worker's first post fails; its retry (after the job's backoff) posts.
    fakeSlack.failNext('chat.postMessage', 'channel_not_found', { times: 1 });
    expect((await runExpirySweep(t.deps)).remindersQueued).toBe(1);
    const after = await waitFor('the reminder to be counted', async () => {
      const { text } = await scrape(t.url);
      return sample(text, 'amibot_reminders_sent_total', expiry) >
        sample(before, 'amibot_reminders_sent_total', expiry)
        ? text
        : undefined;
    });
    const d = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(d('amibot_reminders_sent_total', expiry)).toBe(1);
    expect(d('amibot_slack_api_calls_total', notFound)).toBe(1);
    expect(d('amibot_job_duration_seconds_count', failedRun)).toBe(1);
  }, 60_000);

  it('has every metric the Grafana dashboard reads', async () => {
    const dashboard = JSON.parse(readFileSync('deploy/grafana/amibot-dashboard.json', 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const text = afterFlow || (await scrape(t.url)).text;
    const exprs = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((x) => ({ panel: p.title, expr: x.expr })),
    );
    expect(exprs.length).toBeGreaterThan(10);
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(inScrape(text, name), `${panel}: ${name}`).toBe(true);
    }
  });
});

describe('metricNames', () => {
  it('finds the metrics of a PromQL expression and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, kind) (rate(amibot_slack_ack_seconds_bucket{kind="command"}[5m])))',
      ),
    ).toEqual(['amibot_slack_ack_seconds_bucket']);
    expect(
      metricNames(
        'max(amibot_requests_open) / on (instance) group_left amibot_x_total offset 5m > 1e3 * 0.5',
      ),
    ).toEqual(['amibot_requests_open', 'amibot_x_total']);
  });
});

describe('/metrics with answer threads', () => {
  it('merges what an answer thread counted (its command, its AWS calls) into the scrape', async () => {
    const threaded = await startTestApp({ fakeAws, fakeSlack, accounts: [account], answerThreads: 1 });
    try {
      const ok = { subcommand: 'find', outcome: 'ok' };
      const calls = { service: 'ec2', operation: 'DescribeImages', error_code: 'none' };
      const before = (await scrape(threaded.url)).text;
      expect(sample(before, 'amibot_answer_threads_alive')).toBe(1);
      await threaded.ask('find metrics-threaded-words');
      const after = (await scrape(threaded.url)).text;
      expect(sample(after, 'amibot_commands_total', ok) - sample(before, 'amibot_commands_total', ok)).toBe(
        1,
      );
      expect(sample(after, 'amibot_aws_calls_total', calls)).toBeGreaterThan(
        sample(before, 'amibot_aws_calls_total', calls),
      );
      expect(sample(after, 'amibot_scrape_source_up', { source: 'answer_thread_metrics' })).toBe(1);
      // Merged, not listed twice: one HELP line per family.
      expect(after.match(/^# HELP amibot_commands_total /gm)).toHaveLength(1);
    } finally {
      await threaded.close();
    }
  });
});
