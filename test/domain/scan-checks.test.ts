import { describe, expect, it } from 'vitest';
import type { AmiImage } from '../../src/domain/image.js';
import { type BuiltInCheckInput, isTrustedOwner, runBuiltInChecks } from '../../src/domain/scan-checks.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const OWN = '111111111111';
const CANONICAL = '099720109477';

/** A clean, owned image: no built-in check finds anything. */
function cleanImage(overrides: Partial<AmiImage> = {}): AmiImage {
  return {
    imageId: 'ami-0123456789abcdef0',
    region: 'us-east-1',
    name: 'golden-base-2026-11',
    ownerId: OWN,
    state: 'available',
    creationDate: '2026-11-01T00:00:00.000Z',
    architecture: 'x86_64',
    enaSupport: true,
    imdsSupport: 'v2.0',
    public: false,
    blockDevices: [
      { deviceName: '/dev/xvda', snapshotId: 'snap-00000000000000001', volumeSizeGiB: 8, encrypted: true },
    ],
    tags: { Team: 'platform' },
    ...overrides,
  };
}

function input(overrides: Partial<BuiltInCheckInput> = {}): BuiltInCheckInput {
  return {
    image: cleanImage(),
    launchPermissions: { public: false, accounts: [], organizations: [], organizationalUnits: [] },
    snapshots: [{ snapshotId: 'snap-00000000000000001', encrypted: true, public: false }],
    trustedOwners: ['self', CANONICAL],
    ownAccountId: OWN,
    now: NOW,
    policy: { maxAgeDays: 180, requiredTags: ['Team'], expiryTagKey: 'ExpirationDate' },
    ...overrides,
  };
}

const ids = (i: BuiltInCheckInput) => runBuiltInChecks(i).map((f) => `${f.id}:${f.severity}`);

