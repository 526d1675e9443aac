// The floor `bench/memory.ts` compares amibot's web role with: a bare Bolt app, nothing else.
// Plain JavaScript on plain node. Environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, PORT,
// SLACK_API_URL (the fake Slack, so the token check on the first request stays local).
import { App } from '@slack/bolt';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  clientOptions: process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : undefined,
});
app.command('/ami', async ({ ack }) => {
  await ack();
});
const server = await app.start(Number(process.env.PORT ?? 0));
console.log(`bare bolt listening on :${server.address().port}`);
process.on('SIGTERM', () => process.exit(0));
