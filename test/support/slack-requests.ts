/**
 * Builders and signer for the HTTP requests Slack sends to the app. They live in
 * `src/sandbox/slack-payloads.ts` (the local sandbox sends the same requests); re-exported here so
 * tests keep importing them from `test/support`.
 */
export * from '../../src/sandbox/slack-payloads.js';
