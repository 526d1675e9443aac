import type { AddressInfo } from 'node:net';
import {
  App,
  type BlockAction,
  type ButtonAction,
  LogLevel,
  type SlashCommand,
  type ViewSubmitAction,
  verifySlackRequest,
} from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import {
  buildBlockAction,
  buildBlockActionPayload,
  buildSlashCommand,
  buildSlashCommandPayload,
  buildViewSubmission,
  nowSeconds,
  plainTextValue,
  postSigned,
  signSlackRequest,
  staticSelectValue,
} from './slack-requests.js';

const SIGNING_SECRET = 'test-signing-secret';

describe('signSlackRequest', () => {
  it("reproduces the example signature from Slack's documentation", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&' +
      'channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&' +
      'response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&' +
      'trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(body, '8f742231b10e8888abcd99yyyzzz85a5', 1531420618)).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
      'content-type': 'application/x-www-form-urlencoded',
    });
  });

  it("passes Bolt's own verifier and uses a JSON content type for Events API bodies", () => {
    const body = JSON.stringify({ type: 'event_callback' });
    const headers = signSlackRequest(body, SIGNING_SECRET);
    expect(headers['content-type']).toBe('application/json');
    expect(() =>
      verifySlackRequest({
        signingSecret: SIGNING_SECRET,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
    expect(Number(headers['x-slack-request-timestamp'])).toBeCloseTo(nowSeconds(), -1);
  });
});

describe('payload builders', () => {
  it('builds a slash command body with every field Slack sends, in form encoding', () => {
    const body = buildSlashCommand({
      text: 'find ubuntu 24.04 --arch arm64',
      responseUrl: 'https://x/r',
      triggerId: 't1',
    });
    const fields = Object.fromEntries(new URLSearchParams(body));
    expect(Object.keys(fields)).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(fields).toMatchObject({
      command: '/ami',
      text: 'find ubuntu 24.04 --arch arm64',
      user_id: 'U_REQUESTER',
      channel_id: 'C_OPS',
      response_url: 'https://x/r',
      trigger_id: 't1',
      is_enterprise_install: 'false',
    });
    const grid = buildSlashCommandPayload({ text: '', enterprise: { id: 'E1', name: 'Corp' } });
    expect(grid).toMatchObject({ enterprise_id: 'E1', enterprise_name: 'Corp' });
  });

  it('takes block id, value, label and style of a clicked button from the message blocks', () => {
    const blocks = [
      { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: 'Copy ami-1?' } },
      {
        type: 'actions',
        block_id: 'decision',
        elements: [
          {
            type: 'button',
            action_id: 'approve',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'req-1',
            style: 'primary',
          },
          {
            type: 'button',
            action_id: 'reject',
            text: { type: 'plain_text', text: 'Reject' },
            value: 'req-1',
            style: 'danger',
          },
        ],
      },
    ];
    const payload = buildBlockActionPayload({
      actionId: 'reject',
      messageTs: '1764160000.000100',
      message: { blocks },
    });
    expect(payload.actions[0]).toMatchObject({
      action_id: 'reject',
      block_id: 'decision',
      value: 'req-1',
      style: 'danger',
      type: 'button',
      text: { type: 'plain_text', text: 'Reject', emoji: true },
    });
    expect(payload.container).toEqual({
      type: 'message',
      message_ts: '1764160000.000100',
      channel_id: 'C_OPS',
      is_ephemeral: false,
    });
    expect(payload.message).toMatchObject({ type: 'message', ts: '1764160000.000100', blocks });
    expect(payload).toHaveProperty('enterprise', null);
    const ephemeral = buildBlockActionPayload({ actionId: 'x', value: 'v', ephemeral: true });
    expect(ephemeral.message).toBeUndefined();
    expect(ephemeral.container.is_ephemeral).toBe(true);
  });
});

