/**
 * The sharing audit: which launch permissions of an own image fall outside the allowlist
 * (`sharing.allowedAccounts`, `sharing.allowedOrganizations`, `sharing.allowedOus`, and the
 * accounts amibot is configured for), and what a revoke removes. Pure: permissions are read by
 * `hygiene/access.ts` and passed in.
 *
 *   - an account share is allowed when the account id is listed (or is a configured account);
 *   - an organization share is allowed when the organization ARN is listed;
 *   - an OU share is allowed when the OU ARN is listed, or when its organization is (an OU of an
 *     allowed organization is narrower than the organization);
 *   - a public image is never allowed.
 */
import { z } from 'zod';
import { ACCOUNT_ID_RE, ORG_ARN_RE, OU_ARN_RE } from './ids.js';
import type { LaunchPermissions } from './image.js';

export const sharingSettingsSchema = z
  .object({
    /** 12-digit account ids images may be shared with. */
    allowedAccounts: z
      .array(z.string().regex(ACCOUNT_ID_RE, 'must be a 12-digit AWS account id'))
      .max(10_000)
      .default([]),
    /** Organization ARNs (`arn:aws:organizations::…:organization/o-…`). */
    allowedOrganizations: z
      .array(z.string().regex(ORG_ARN_RE, 'must be an organization ARN (arn:aws:organizations::…)'))
      .max(1_000)
      .default([]),
    /** OU ARNs (`arn:aws:organizations::…:ou/o-…/ou-…`). */
    allowedOus: z
      .array(z.string().regex(OU_ARN_RE, 'must be an organizational unit ARN (…:ou/o-…/ou-…)'))
      .max(1_000)
      .default([]),
    /** The accounts amibot is configured for (their `accountId`) count as allowed. */
    allowConfiguredAccounts: z.boolean().default(true),
    /** Launch permission reads per account and region at most (the rest are reported as not checked). */
    maxChecks: z.number().int().min(1).max(100_000).default(5_000),
  })
  .strict();
export type SharingSettings = z.infer<typeof sharingSettingsSchema>;

export interface Allowlist {
  accounts: ReadonlySet<string>;
  organizations: ReadonlySet<string>;
  ous: ReadonlySet<string>;
}

/** The allowlist from the settings and the configured accounts' ids. */
export function allowlistOf(
  settings: SharingSettings,
  configuredAccountIds: readonly (string | undefined)[],
): Allowlist {
  const accounts = new Set(settings.allowedAccounts);
  if (settings.allowConfiguredAccounts) {
    for (const id of configuredAccountIds) if (id) accounts.add(id);
  }
  return {
    accounts,
    organizations: new Set(settings.allowedOrganizations),
    ous: new Set(settings.allowedOus),
  };
}

/** The `o-…` id of an organization or OU ARN. */
export function organizationIdOf(arn: string): string | undefined {
  return /\/(o-[a-z0-9]{10,32})(\/|$)/.exec(arn)?.[1];
}

/** Launch permissions to remove from one image (what the audit found outside the allowlist). */
export interface Grants {
  public: boolean;
  accounts: string[];
  organizations: string[];
  organizationalUnits: string[];
}

export function noGrants(): Grants {
  return { public: false, accounts: [], organizations: [], organizationalUnits: [] };
}

export function countGrants(g: Grants): number {
  return (g.public ? 1 : 0) + g.accounts.length + g.organizations.length + g.organizationalUnits.length;
}

/** The permissions of an image that the allowlist does not cover (a public image always counts). */
export function outsideAllowlist(perms: LaunchPermissions, allow: Allowlist): Grants {
  const allowedOrgIds = new Set([...allow.organizations].map(organizationIdOf).filter(Boolean));
  return {
    public: perms.public,
    accounts: perms.accounts.filter((a) => !allow.accounts.has(a)),
    organizations: perms.organizations.filter((o) => !allow.organizations.has(o)),
    organizationalUnits: perms.organizationalUnits.filter(
      (ou) => !allow.ous.has(ou) && !allowedOrgIds.has(organizationIdOf(ou)),
    ),
  };
}

/** Only the share with one account (offboarding: `--with <account-id>`). */
export function grantsTo(perms: LaunchPermissions, accountId: string): Grants {
  return { ...noGrants(), accounts: perms.accounts.includes(accountId) ? [accountId] : [] };
}

/** Both together, each permission once. */
export function unionGrants(a: Grants, b: Grants): Grants {
  const u = (x: string[], y: string[]) => [...new Set([...x, ...y])];
  return {
    public: a.public || b.public,
    accounts: u(a.accounts, b.accounts),
    organizations: u(a.organizations, b.organizations),
    organizationalUnits: u(a.organizationalUnits, b.organizationalUnits),
  };
}

/** What of `planned` the image still has now (a revoke removes only that, never anything else). */
export function stillGranted(planned: Grants, now: LaunchPermissions): Grants {
  return {
    public: planned.public && now.public,
    accounts: planned.accounts.filter((a) => now.accounts.includes(a)),
    organizations: planned.organizations.filter((o) => now.organizations.includes(o)),
    organizationalUnits: planned.organizationalUnits.filter((ou) => now.organizationalUnits.includes(ou)),
  };
}

/** One image of a `revoke-sharing` request: the permissions to remove, as the audit saw them. */
export interface RevokeItem {
  imageId: string;
  name: string;
  region: string;
  remove: Grants;
}
