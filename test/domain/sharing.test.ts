import { describe, expect, it } from 'vitest';
import type { LaunchPermissions } from '../../src/domain/image.js';
import {
  allowlistOf,
  countGrants,
  grantsTo,
  organizationIdOf,
  outsideAllowlist,
  sharingSettingsSchema,
  stillGranted,
  unionGrants,
} from '../../src/domain/sharing.js';

const ORG = 'arn:aws:organizations::111111111111:organization/o-abcdefghij';
const OU_OF_ORG = 'arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij';
const OTHER_ORG = 'arn:aws:organizations::777777777777:organization/o-zzzzzzzzzz';
const LISTED_OU = 'arn:aws:organizations::777777777777:ou/o-zzzzzzzzzz/ou-zz12-listedou';
const OTHER_OU = 'arn:aws:organizations::777777777777:ou/o-zzzzzzzzzz/ou-zz12-otherouu';

const settings = sharingSettingsSchema.parse({
  allowedAccounts: ['444455556666'],
  allowedOrganizations: [ORG],
  allowedOus: [LISTED_OU],
});
const allow = allowlistOf(settings, ['111111111111', '222222222222', undefined]);

function perms(p: Partial<LaunchPermissions>): LaunchPermissions {
  return { public: false, accounts: [], organizations: [], organizationalUnits: [], ...p };
}

describe('outsideAllowlist', () => {
  it.each<[string, Partial<LaunchPermissions>, Partial<LaunchPermissions>]>([
    ['nothing shared', {}, {}],
    ['an allowed account', { accounts: ['444455556666'] }, {}],
    ['a configured account', { accounts: ['222222222222'] }, {}],
    ['an unknown account', { accounts: ['999988887777', '444455556666'] }, { accounts: ['999988887777'] }],
    ['the allowed organization', { organizations: [ORG] }, {}],
    ['another organization', { organizations: [OTHER_ORG] }, { organizations: [OTHER_ORG] }],
    ['an OU of the allowed organization', { organizationalUnits: [OU_OF_ORG] }, {}],
    ['a listed OU', { organizationalUnits: [LISTED_OU] }, {}],
    [
      'an OU neither listed nor in an allowed organization',
      { organizationalUnits: [OTHER_OU, LISTED_OU] },
      { organizationalUnits: [OTHER_OU] },
    ],
    ['public, always', { public: true, accounts: ['444455556666'] }, { public: true }],
  ])('%s', (_name, given, outside) => {
    expect(outsideAllowlist(perms(given), allow)).toEqual({
      public: false,
      accounts: [],
      organizations: [],
      organizationalUnits: [],
      ...outside,
    });
  });

  it('configured accounts are not allowed when that is turned off', () => {
    const strict = allowlistOf({ ...settings, allowConfiguredAccounts: false }, ['222222222222']);
    expect(outsideAllowlist(perms({ accounts: ['222222222222'] }), strict).accounts).toEqual([
      '222222222222',
    ]);
  });

  it('refuses malformed allowlist entries in the config', () => {
    const r = sharingSettingsSchema.safeParse({ allowedAccounts: ['12345'], allowedOus: [ORG] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual([
      'must be a 12-digit AWS account id',
      'must be an organizational unit ARN (…:ou/o-…/ou-…)',
    ]);
  });
});

describe('revoking', () => {
  it('offboarding takes only the one account', () => {
    expect(grantsTo(perms({ accounts: ['1', '444455556666'] }), '444455556666').accounts).toEqual([
      '444455556666',
    ]);
    expect(countGrants(grantsTo(perms({ accounts: ['1'] }), '444455556666'))).toBe(0);
  });

  it('removes only what was approved and is still there', () => {
    const planned = unionGrants(
      outsideAllowlist(
        perms({ public: true, accounts: ['999988887777'], organizations: [OTHER_ORG] }),
        allow,
      ),
      grantsTo(perms({ accounts: ['444455556666'] }), '444455556666'),
    );
    expect(countGrants(planned)).toBe(4);
    const now = perms({ accounts: ['444455556666', '121212121212'], organizations: [OTHER_ORG] });
    expect(stillGranted(planned, now)).toEqual({
      public: false,
      accounts: ['444455556666'],
      organizations: [OTHER_ORG],
      organizationalUnits: [],
    });
  });

  it('reads the organization of an organization or OU ARN', () => {
    expect(organizationIdOf(ORG)).toBe('o-abcdefghij');
    expect(organizationIdOf(OU_OF_ORG)).toBe('o-abcdefghij');
    expect(organizationIdOf('arn:aws:iam::1:role/x')).toBeUndefined();
  });
});
