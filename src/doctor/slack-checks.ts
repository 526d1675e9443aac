import type { Config } from '../config.js';
import { compareScopes } from '../domain/slack-scopes.js';
import { redactSecrets } from '../secrets.js';
import { checkSlackAuth } from '../slack/auth-check.js';
import type { CheckRow } from './report.js';

/** Slack: the bot token works (`auth.test`) and holds every scope of the app manifest. */
export async function slackChecks(config: Config): Promise<CheckRow[]> {
  const auth = await checkSlackAuth(config.slack.botToken, { apiUrl: config.slack.apiUrl });
  if (!auth.ok) {
    return [
      {
        check: 'slack: auth.test',
        status: 'fail',
        detail: `${redactSecrets(auth.error)}: check SLACK_BOT_TOKEN (the Bot User OAuth Token under "OAuth & Permissions")`,
      },
    ];
  }
  const rows: CheckRow[] = [
    {
      check: 'slack: auth.test',
      status: 'ok',
      detail: `bot ${auth.user ?? '?'} (${auth.userId ?? '?'}) in ${auth.team ?? '?'}`,
    },
  ];
  if (config.slack.botUserId && auth.userId && config.slack.botUserId !== auth.userId) {
    rows.push({
      check: 'slack: SLACK_BOT_USER_ID',
      status: 'fail',
      detail: `is ${config.slack.botUserId} but the token belongs to ${auth.userId}: set SLACK_BOT_USER_ID=${auth.userId}`,
    });
  }
  if (!auth.scopes) {
    rows.push({
      check: 'slack: scopes',
      status: 'warn',
      detail: 'Slack sent no x-oauth-scopes header: the granted scopes could not be checked',
    });
    return rows;
  }
  const cmp = compareScopes(auth.scopes);
  const extra = cmp.extra.length > 0 ? ` (also granted: ${cmp.extra.join(', ')})` : '';
  if (cmp.missing.length > 0) {
    rows.push({
      check: 'slack: scopes',
      status: 'fail',
      detail: `missing ${cmp.missing.map((s) => `${s.scope} (${s.use})`).join(', ')}: add them under "OAuth & Permissions" (or from slack-app-manifest.yaml) and reinstall the app`,
    });
  } else if (cmp.missingOptional.length > 0) {
    rows.push({
      check: 'slack: scopes',
      status: 'warn',
      detail: `missing optional ${cmp.missingOptional.map((s) => `${s.scope}: ${s.optional}`).join('; ')}${extra}`,
    });
  } else {
    rows.push({ check: 'slack: scopes', status: 'ok', detail: `all manifest scopes granted${extra}` });
  }
  return rows;
}
