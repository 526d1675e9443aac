import { describe, expect, it } from 'vitest';
import { accountRoot, grantName, keyPolicyAllows, keyPolicyMentionsOrg } from '../../src/domain/golden.js';
import { diagnoseLaunch, type LaunchFacts, type SnapshotFacts } from '../../src/domain/golden-why.js';
import type { AmiImage } from '../../src/domain/image.js';

const OWN = '111111111111';
const OTHER = '222222222222';
const AMI = 'ami-0abc1234def567890';
const KEY = `arn:aws:kms:us-east-1:${OWN}:key/11111111-2222-3333-4444-555555555555`;
const DEFAULT_POLICY = JSON.stringify({
  Statement: [{ Effect: 'Allow', Principal: { AWS: accountRoot(OWN) }, Action: 'kms:*', Resource: '*' }],
});

function image(extra: Partial<AmiImage> = {}): AmiImage {
  return {
    imageId: AMI,
    region: 'us-east-1',
    name: 'web',
    ownerId: OWN,
    state: 'available',
    architecture: 'arm64',
    bootMode: 'uefi',
    enaSupport: true,
    public: false,
    blockDevices: [
      { deviceName: '/dev/xvda', snapshotId: 'snap-0123456789abcdef0', encrypted: true, kmsKeyId: KEY },
    ],
    tags: {},
    ...extra,
  };
}

function snapshot(
  extra: Partial<SnapshotFacts['key']> = {},
  key: Record<string, unknown> = {},
): SnapshotFacts {
  return {
    snapshotId: 'snap-0123456789abcdef0',
    encrypted: true,
    key: {
      keyId: KEY,
      key: {
        ok: true,
        value: {
          arn: KEY,
          manager: 'CUSTOMER',
          enabled: true,
          state: 'Enabled',
          ownerAccountId: OWN,
          ...key,
        },
      },
      policy: { ok: true, value: DEFAULT_POLICY },
      grants: { ok: true, value: [] },
      ...extra,
    },
  };
}

function facts(extra: Partial<LaunchFacts> = {}): LaunchFacts {
  return {
    account: 'default',
    ownerAccountId: OWN,
    region: 'us-east-1',
    imageId: AMI,
    forAccount: OTHER,
    now: new Date('2026-11-28T00:00:00Z'),
    image: { ok: true, value: image() },
    permissions: {
      ok: true,
      value: { public: false, accounts: [OTHER], organizations: [], organizationalUnits: [] },
    },
    snapshots: {
      ok: true,
      value: [
        snapshot({
          grants: {
            ok: true,
            value: [
              {
                grantId: 'g',
                name: grantName(OTHER),
                granteePrincipal: accountRoot(OTHER),
                operations: ['Decrypt', 'CreateGrant', 'DescribeKey'],
              },
            ],
          },
        }),
      ],
    },
    ...extra,
  };
}

const fails = (f: LaunchFacts) => diagnoseLaunch(f).filter((c) => c.mark === 'fail');
const marks = (f: LaunchFacts) => Object.fromEntries(diagnoseLaunch(f).map((c) => [c.id, c.mark]));

