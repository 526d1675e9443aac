import { describe, expect, it } from 'vitest';
import {
  channelMention,
  describeOperation,
  describeRegions,
  describeTargets,
  formatSpan,
  grantLines,
  relativeTime,
  stateLabel,
  userMention,
} from '../../src/domain/describe-request.js';
import { type OperationParams, REQUEST_STATES } from '../../src/domain/request.js';
import { aRequest, NOW } from './request-fixtures.js';

const ORG = 'arn:aws:organizations::123456789012:organization/o-abc123def4';
const OU = 'arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456';
const IMG = '`ami-0abc1234def567890` (*team-base-2026-11*)';

describe('describeOperation', () => {
  describe.each<[string, OperationParams, string]>([
    [
      'share with an account and an org',
      {
        kind: 'share',
        targets: [
          { kind: 'account', accountId: '222222222222' },
          { kind: 'organization', arn: ORG },
        ],
      },
      `Share ${IMG} with account \`222222222222\` and organization \`o-abc123def4\``,
    ],
    [
      'share with accounts, an OU and everyone',
      {
        kind: 'share',
        targets: [
          { kind: 'account', accountId: '111111111111' },
          { kind: 'account', accountId: '222222222222' },
          { kind: 'ou', arn: OU },
          { kind: 'public' },
        ],
      },
      `Share ${IMG} with accounts \`111111111111\` and \`222222222222\`, OU \`ou-ab12-cdef3456\` and *everyone* (public)`,
    ],
    [
      'unshare some',
      { kind: 'unshare', targets: [{ kind: 'account', accountId: '222222222222' }] },
      `Stop sharing ${IMG} with account \`222222222222\``,
    ],
    [
      'unshare all',
      { kind: 'unshare', targets: 'all' },
      `Remove every launch permission of ${IMG}, public included`,
    ],
    [
      'deprecate',
      { kind: 'deprecate', deprecateAt: '2026-12-31T00:00:00.000Z' },
      `Deprecate ${IMG} at 2026-12-31 00:00 UTC`,
    ],
    ['undeprecate', { kind: 'undeprecate' }, `Cancel the deprecation of ${IMG}`],
    ['disable', { kind: 'disable' }, `Disable ${IMG} (nobody can launch it until it is enabled again)`],
    ['enable', { kind: 'enable' }, `Re-enable ${IMG}`],
    [
      'expire',
      { kind: 'expire', expiresAt: '2027-01-31T00:00:00Z', tagKey: 'ExpirationDate' },
      `Set expiry tag \`ExpirationDate\` of ${IMG} to 2027-01-31`,
    ],
    [
      'deregister',
      { kind: 'deregister', keepSnapshots: false, force: false },
      `Deregister ${IMG} and delete its snapshots`,
    ],
    [
      'deregister, keep snapshots, force',
      { kind: 'deregister', keepSnapshots: true, force: true },
      `Deregister ${IMG} and keep its snapshots (even if instances still use it)`,
    ],
    [
      'copy, encrypted with a key',
      {
        kind: 'copy',
        toRegions: ['eu-west-1', 'eu-central-1'],
        encrypt: true,
        kmsKeyId: 'alias/ami',
        withPermissions: false,
      },
      `Copy ${IMG} from \`us-east-1\` to \`eu-west-1\` and \`eu-central-1\`, encrypted with \`alias/ami\``,
    ],
    [
      'copy, plain, renamed, with permissions',
      { kind: 'copy', toRegions: ['eu-west-1'], encrypt: false, newName: 'web base', withPermissions: true },
      `Copy ${IMG} from \`us-east-1\` to \`eu-west-1\`, named *web base*, with its launch permissions`,
    ],
    [
      'copy, default key',
      { kind: 'copy', toRegions: ['eu-west-1'], encrypt: true, withPermissions: false },
      `Copy ${IMG} from \`us-east-1\` to \`eu-west-1\`, encrypted with the default EBS key`,
    ],
    [
      'encrypt in place',
      { kind: 'encrypt', replace: true, kmsKeyId: 'alias/ami' },
      `Encrypt ${IMG} in \`us-east-1\` in place of the original, encrypted with \`alias/ami\`, with the original’s launch permissions (the unencrypted original is deregistered after, unless something still uses it)`,
    ],
    [
      'encrypt as a copy',
      { kind: 'encrypt', replace: false },
      `Make an encrypted copy of ${IMG} in \`us-east-1\`, encrypted with the default EBS key`,
    ],
  ])('%s', (_name, params, expected) => {
    it('reads as one sentence', () => {
      expect(describeOperation(aRequest({ params, kind: params.kind }))).toBe(expected);
    });
  });

  it('counts snapshots when told', () => {
    const r = aRequest({
      params: { kind: 'deregister', keepSnapshots: false, force: false },
      kind: 'deregister',
    });
    expect(describeOperation(r, { snapshotCount: 2 })).toContain('delete its 2 snapshots');
    expect(describeOperation(r, { snapshotCount: 1 })).toContain('delete its 1 snapshot');
  });

  it('leaves out an empty image name', () => {
    const r = aRequest({
      image: { name: '', sizeGiB: 8, monthlyCostUsd: 0.4, encrypted: false, public: false },
    });
    expect(describeOperation(r)).toBe('Share `ami-0abc1234def567890` with account `222222222222`');
  });

  it('escapes and bounds hostile names and lists', () => {
    const r = aRequest({
      image: {
        name: '<!channel> *x* `y` & '.repeat(50),
        sizeGiB: 8,
        monthlyCostUsd: 0.4,
        encrypted: false,
        public: false,
      },
      params: {
        kind: 'share',
        targets: Array.from({ length: 200 }, (_, i) => ({
          kind: 'account' as const,
          accountId: String(i).padStart(12, '0'),
        })),
      },
    });
    const s = describeOperation(r);
    expect(s).not.toContain('<!channel>');
    expect(s).toContain('&lt;!channel&gt;');
    expect(s).toContain('and 190 more');
    expect(s.length).toBeLessThan(1000);
  });
});

