import { ErrorCode, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack, type RecordedCall } from '../../dev/fake-slack/fake-slack.js';

let fake: FakeSlack;

function client(token = 'xoxb-test', options: WebClientOptions = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

async function slackError(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error;
  }
  throw new Error('expected the call to fail');
}

async function rawPost(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe('FakeSlack server', () => {
  it('listens on an ephemeral port and exposes an apiUrl ending in /api/', () => {
    expect(fake.port).toBeGreaterThan(0);
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    expect(fake.apiUrl).toBe(`${fake.url}/api/`);
  });

  it('answers auth.test with the bot identity', async () => {
    const result = await client().auth.test();
    expect(result).toMatchObject({ ok: true, user_id: 'UBOT', team_id: 'T0001', bot_id: 'BBOT' });
    expect(result.url).toMatch(/^https:\/\/.+\.slack\.com\/$/);
  });

  it('records form-encoded calls with JSON fields parsed and the bearer token', async () => {
    const blocks = [section('*hello*')];
    await client().chat.postMessage({ channel: 'C1', text: 'hello', blocks, unfurl_links: false });
    const [call] = fake.calls('chat.postMessage');
    expect(call).toMatchObject({ method: 'chat.postMessage', token: 'xoxb-test', status: 200 });
    expect(call?.body).toMatchObject({ channel: 'C1', text: 'hello', blocks, unfurl_links: 'false' });
    expect(call?.at).toBeLessThanOrEqual(Date.now());
    expect(fake.calls()).toHaveLength(1);
    expect(fake.calls('chat.update')).toHaveLength(0);
  });

  it('accepts JSON bodies', async () => {
    const { json } = await rawPost(
      '/api/chat.postMessage',
      JSON.stringify({ channel: 'C1', text: 'json', blocks: [section('x')] }),
      { authorization: 'Bearer xoxb-json', 'content-type': 'application/json; charset=utf-8' },
    );
    expect(json).toMatchObject({ ok: true, channel: 'C1' });
    expect(fake.calls('chat.postMessage')[0]).toMatchObject({
      token: 'xoxb-json',
      body: { blocks: [section('x')] },
    });
  });

  it('rejects unknown methods and missing or bad tokens like Slack', async () => {
    expect((await rawPost('/api/chat.nonsense', '', { authorization: 'Bearer xoxb-x' })).json).toEqual({
      ok: false,
      error: 'unknown_method',
    });
    expect((await rawPost('/api/auth.test', '')).json).toEqual({ ok: false, error: 'not_authed' });
    expect(await slackError(client('xoxp-user').auth.test())).toBe('invalid_auth');
    expect(await slackError(client('xapp-1').auth.test())).toBe('not_allowed_token_type');
    expect(fake.calls()).toHaveLength(4);
  });
});

describe('messages', () => {
  it('posts messages with unique increasing Slack-shaped ts and keeps channel history', async () => {
    const web = client();
    const first = await web.chat.postMessage({ channel: 'C1', text: 'one' });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'two', blocks: [section('two')] });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(second).toMatchObject({
      ok: true,
      channel: 'C1',
      message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', text: 'two', ts: second.ts },
    });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['one', 'two']);
    expect(fake.messages('C2')).toEqual([]);
  });

  it('updates messages in place and reports message_not_found for an unknown ts', async () => {
    const web = client();
    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'pending',
      blocks: [section('pending')],
    });
    const updated = await web.chat.update({
      channel: 'C1',
      ts: posted.ts!,
      text: 'approved',
      blocks: [section('ok')],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts: posted.ts, text: 'approved' });
    const stored = fake.message('C1', posted.ts!);
    expect(stored).toMatchObject({ text: 'approved', blocks: [section('ok')], edited: { user: 'UBOT' } });
    await web.chat.update({ channel: 'C1', ts: posted.ts!, text: 'text only' });
    expect(fake.message('C1', posted.ts!)?.blocks).toEqual([section('ok')]);
    expect(await slackError(web.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  it('keeps thread replies apart from the channel and counts them on the parent', async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: 'C1', text: 'copy started' });
    await web.chat.postMessage({ channel: 'C1', thread_ts: parent.ts!, text: '50%' });
    await web.chat.postMessage({ channel: 'C1', thread_ts: parent.ts!, text: 'done', reply_broadcast: true });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['copy started', 'done']);
    expect(fake.replies('C1', parent.ts!).map((m) => m.text)).toEqual(['copy started', '50%', 'done']);
    expect(fake.message('C1', parent.ts!)).toMatchObject({ thread_ts: parent.ts, reply_count: 2 });
  });

  it('deletes messages, posts ephemerals and DMs users', async () => {
    const web = client();
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'bye' });
    expect(await web.chat.delete({ channel: 'C1', ts: posted.ts! })).toMatchObject({
      ok: true,
      ts: posted.ts,
    });
    expect(fake.message('C1', posted.ts!)).toBeUndefined();
    expect(await slackError(web.chat.delete({ channel: 'C1', ts: posted.ts! }))).toBe('message_not_found');

    const eph = await web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.ephemerals('C1')).toMatchObject([
      { user: 'U1', text: 'only you', source: 'chat.postEphemeral' },
    ]);
    expect(fake.messages('C1')).toEqual([]);

    const dm = await web.chat.postMessage({ channel: 'U1', text: 'reminder' });
    expect(dm.channel).toBe('DU1');
    expect(fake.messages('DU1')).toHaveLength(1);
  });

  it('rejects what Slack rejects: no text, too many blocks, over-long section text or button value', async () => {
    const web = client();
    expect(await slackError(web.chat.postMessage({ channel: 'C1' } as never))).toBe('no_text');
    const many = Array.from({ length: 51 }, (_, i) => section(`b${i}`));
    expect(await slackError(web.chat.postMessage({ channel: 'C1', text: 'x', blocks: many }))).toBe(
      'invalid_blocks',
    );
    expect(
      await slackError(
        web.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('a'.repeat(3001))] }),
      ),
    ).toBe('invalid_blocks');
    const button = {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Go' }, value: 'v'.repeat(2001) },
      ],
    };
    expect(fake.calls('chat.postMessage')).toHaveLength(3);
    const failed = await web.chat
      .postMessage({ channel: 'C1', text: 'x', blocks: [button] })
      .catch((e) => e.data);
    expect(failed).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(failed.errors[0]).toContain('/blocks/0/elements/0/value');
    expect(fake.messages('C1')).toEqual([]);
  });

  it('injects Slack errors with failNext', async () => {
    fake.failNext('chat.postMessage', 'channel_not_found');
    expect(await slackError(client().chat.postMessage({ channel: 'C1', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect((await client().chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
  });
});

describe('views, directory and socket mode', () => {
  it('opens and updates views, with hash conflicts', async () => {
    const web = client();
    const view = {
      type: 'modal' as const,
      callback_id: 'copy_modal',
      private_metadata: 'req-1',
      title: { type: 'plain_text' as const, text: 'Copy' },
      blocks: [section('Copy?')],
    };
    const opened = await web.views.open({ trigger_id: '1.2.abc', view });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      callback_id: 'copy_modal',
      private_metadata: 'req-1',
    });
    const id = opened.view!.id!;
    const updated = await web.views.update({
      view_id: id,
      hash: opened.view!.hash!,
      view: { ...view, blocks: [section('Sure?')] },
    });
    expect(updated.view?.id).toBe(id);
    expect(fake.view(id)?.blocks).toEqual([section('Sure?')]);
    expect(await slackError(web.views.update({ view_id: id, hash: opened.view!.hash!, view }))).toBe(
      'hash_conflict',
    );
    expect(await slackError(web.views.update({ view_id: 'VNOPE', view }))).toBe('not_found');
    expect(await slackError(web.views.open({ trigger_id: '', view }))).toBe('invalid_arguments');
  });

  it('publishes Home views per user: user_id and type home checked, 100 blocks at most, the last view kept', async () => {
    const web = client();
    const home = (text: string, n = 1) => ({
      type: 'home' as const,
      blocks: Array.from({ length: n }, () => section(text)),
    });
    const first = await web.views.publish({ user_id: 'U1', view: home('one') });
    expect(first.view).toMatchObject({ id: expect.stringMatching(/^V/), type: 'home' });
    await web.views.publish({ user_id: 'U1', view: home('two') });
    expect(fake.homeView('U1')?.blocks).toEqual([section('two')]);
    expect(fake.homeView('U1')?.id).toBe(first.view?.id);
    expect(fake.homeView('U2')).toBeUndefined();
    await expect(
      fake.waitForHomeView('U1', (v) => JSON.stringify(v.blocks).includes('two'), 100),
    ).resolves.toBeDefined();

    expect(await slackError(web.views.publish({ user_id: '', view: home('x') }))).toBe('invalid_arguments');
    expect(await slackError(web.views.publish({ user_id: 'C123', view: home('x') }))).toBe('user_not_found');
    expect(
      await slackError(
        web.views.publish({
          user_id: 'U1',
          view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [section('x')] } as never,
        }),
      ),
    ).toBe('invalid_arguments');
    expect(await slackError(web.views.publish({ user_id: 'U1', view: home('x', 101) }))).toBe(
      'invalid_arguments',
    );
    await web.views.publish({ user_id: 'U2', view: home('x', 100) });
    expect(fake.homeView('U1')?.blocks).toEqual([section('two')]);
  });

  it('answers usergroups.users.list, users.info and conversations.info from the directory', async () => {
    const web = client();
    fake.setUserGroup('S_APPROVERS', ['U1', 'U2']);
    fake.addUser({ id: 'U1', name: 'alice', realName: 'Alice A', email: 'alice@example.com' });
    fake.addChannel({ id: 'C_OPS', name: 'ops' });
    expect(await web.usergroups.users.list({ usergroup: 'S_APPROVERS' })).toMatchObject({
      ok: true,
      users: ['U1', 'U2'],
    });
    expect(await slackError(web.usergroups.users.list({ usergroup: 'S_NOPE' }))).toBe('no_such_subteam');
    expect((await web.users.info({ user: 'U1' })).user).toMatchObject({
      id: 'U1',
      name: 'alice',
      real_name: 'Alice A',
      profile: { email: 'alice@example.com' },
    });
    expect(await slackError(web.users.info({ user: 'U9' }))).toBe('user_not_found');
    expect((await web.conversations.info({ channel: 'C_OPS' })).channel).toMatchObject({
      id: 'C_OPS',
      name: 'ops',
    });
    expect(await slackError(web.conversations.info({ channel: 'C_NOPE' }))).toBe('channel_not_found');
    expect((await web.chat.postMessage({ channel: '#ops', text: 'by name' })).channel).toBe('C_OPS');
  });

  it('hands out the socket URL set by the test on apps.connections.open, for app tokens only', async () => {
    fake.setSocketUrl('ws://127.0.0.1:9/socket');
    expect(await client('xapp-1-A-1-abc').apps.connections.open()).toMatchObject({
      ok: true,
      url: 'ws://127.0.0.1:9/socket',
    });
    expect(await slackError(client('xoxb-test').apps.connections.open())).toBe('not_allowed_token_type');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After, and the real WebClient retries after it', async () => {
    fake.rateLimitNext('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    const web = client('xoxb-test', { retryConfig: { retries: 1, factor: 1, minTimeout: 0, maxTimeout: 0 } });
    const result = await web.chat.postMessage({ channel: 'C1', text: 'after the limit' });
    expect(result.ok).toBe(true);
    const calls = fake.calls('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0]?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(fake.messages('C1')).toHaveLength(1);
  });

  it('sends the Retry-After header and lets rejectRateLimitedCalls clients fail fast', async () => {
    fake.rateLimitNext('chat.update', { times: 2, retryAfterSeconds: 7 });
    const raw = await rawPost('/api/chat.update', 'channel=C1&ts=1.1&text=x', {
      authorization: 'Bearer xoxb-x',
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    const error = await client('xoxb-test', { rejectRateLimitedCalls: true })
      .chat.update({ channel: 'C1', ts: '1.1', text: 'x' })
      .catch((e: { code: string; retryAfter: number }) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(await slackError(client().chat.update({ channel: 'C1', ts: '1.1', text: 'x' }))).toBe(
      'message_not_found',
    );
  });
});

describe('response_url', () => {
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('records JSON posts per id and resolves waitForResponse for posts still to come', async () => {
    const url = fake.responseUrl('cmd-1', { channel: 'C1', userId: 'U1' });
    expect(url).toBe(`${fake.url}/response/cmd-1`);
    const waiting = fake.waitForResponse('cmd-1', { predicate: (r) => r.body.text === 'second' });
    expect((await post(url, { text: 'first' })).status).toBe(200);
    await post(url, { text: 'second', response_type: 'ephemeral' });
    const response = await waiting;
    expect(response).toMatchObject({ id: 'cmd-1', status: 200, body: { text: 'second' } });
    expect(fake.responses('cmd-1').map((r) => r.body.text)).toEqual(['first', 'second']);
    expect(fake.ephemerals('C1')).toMatchObject([
      { user: 'U1', text: 'first', source: 'response_url' },
      { user: 'U1', text: 'second' },
    ]);
  });

  it('generates unique ids and posts in_channel responses to channel history', async () => {
    const a = fake.responseUrl(undefined, { channel: 'C1' });
    const b = fake.responseUrl(undefined, { channel: 'C1' });
    expect(a).not.toBe(b);
    await post(a, { response_type: 'in_channel', text: 'for everyone' });
    expect(fake.messages('C1')).toMatchObject([{ text: 'for everyone', user: 'UBOT' }]);
  });

  it('replaces and deletes the original message of an interaction', async () => {
    const posted = await client().chat.postMessage({
      channel: 'C1',
      text: 'approve?',
      blocks: [section('approve?')],
    });
    const url = fake.responseUrl('act-1', { channel: 'C1', messageTs: posted.ts! });
    await post(url, { replace_original: true, text: 'approved by <@U2>' });
    expect(fake.message('C1', posted.ts!)).toMatchObject({ text: 'approved by <@U2>' });
    expect(fake.message('C1', posted.ts!)?.blocks).toBeUndefined();
    await post(url, { delete_original: true });
    expect(fake.message('C1', posted.ts!)).toBeUndefined();
  });

  it('marks an ephemeral replaced when a later post replaces it', async () => {
    const url = fake.responseUrl('eph', { channel: 'C1', userId: 'U1' });
    await post(url, { text: 'working…' });
    await post(url, { replace_original: true, text: 'done' });
    const [first, second] = fake.ephemerals('C1');
    expect(first).toMatchObject({ text: 'working…', replacedBy: second?.ts });
    expect(second).toMatchObject({ text: 'done' });
    expect(second?.replacedBy).toBeUndefined();
  });

  it('refuses empty bodies and more than five posts like Slack', async () => {
    const url = fake.responseUrl('lim');
    const empty = await post(url, {});
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ ok: false, error: 'no_text' });
    for (let i = 0; i < 4; i += 1) expect((await post(url, { text: `n${i}` })).status).toBe(200);
    const sixth = await post(url, { text: 'too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
  });
});

describe('waiting and listening', () => {
  it('waitForCall resolves for recorded and future calls and times out with what it saw', async () => {
    const web = client();
    await web.chat.postMessage({ channel: 'C1', text: 'early' });
    expect((await fake.waitForCall('chat.postMessage')).body.text).toBe('early');
    const later = fake.waitForCall('chat.update', (c) => c.body.text === 'final', 2000);
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    setTimeout(() => void web.chat.update({ channel: 'C1', ts: posted.ts!, text: 'final' }), 20);
    expect((await later).response).toMatchObject({ ok: true, text: 'final' });
    await expect(fake.waitForCall('views.open', undefined, 50)).rejects.toThrow(
      /no matching views.open call within 50 ms; calls seen: chat.postMessage, chat.postMessage, chat.update/,
    );
  });

  it('onCall listeners see every call until unsubscribed, and a throwing listener does not break the server', async () => {
    const seen: RecordedCall[] = [];
    const off = fake.onCall((call) => seen.push(call));
    const offBad = fake.onCall(() => {
      throw new Error('boom');
    });
    const web = client();
    await web.chat.postMessage({ channel: 'C1', text: 'a' });
    off();
    offBad();
    await web.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(seen.map((c) => c.body.text)).toEqual(['a']);
    expect(seen[0]?.response).toMatchObject({ ok: true });
  });

  it('reset forgets traffic and history but keeps the directory', async () => {
    fake.setUserGroup('S1', ['U1']);
    await client().chat.postMessage({ channel: 'C1', text: 'a' });
    fake.reset();
    expect(fake.calls()).toEqual([]);
    expect(fake.messages('C1')).toEqual([]);
    expect((await client().usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1']);
  });

  it('snapshot gives a page everything to render', async () => {
    await client().chat.postMessage({ channel: 'C9', text: 'hi' });
    const snapshot = fake.snapshot();
    expect(Object.keys(snapshot.channels)).toEqual(['C9']);
    expect(snapshot.channels.C9?.[0]).toMatchObject({ channel: 'C9', text: 'hi' });
  });
});

describe('lifecycle', () => {
  it('starts on a given host and closes, rejecting pending waits', async () => {
    const other = await FakeSlack.start({ botUserId: 'U_OTHER', teamId: 'T_OTHER' });
    expect((await client().auth.test()).user_id).toBe('UBOT');
    const web = new WebClient('xoxb-1', { slackApiUrl: other.apiUrl, retryConfig: { retries: 0 } });
    expect(await web.auth.test()).toMatchObject({ user_id: 'U_OTHER', team_id: 'T_OTHER' });
    const pending = other.waitForCall('chat.postMessage');
    await other.close();
    await expect(pending).rejects.toThrow('FakeSlack closed');
  });
});