describe('diagnoseLaunch', () => {
  it('all clear: every check ✅ and hints on architecture, boot mode and ENA', () => {
    const checks = diagnoseLaunch(facts());
    expect(checks.filter((c) => c.mark === 'fail' || c.mark === 'unknown')).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual([
      'exists',
      'state',
      'permission',
      'snapshot:snap-0123456789abcdef0',
      'arch',
      'boot',
      'ena',
    ]);
    expect(checks.find((c) => c.id === 'arch')?.detail).toContain('Graviton');
  });

  it('❌ not in the region, with where it exists and a copy button', () => {
    const f = facts({
      image: { ok: true, value: undefined },
      elsewhere: [{ region: 'eu-west-1', imageId: AMI, copy: false }],
    });
    const [c] = fails(f);
    expect(c?.id).toBe('exists');
    expect(c?.detail).toContain('eu-west-1');
    expect(c?.action).toEqual({
      kind: 'copy',
      account: 'default',
      fromRegion: 'eu-west-1',
      imageId: AMI,
      toRegion: 'us-east-1',
    });
  });

  it('❌ deregistered', () => {
    expect(
      fails(facts({ image: { ok: true, value: image({ state: 'deregistered' }) }, elsewhere: [] }))[0]?.title,
    ).toContain('deregistered');
  });

  it('❌ disabled, with an enable button', () => {
    const [c] = fails(facts({ image: { ok: true, value: image({ state: 'disabled' }) } }));
    expect(c?.id).toBe('state');
    expect(c?.action?.kind).toBe('enable');
  });

  it('❌ failed or pending state', () => {
    expect(fails(facts({ image: { ok: true, value: image({ state: 'failed' }) } }))[0]?.title).toContain(
      'failed',
    );
  });

  it('✅ deprecated still launches by id', () => {
    const m = marks(
      facts({ image: { ok: true, value: image({ deprecationTime: '2026-01-01T00:00:00Z' }) } }),
    );
    expect(m['state']).toBe('ok');
  });

  it('❌ not shared with the account, with a share button; block public access mentioned', () => {
    const f = facts({
      permissions: {
        ok: true,
        value: { public: false, accounts: [], organizations: [], organizationalUnits: [] },
      },
      blockPublicAccess: { ok: true, value: 'block-new-sharing' },
    });
    const [c] = fails(f);
    expect(c?.id).toBe('permission');
    expect(c?.detail).toContain('Block public access');
    expect(c?.action).toEqual({
      kind: 'share',
      account: 'default',
      region: 'us-east-1',
      imageId: AMI,
      targetAccount: OTHER,
    });
  });

  it('❔ shared with an organization amibot cannot check membership of; ✅ public', () => {
    const org = facts({
      permissions: {
        ok: true,
        value: {
          public: false,
          accounts: [],
          organizations: ['arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5'],
          organizationalUnits: [],
        },
      },
    });
    expect(marks(org)['permission']).toBe('unknown');
    const pub = facts({
      permissions: {
        ok: true,
        value: { public: true, accounts: [], organizations: [], organizationalUnits: [] },
      },
      blockPublicAccess: { ok: true, value: 'unblocked' },
    });
    expect(marks(pub)['permission']).toBe('ok');
  });

  it('❔ when a lookup fails, never ✅', () => {
    expect(marks(facts({ permissions: { ok: false, error: 'AWS is busy' } }))['permission']).toBe('unknown');
    expect(marks(facts({ image: { ok: false, error: 'denied' } }))['exists']).toBe('unknown');
    expect(marks(facts({ snapshots: { ok: false, error: 'denied' } }))['snapshots']).toBe('unknown');
    const noPolicy = facts({
      snapshots: { ok: true, value: [snapshot({ policy: { ok: false, error: 'kms:GetKeyPolicy denied' } })] },
    });
    expect(marks(noPolicy)['snapshot:snap-0123456789abcdef0']).toBe('unknown');
  });

  it('❌ snapshot on the AWS-managed key, with the copy fix', () => {
    const f = facts({ snapshots: { ok: true, value: [snapshot({}, { manager: 'AWS' })] } });
    const [c] = fails(f);
    expect(c?.title).toContain('aws/ebs');
    expect(c?.fix).toContain('--kms-key');
  });

  it('❌ key disabled', () => {
    expect(
      fails(
        facts({ snapshots: { ok: true, value: [snapshot({}, { enabled: false, state: 'Disabled' })] } }),
      )[0]?.title,
    ).toContain('Disabled');
  });

  it('❌ customer key without grant or policy statement, with the statement and a share button', () => {
    const [c] = fails(facts({ snapshots: { ok: true, value: [snapshot()] } }));
    expect(c?.fix).toContain(`"AWS": "arn:aws:iam::${OTHER}:root"`);
    expect(c?.action?.kind).toBe('share');
  });

  it('ℹ️ says whether the account may also copy the image (create-volume permission), only when read', () => {
    const withPerm = (accounts: string[]) =>
      facts({
        snapshots: {
          ok: true,
          value: [
            {
              ...snapshot({
                grants: {
                  ok: true,
                  value: [
                    {
                      grantId: 'g',
                      granteePrincipal: accountRoot(OTHER),
                      operations: ['Decrypt', 'CreateGrant'],
                    },
                  ],
                },
              }),
              createVolume: { ok: true, value: { public: false, accounts } },
            },
          ],
        },
      });
    expect(diagnoseLaunch(withPerm([])).find((c) => c.id === 'copy')?.title).toContain('not copy');
    expect(diagnoseLaunch(withPerm([OTHER])).find((c) => c.id === 'copy')?.title).toContain('may also copy');
    expect(diagnoseLaunch(facts()).find((c) => c.id === 'copy')).toBeUndefined();
  });

  it('✅ key policy naming the account', () => {
    const policy = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: accountRoot(OTHER) },
          Action: ['kms:Decrypt', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
        },
      ],
    });
    expect(
      marks(facts({ snapshots: { ok: true, value: [snapshot({ policy: { ok: true, value: policy } })] } }))[
        'snapshot:snap-0123456789abcdef0'
      ],
    ).toBe('ok');
  });
});

describe('key policies', () => {
  it('allows, refuses, and flags conditions it cannot check', () => {
    expect(keyPolicyAllows(DEFAULT_POLICY, OTHER).allowed).toBe(false);
    expect(keyPolicyAllows(DEFAULT_POLICY, OWN).allowed).toBe(true);
    const star = JSON.stringify({
      Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
    });
    expect(keyPolicyAllows(star, OTHER).allowed).toBe(true);
    const org = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: ['kms:Decrypt', 'kms:CreateGrant'],
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        },
      ],
    });
    expect(keyPolicyAllows(org, OTHER).allowed).toBe('conditional');
    expect(keyPolicyAllows(org, OTHER, ['o-a1b2c3d4e5']).allowed).toBe(true);
    const deny = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'kms:*' },
        { Effect: 'Deny', Principal: { AWS: OTHER }, Action: 'kms:Decrypt' },
      ],
    });
    expect(keyPolicyAllows(deny, OTHER).allowed).toBe(false);
    expect(keyPolicyAllows('not json', OTHER).allowed).toBe(false);
    expect(
      keyPolicyMentionsOrg(org, {
        kind: 'organization',
        arn: 'arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5',
      }),
    ).toBe(true);
    expect(
      keyPolicyMentionsOrg(DEFAULT_POLICY, {
        kind: 'organization',
        arn: 'arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5',
      }),
    ).toBe(false);
  });
});