describe('describeTargets / describeRegions', () => {
  it('says nobody for an empty list', () => {
    expect(describeTargets([])).toBe('nobody');
  });
  it('shows copies as from → to', () => {
    const r = aRequest({
      params: {
        kind: 'copy',
        toRegions: ['eu-west-1', 'ap-south-1'],
        encrypt: false,
        withPermissions: false,
      },
    });
    expect(describeRegions(r)).toBe('`us-east-1` → `eu-west-1` and `ap-south-1`');
    expect(describeRegions(aRequest())).toBe('`us-east-1`');
  });
});

describe('stateLabel', () => {
  it.each([
    ['pending', '⏳ pending'],
    ['succeeded', '✅ succeeded'],
    ['failed', '❌ failed'],
    ['rejected', '🚫 rejected'],
    ['expired', '⌛ expired'],
    ['cancelled', '🛑 cancelled'],
    ['running', '🏃 running'],
    ['queued', '📥 queued'],
    ['approved', '👍 approved'],
  ] as const)('%s → %s', (state, label) => {
    expect(stateLabel(state)).toBe(label);
  });
  it('covers every state', () => {
    for (const s of REQUEST_STATES) expect(stateLabel(s)).not.toContain('❔');
  });
});

describe('mentions and times', () => {
  it.each([
    ['U012ABCDEF', '<@U012ABCDEF>'],
    ['W012ABCDEF', '<@W012ABCDEF>'],
    ['S012ABCDEF', '<!subteam^S012ABCDEF>'],
    ['*', 'everyone'],
    ['<!here>', '&lt;!here&gt;'],
  ])('userMention(%s) = %s', (id, out) => {
    expect(userMention(id)).toBe(out);
  });
  it('channelMention', () => {
    expect(channelMention('C0123ABCD')).toBe('<#C0123ABCD>');
    expect(channelMention('#general>')).toBe('#general&gt;');
  });
  it.each([
    [30_000, 'less than a minute'],
    [12 * 60_000, '12 min'],
    [23 * 3_600_000 + 59 * 60_000, '23 h'],
    [47 * 3_600_000, '47 h'],
    [3 * 86_400_000, '3 days'],
  ])('formatSpan(%d) = %s', (ms, out) => {
    expect(formatSpan(ms)).toBe(out);
  });
  it('relativeTime', () => {
    expect(relativeTime(NOW.toISOString(), NOW)).toBe('just now');
    expect(relativeTime('2026-11-21T09:00:00Z', NOW)).toBe('3 h ago');
    expect(relativeTime('2026-11-22T11:00:00Z', NOW)).toBe('in 23 h');
    expect(relativeTime('nope', NOW)).toBe('at an unknown time');
  });
});

describe('grantLines', () => {
  const perms = (
    p: Partial<{
      public: boolean;
      accounts: string[];
      organizations: string[];
      organizationalUnits: string[];
    }>,
  ) => ({
    public: false,
    accounts: [],
    organizations: [],
    organizationalUnits: [],
    ...p,
  });

  it('lists every share target, however many', () => {
    const accounts = Array.from({ length: 25 }, (_, i) => String(100000000000 + i));
    const lines = grantLines({
      params: {
        kind: 'share',
        targets: [
          ...accounts.map((accountId) => ({ kind: 'account' as const, accountId })),
          { kind: 'ou', arn: OU },
          { kind: 'public' },
        ],
      },
    });
    expect(lines).toHaveLength(27);
    expect(lines?.[24]).toBe('account `100000000024`');
    expect(lines?.[25]).toBe('OU `ou-ab12-cdef3456`');
    expect(lines?.[26]).toMatch(/^\*everyone\* \(public\)/);
  });

  it('copy --with-permissions and encrypt --replace: what was read when filed, public kept back when dropped', () => {
    const grants = {
      permissions: perms({ accounts: ['222222222222'], organizations: [ORG] }),
      publicDropped: true,
    };
    for (const params of [
      { kind: 'copy', toRegions: ['eu-west-1'], encrypt: false, withPermissions: true, grants },
      { kind: 'encrypt', replace: true, grants },
    ] as OperationParams[]) {
      expect(grantLines({ params })).toEqual([
        'account `222222222222`',
        'organization `o-abc123def4`',
        '~everyone (public)~ not granted: public sharing is off for this account',
      ]);
    }
    expect(
      grantLines({
        params: { kind: 'encrypt', replace: true, grants: { permissions: perms({}), publicDropped: false } },
      }),
    ).toEqual(['none: the source image is shared with nobody']);
  });

  it('nothing for requests that grant nothing', () => {
    expect(
      grantLines({
        params: { kind: 'copy', toRegions: ['eu-west-1'], encrypt: false, withPermissions: false },
      }),
    ).toBeUndefined();
    expect(grantLines({ params: { kind: 'encrypt', replace: false } })).toBeUndefined();
    expect(grantLines({ params: { kind: 'unshare', targets: 'all' } })).toBeUndefined();
  });
});