describe('runBuiltInChecks', () => {
  it('finds nothing on a clean owned image', () => {
    expect(runBuiltInChecks(input())).toEqual([]);
  });

  const present: Array<[string, Partial<BuiltInCheckInput>, string]> = [
    [
      'public own image (image flag)',
      { image: cleanImage({ public: true }) },
      'public-launch-permission:critical',
    ],
    [
      'public own image (launch permission)',
      { launchPermissions: { public: true, accounts: [], organizations: [], organizationalUnits: [] } },
      'public-launch-permission:critical',
    ],
    [
      'public foreign image is only info',
      {
        image: cleanImage({ public: true, ownerId: CANONICAL }),
        launchPermissions: undefined,
      },
      'public-launch-permission:info',
    ],
    [
      'public snapshot',
      { snapshots: [{ snapshotId: 'snap-00000000000000001', encrypted: true, public: true }] },
      'public-snapshot:critical',
    ],
    [
      'unencrypted snapshot',
      { snapshots: [{ snapshotId: 'snap-00000000000000001', encrypted: false, public: false }] },
      'unencrypted-snapshot:high',
    ],
    ['untrusted owner', { image: cleanImage({ ownerId: '999999999999' }) }, 'untrusted-owner:high'],
    ['untrusted when self is not trusted', { trustedOwners: [CANONICAL] }, 'untrusted-owner:high'],
    [
      'older than maxAgeDays',
      { image: cleanImage({ creationDate: '2026-05-01T00:00:00Z' }) },
      'too-old:medium',
    ],
    [
      'older than a custom maxAgeDays',
      { policy: { maxAgeDays: 10, requiredTags: ['Team'], expiryTagKey: 'ExpirationDate' } },
      'too-old:medium',
    ],
    ['deprecated', { image: cleanImage({ deprecationTime: '2026-11-20T00:00:00Z' }) }, 'deprecated:medium'],
    [
      'past its expiry tag',
      { image: cleanImage({ tags: { Team: 'platform', ExpirationDate: '2026-11-01' } }) },
      'expired:high',
    ],
    [
      'expiry tag read case-insensitively',
      { image: cleanImage({ tags: { Team: 'platform', expirationdate: '2026-11-26' } }) },
      'expired:high',
    ],
    [
      'malformed expiry tag',
      { image: cleanImage({ tags: { Team: 'platform', ExpirationDate: 'next year' } }) },
      'malformed-expiry-tag:low',
    ],
    ['missing required tag', { image: cleanImage({ tags: {} }) }, 'missing-tag:Team:low'],
    ['empty required tag', { image: cleanImage({ tags: { Team: ' ' } }) }, 'missing-tag:Team:low'],
    ['IMDSv2 not required', { image: cleanImage({ imdsSupport: undefined }) }, 'imdsv2-not-required:medium'],
    ['no ENA', { image: cleanImage({ enaSupport: false }) }, 'no-ena:low'],
    ['ENA unknown', { image: cleanImage({ enaSupport: undefined }) }, 'no-ena:low'],
  ];
  it.each(present)('reports: %s', (_label, overrides, expected) => {
    expect(ids(input(overrides))).toEqual([expected]);
  });

  const absent: Array<[string, Partial<BuiltInCheckInput>, string]> = [
    ['private image', {}, 'public-launch-permission'],
    [
      'snapshot public status unknown',
      { snapshots: [{ snapshotId: 'snap-1', encrypted: true }] },
      'public-snapshot',
    ],
    ['no snapshots (instance store)', { snapshots: [] }, 'unencrypted-snapshot'],
    [
      'foreign owner that is trusted by id',
      { image: cleanImage({ ownerId: CANONICAL }), launchPermissions: undefined },
      'untrusted-owner',
    ],
    [
      'foreign owner trusted by alias',
      {
        image: cleanImage({ ownerId: '137112412989', ownerAlias: 'amazon' }),
        trustedOwners: ['amazon'],
      },
      'untrusted-owner',
    ],
    ['exactly maxAgeDays old', { image: cleanImage({ creationDate: '2026-05-30T12:00:00Z' }) }, 'too-old'],
    ['unknown creation date', { image: cleanImage({ creationDate: undefined }) }, 'too-old'],
    [
      'deprecation in the future',
      { image: cleanImage({ deprecationTime: '2027-01-01T00:00:00Z' }) },
      'deprecated',
    ],
    [
      'expiry in the future',
      { image: cleanImage({ tags: { Team: 'platform', ExpirationDate: '2026-11-27' } }) },
      'expired',
    ],
    ['no expiry tag', {}, 'malformed-expiry-tag'],
    [
      'no required tags configured',
      {
        image: cleanImage({ tags: {} }),
        policy: { maxAgeDays: 180, requiredTags: [], expiryTagKey: 'ExpirationDate' },
      },
      'missing-tag:Team',
    ],
    ['IMDSv2 required', {}, 'imdsv2-not-required'],
    ['ENA enabled', {}, 'no-ena'],
  ];
  it.each(absent)('does not report when: %s', (_label, overrides, id) => {
    expect(runBuiltInChecks(input(overrides)).map((f) => f.id)).not.toContain(id);
  });

  it('lists every unencrypted and public snapshot in one finding each', () => {
    const findings = runBuiltInChecks(
      input({
        snapshots: [
          { snapshotId: 'snap-a', encrypted: false, public: true },
          { snapshotId: 'snap-b', encrypted: false, public: true },
          { snapshotId: 'snap-c', encrypted: true, public: false },
        ],
      }),
    );
    const pub = findings.find((f) => f.id === 'public-snapshot');
    const unenc = findings.find((f) => f.id === 'unencrypted-snapshot');
    expect(pub?.title).toBe('2 snapshots are public');
    expect(pub?.detail).toContain('`snap-a`, `snap-b`');
    expect(unenc?.detail).not.toContain('snap-c');
  });

  it('reports one finding per missing required tag, most severe findings first', () => {
    const findings = runBuiltInChecks(
      input({
        image: cleanImage({ tags: {}, public: true, enaSupport: false }),
        policy: { maxAgeDays: 180, requiredTags: ['Team', 'CostCenter'], expiryTagKey: 'ExpirationDate' },
      }),
    );
    expect(findings.map((f) => f.id)).toEqual([
      'public-launch-permission',
      'missing-tag:CostCenter',
      'missing-tag:Team',
      'no-ena',
    ]);
    for (const f of findings) {
      expect(f.title.length).toBeGreaterThan(0);
      expect(f.remediation.length).toBeGreaterThan(0);
    }
  });

  it('treats an image as foreign when the own account id is unknown', () => {
    const findings = runBuiltInChecks(
      input({ image: cleanImage({ public: true }), ownAccountId: undefined }),
    );
    expect(findings.find((f) => f.id === 'public-launch-permission')?.severity).toBe('info');
    expect(findings.map((f) => f.id)).toContain('untrusted-owner');
  });
});

describe('isTrustedOwner', () => {
  it.each([
    [{ ownerId: CANONICAL }, [CANONICAL], OWN, true],
    [{ ownerId: OWN }, ['self'], OWN, true],
    [{ ownerId: OWN }, ['self'], undefined, false],
    [{ ownerId: '137112412989', ownerAlias: 'amazon' }, ['amazon'], OWN, true],
    [{ ownerId: '999999999999' }, ['self', CANONICAL], OWN, false],
  ])('%j trusted by %j (own %s) → %s', (image, trusted, own, expected) => {
    expect(isTrustedOwner(image, trusted, own)).toBe(expected);
  });
});
