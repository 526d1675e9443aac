/**
 * Builders and signer for the HTTP requests Slack sends to the app. They live in
 * `dev/fake-slack/slack-payloads.ts` (the local sandbox sends the same requests); re-exported here so
 * tests keep importing them from `test/support`.
 */
export * from '../../dev/fake-slack/slack-payloads.js';
