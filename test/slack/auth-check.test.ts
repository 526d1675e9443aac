import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { checkSlackAuth } from '../../src/slack/auth-check.js';

let slack: FakeSlack;
beforeAll(async () => {
  slack = await FakeSlack.start({ scopes: ['commands', 'chat:write'] });
});
afterAll(async () => {
  await slack.close();
});

describe('checkSlackAuth (auth.test over HTTP)', () => {
  it('reads the granted scopes from the x-oauth-scopes header', async () => {
    const auth = await checkSlackAuth('xoxb-test', { apiUrl: slack.apiUrl });
    expect(auth).toMatchObject({ ok: true, userId: slack.botUserId, scopes: ['commands', 'chat:write'] });
    slack.setScopes(['usergroups:read']);
    expect(await checkSlackAuth('xoxb-test', { apiUrl: slack.apiUrl })).toMatchObject({
      scopes: ['usergroups:read'],
    });
  });

  it("answers Slack's error for a bad token, without throwing", async () => {
    expect(await checkSlackAuth('not-a-token', { apiUrl: slack.apiUrl })).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
  });

  it('answers a connection error when Slack cannot be reached', async () => {
    const auth = await checkSlackAuth('xoxb-test', { apiUrl: 'http://127.0.0.1:1/api/', timeoutMs: 2_000 });
    expect(auth.ok).toBe(false);
  });
});
