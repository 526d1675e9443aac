import { describe, expect, it } from 'vitest';
import { type JobName, parsePayload } from '../../src/jobs/catalog.js';

// The payload ids take their formats from domain/ids.ts; these cases pin what each job accepts.
describe.each<[JobName, Record<string, unknown>[], Record<string, unknown>[]]>([
  [
    'request-execute',
    [{ requestId: 'req-k3j9x0a2b1' }, { requestId: `req-${'a'.repeat(32)}` }],
    [{ requestId: 'req-abc' }, { requestId: 'REQ-K3J9X0A2B1' }, { requestId: 'scan-k3j9x0a2b1' }, {}],
  ],
  [
    'copy-region',
    [
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1' },
      { requestId: 'req-k3j9x0a2b1', region: 'us-gov-west-1', step: 'copying' },
      {
        requestId: 'req-k3j9x0a2b1',
        region: 'eu-west-1',
        step: 'permissions',
        imageId: 'ami-0abc1234def567890',
      },
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1', step: 'done', imageId: 'ami-1234abcd' },
    ],
    [
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west' },
      { requestId: 'req-k3j9x0a2b1', region: 'EU-WEST-1' },
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1', imageId: 'snap-0abc1234def567890' },
      // An AMI id has 8 or 17 hex digits: the lengths between (once accepted here) are malformed.
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1', imageId: 'ami-1234abcd0' },
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1', imageId: 'ami-0abc1234def5678' },
      { requestId: 'req-k3j9x0a2b1', region: 'eu-west-1', imageId: 'ami-0abc1234def5678901' },
    ],
  ],
  ['scan-image', [{ scanId: 'scan-k3j9x0a2b1' }], [{ scanId: 'scan-abc' }, { scanId: 'req-k3j9x0a2b1' }]],
  [
    'reminder-post',
    [
      { kind: 'reminder', id: 'rem-0123456789abcdef' },
      { kind: 'notice', id: 'rem-zzzzzzzzzzzzzzzz', slotAt: 0 },
      { kind: 'finding', id: 'rem-0123456789abcdef' },
    ],
    [
      { kind: 'reminder', id: 'rem-0123456789abcde' },
      { kind: 'reminder', id: 'rem-0123456789abcdef0' },
      { kind: 'reminder', id: 'req-0123456789abcdef' },
      { kind: 'findings', id: 'rem-0123456789abcdef' },
    ],
  ],
  ['revoke-sharing', [{ requestId: 'req-k3j9x0a2b1' }], [{ requestId: 'acc-k3j9x0a2b1' }, {}]],
  ['waiver-apply', [{ requestId: 'req-k3j9x0a2b1' }], [{ requestId: 'req-k3j9x0a2b1', until: 'x' }]],
  ['scan-rescan', [{}], [{ account: 'prod' }]],
  // A user id is part of the job id and of a Redis key: nothing else gets through.
  [
    'home-refresh',
    [{ userId: 'U0123ABCD' }, { userId: 'W0BOSS' }],
    [
      { userId: 'u0123' },
      { userId: 'U1:x' },
      { userId: 'U1 U2' },
      { userId: '' },
      { userId: 'U1', extra: 1 },
      {},
    ],
  ],
])('%s payloads', (name, good, bad) => {
  it.each(good)('accepts %j', (payload) => {
    expect(parsePayload(name, payload)).toEqual(payload);
  });
  it.each(bad)('refuses %j', (payload) => {
    expect(() => parsePayload(name, payload)).toThrow(`invalid payload for job ${name}`);
  });
});
