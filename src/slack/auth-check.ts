import { LogLevel, WebClient } from '@slack/web-api';

/** What `auth.test` says about the bot token. */
export type SlackAuthCheck =
  | {
      ok: true;
      team?: string;
      user?: string;
      userId?: string;
      /** The token's scopes from the `x-oauth-scopes` header (undefined when Slack sent none). */
      scopes?: string[];
    }
  | { ok: false; error: string };

/**
 * Calls `auth.test` once with the bot token (no retries: a doctor run should answer quickly) and
 * reads the granted scopes Slack puts in the `x-oauth-scopes` header of every Web API answer.
 */
export async function checkSlackAuth(
  token: string,
  opts: { apiUrl?: string; timeoutMs?: number } = {},
): Promise<SlackAuthCheck> {
  const client = new WebClient(token, {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
    logger: {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {},
      setLevel: () => {},
      getLevel: () => LogLevel.ERROR,
      setName: () => {},
    },
  });
  try {
    const res = await client.auth.test();
    const scopes = res.response_metadata?.scopes;
    return {
      ok: true,
      team: res.team,
      user: res.user,
      userId: res.user_id,
      ...(scopes ? { scopes } : {}),
    };
  } catch (err) {
    const e = err as { data?: { error?: string }; code?: string; message?: string };
    return { ok: false, error: e.data?.error ?? e.code ?? e.message ?? String(err) };
  }
}