describe('signed requests against a real Bolt app', () => {
  let fake: FakeSlack;
  let app: App;
  let eventsUrl: string;
  const commands: SlashCommand[] = [];
  const actions: BlockAction<ButtonAction>[] = [];
  const submissions: ViewSubmitAction[] = [];
  const retryNums: (number | undefined)[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start();
    app = new App({
      signingSecret: SIGNING_SECRET,
      token: 'xoxb-test',
      // With both ids given and verification off, Bolt never calls auth.test.
      tokenVerificationEnabled: false,
      botId: 'BBOT',
      botUserId: 'UBOT',
      logLevel: LogLevel.ERROR,
      // Bolt's default client retries for ~30 minutes; fail fast in tests.
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/ami', async ({ command, ack, respond, client, context }) => {
      commands.push(command);
      retryNums.push(context.retryNum);
      await ack();
      await respond({ response_type: 'ephemeral', text: `Looking for: ${command.text}` });
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'Approve copy?',
        blocks: [
          {
            type: 'section',
            block_id: 'summary',
            text: { type: 'mrkdwn', text: `<@${command.user_id}> asks` },
          },
          {
            type: 'actions',
            block_id: 'decision',
            elements: [
              {
                type: 'button',
                action_id: 'approve',
                text: { type: 'plain_text', text: 'Approve' },
                value: 'req-42',
                style: 'primary',
              },
            ],
          },
        ],
      });
    });
    app.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, respond }) => {
      actions.push(body);
      await ack();
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    });
    app.view<ViewSubmitAction>('copy_modal', async ({ ack, body }) => {
      submissions.push(body);
      await ack();
    });
    // Default receiver is HTTPReceiver; start() resolves with its node:http Server.
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
    commands.length = 0;
    actions.length = 0;
    submissions.length = 0;
    retryNums.length = 0;
  });

  it('delivers a signed slash command; respond() and client calls land in the fake', async () => {
    const responseUrl = fake.responseUrl('cmd', { channel: 'C_OPS', userId: 'U_REQUESTER' });
    const body = buildSlashCommand({ text: 'find ubuntu 24.04', responseUrl, triggerId: 'trig-1' });
    const result = await postSigned(eventsUrl, body, SIGNING_SECRET);
    expect(result.status).toBe(200);
    expect(result.body).toBe('');
    expect(result.elapsedMs).toBeLessThan(3000);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toEqual(Object.fromEntries(new URLSearchParams(body)));
    expect(commands[0]).toMatchObject({
      command: '/ami',
      text: 'find ubuntu 24.04',
      user_id: 'U_REQUESTER',
      channel_id: 'C_OPS',
      trigger_id: 'trig-1',
    });
    expect(retryNums).toEqual([undefined]);

    const response = await fake.waitForResponse('cmd');
    expect(response.body).toEqual({ response_type: 'ephemeral', text: 'Looking for: find ubuntu 24.04' });
    expect(fake.ephemerals('C_OPS')).toMatchObject([
      { user: 'U_REQUESTER', text: 'Looking for: find ubuntu 24.04' },
    ]);

    const call = await fake.waitForCall('chat.postMessage');
    expect(call).toMatchObject({ token: 'xoxb-test', body: { channel: 'C_OPS', text: 'Approve copy?' } });
    expect(fake.messages('C_OPS')).toHaveLength(1);
  });

  it('passes x-slack-retry-num through to the context', async () => {
    await postSigned(
      eventsUrl,
      buildSlashCommand({ text: 'help', responseUrl: fake.responseUrl() }),
      SIGNING_SECRET,
      {
        retryNum: 1,
      },
    );
    expect(retryNums).toEqual([1]);
    await fake.waitForCall('chat.postMessage'); // let the listener finish before the next test resets the fake
  });

  it('answers 401 to a bad signature and to a timestamp older than five minutes, without running the listener', async () => {
    const body = buildSlashCommand({ text: 'deregister ami-0123', responseUrl: fake.responseUrl() });
    const bad = await postSigned(eventsUrl, body, SIGNING_SECRET, { badSignature: true });
    expect(bad.status).toBe(401);
    const wrongSecret = await postSigned(eventsUrl, body, 'another-secret');
    expect(wrongSecret.status).toBe(401);
    const stale = await postSigned(eventsUrl, body, SIGNING_SECRET, {
      timestamp: nowSeconds() - 5 * 60 - 10,
    });
    expect(stale.status).toBe(401);
    const justInTime = await postSigned(eventsUrl, body, SIGNING_SECRET, {
      timestamp: nowSeconds() - 4 * 60,
    });
    expect(justInTime.status).toBe(200);
    expect(commands).toHaveLength(1);
    await fake.waitForCall('chat.postMessage');
  });

  it('delivers a block action clicked on a message the app posted, and respond() replaces that message', async () => {
    await postSigned(
      eventsUrl,
      buildSlashCommand({ text: 'copy ami-1 --to eu-west-1', responseUrl: fake.responseUrl() }),
      SIGNING_SECRET,
    );
    const posted = await fake.waitForCall('chat.postMessage');
    const ts = String(posted.response.ts);
    const message = fake.message('C_OPS', ts)!;
    const responseUrl = fake.responseUrl('act', { channel: 'C_OPS', messageTs: ts, userId: 'U_APPROVER' });

    const body = buildBlockAction({
      actionId: 'approve',
      userId: 'U_APPROVER',
      messageTs: ts,
      message,
      responseUrl,
    });
    const result = await postSigned(eventsUrl, body, SIGNING_SECRET);
    expect(result.status).toBe(200);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      type: 'block_actions',
      user: { id: 'U_APPROVER' },
      channel: { id: 'C_OPS' },
      container: { message_ts: ts, channel_id: 'C_OPS' },
      actions: [{ action_id: 'approve', block_id: 'decision', value: 'req-42', type: 'button' }],
    });
    await fake.waitForResponse('act');
    expect(fake.message('C_OPS', ts)).toMatchObject({ text: 'Approved by <@U_APPROVER>' });
  });

  it('delivers a view submission with its private metadata and state values', async () => {
    const body = buildViewSubmission({
      callbackId: 'copy_modal',
      privateMetadata: JSON.stringify({ requestId: 'req-7' }),
      values: { regions: { to: staticSelectValue('eu-west-1') }, name: { value: plainTextValue('golden') } },
      userId: 'U_REQUESTER',
    });
    const result = await postSigned(eventsUrl, body, SIGNING_SECRET);
    expect(result.status).toBe(200);
    expect(submissions).toHaveLength(1);
    expect(submissions[0]?.view).toMatchObject({
      callback_id: 'copy_modal',
      private_metadata: '{"requestId":"req-7"}',
      state: {
        values: {
          regions: { to: { selected_option: { value: 'eu-west-1' } } },
          name: { value: { value: 'golden' } },
        },
      },
    });
  });
});
