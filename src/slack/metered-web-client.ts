import { WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
import { boundedLabel, slackCalls, slackRateLimited, slackRateLimitWait } from '../metrics.js';

/**
 * The Slack Web API client, counting its calls (`amibot_slack_api_calls_total` by method and
 * outcome: `ok`, or Slack's error string, or the client's error code for transport failures) and
 * the rate-limit waits Slack asks for (`amibot_slack_rate_limited_total`,
 * `amibot_slack_rate_limit_wait_seconds_total`). Every method (`chat.postMessage`…) goes through
 * `apiCall`, which the client binds at construction, so overriding it covers them all.
 */
export class MeteredWebClient extends WebClient {
  constructor(token?: string, options?: WebClientOptions) {
    super(token, options);
    this.on(WebClientEvent.RATE_LIMITED, (retrySec: number, info?: { url?: unknown }) => {
      const url = typeof info?.url === 'string' ? info.url : '';
      slackRateLimited.labels(boundedLabel(url.slice(url.lastIndexOf('/') + 1))).inc();
      if (Number.isFinite(retrySec) && retrySec > 0) slackRateLimitWait.inc(retrySec);
    });
  }

  override async apiCall(method: string, options?: Record<string, unknown>) {
    try {
      const result = await super.apiCall(method, options);
      slackCalls.labels(method, 'ok').inc();
      return result;
    } catch (err) {
      slackCalls.labels(method, slackOutcome(err)).inc();
      throw err;
    }
  }
}

/** Slack's own error (`channel_not_found`, `ratelimited`…), else the client's code (`slack_webapi_request_error`…). */
function slackOutcome(err: unknown): string {
  const e = err as { data?: { error?: unknown }; code?: unknown } | null;
  return boundedLabel(e?.data?.error ?? e?.code, 'error');
}
