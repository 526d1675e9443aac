/**
 * Golden images: the families a platform team promotes images into, the settings of the `golden`
 * configuration section, and the pure rules of a promotion (parameter names, idempotency tokens,
 * steps, KMS key policies and grants). No I/O: `golden/` reads AWS and calls these.
 */
import { z } from 'zod';
import type { ShareTarget } from './grammar/index.js';
import { ACCOUNT_ID_RE, isKmsKeyRef, isOrgArn, isOuArn, REGION_RE } from './ids.js';

/** The tag every promoted image carries: `amibot:golden=<family>`. */
export const GOLDEN_TAG = 'amibot:golden';
/** The tag naming the source image a golden copy was made from. */
export const GOLDEN_SOURCE_TAG = 'amibot:golden-source';
export const DEFAULT_PARAMETER_TEMPLATE = '/amibot/golden/{family}/latest';
export const FAMILY_NAME_RE = /^[a-z0-9][a-z0-9-]{0,47}$/;

const region = z.string().regex(REGION_RE, 'must be an AWS region such as us-east-1');

const shareTarget = z.string().refine((s) => ACCOUNT_ID_RE.test(s) || isOrgArn(s) || isOuArn(s), {
  error: (iss) =>
    `must be a 12-digit account id, an organization ARN or an OU ARN, got ${JSON.stringify(iss.input)}`,
});

const parameterTemplate = z
  .string()
  .regex(
    /^\/[A-Za-z0-9_.\-/{}]{1,900}$/,
    'must be an SSM parameter path starting with "/" (letters, digits, "_", ".", "-", "/", and {family} or {region})',
  )
  .refine((s) => !/\{(?!family\}|region\})[^}]*\}/.test(s), {
    error: 'may use only {family} and {region} as placeholders',
  });

const namePattern = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a valid regular expression' },
);

export const goldenFamilySchema = z
  .object({
    name: z
      .string()
      .regex(FAMILY_NAME_RE, 'must be lower-case letters, digits and "-" (up to 48), like "web-base"'),
    description: z.string().max(300).default(''),
    /** The account (alias) that holds the family's images; default: the default account. */
    account: z.string().optional(),
    /** Regions the family's image is copied to. */
    regions: z.array(region).min(1, 'must list at least one region').max(20),
    /** Accounts, organization ARNs and OU ARNs the image is shared with. */
    shareWith: z.array(shareTarget).default([]),
    /** The KMS key each region's copy is encrypted with (key id, key ARN or alias). */
    kmsKeys: z
      .record(
        region,
        z.string().refine(isKmsKeyRef, { error: 'must be a KMS key id, key ARN, alias/name or alias ARN' }),
      )
      .default({}),
    /** The SSM parameter holding the current image id; `{family}` and `{region}` are filled in. */
    parameter: parameterTemplate.default(DEFAULT_PARAMETER_TEMPLATE),
    /** Tags set on every promoted image (besides `amibot:golden=<family>`). */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({ Approved: 'yes' }),
    /** A regular expression the source image's name must match. */
    namePattern: namePattern.optional(),
    /** Tag keys the source image must carry. */
    requiredTags: z.array(z.string().min(1).max(128)).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
    for (const r of Object.keys(f.kmsKeys)) {
      if (!f.regions.includes(r)) {
        ctx.addIssue({
          code: 'custom',
          path: ['kmsKeys', r],
          message: `is not one of the family's regions (${f.regions.join(', ')})`,
        });
      }
    }
    if (new Set(f.regions).size !== f.regions.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'lists a region twice' });
    }
  });

export const goldenConfigSchema = z
  .object({
    families: z.array(goldenFamilySchema).default([]),
    /** A promotion needs a passing scan of the image no older than this. */
    maxScanAgeDays: z.number().int().min(1).max(365).default(30),
    /** The family's previous image is deprecated this many days after a promotion. */
    deprecatePreviousAfterDays: z.number().int().min(0).max(3650).default(30),
  })
  .strict()
  .superRefine((g, ctx) => {
    const seen = new Set<string>();
    for (const [i, f] of g.families.entries()) {
      if (seen.has(f.name))
        ctx.addIssue({
          code: 'custom',
          path: ['families', i, 'name'],
          message: `duplicate family "${f.name}"`,
        });
      seen.add(f.name);
    }
  });

export type GoldenFamily = z.output<typeof goldenFamilySchema>;
export type GoldenConfig = z.output<typeof goldenConfigSchema>;

// ---------------------------------------------------------------------------------------------
// Names and tokens

/** The family's parameter in a region: the template with `{family}` and `{region}` filled in. */
export function parameterName(family: Pick<GoldenFamily, 'name' | 'parameter'>, region: string): string {
  return family.parameter.replaceAll('{family}', family.name).replaceAll('{region}', region);
}

/** Where the previous value is kept: `…/latest` → `…/previous`, any other name → `<name>/previous`. */
export function previousParameterName(name: string): string {
  return name.endsWith('/latest') ? `${name.slice(0, -'/latest'.length)}/previous` : `${name}/previous`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable digest for tokens and grant names. */
export function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * CopyImage's ClientToken for a promotion: derived from the image, the family and the region (not
 * the request), so filing the same promotion again finds the copy already made instead of making a
 * second one. `generation` moves on only when the copy under the previous token failed.
 */
export function promotionClientToken(
  imageId: string,
  family: string,
  region: string,
  generation = 0,
): string {
  return `golden-${imageId}-${region}-${shortHash(family)}${generation ? `-g${generation}` : ''}`.slice(
    0,
    64,
  );
}

/** The name of a region's golden copy: the source name (or id) with the family and the date. */
export function goldenCopyName(sourceName: string, family: string, now: Date, attempt = 0): string {
  const stamp = now.toISOString().slice(0, 10).replace(/-/g, '');
  const base = `${sourceName || 'image'}-golden-${family}-${stamp}`;
  const suffix = attempt ? `-${attempt + 1}` : '';
  return `${base.slice(0, 128 - suffix.length)}${suffix}`;
}

/** `shareWith` entries as share targets. */
export function familyTargets(family: Pick<GoldenFamily, 'shareWith'>): ShareTarget[] {
  return family.shareWith.map((s): ShareTarget => {
    if (ACCOUNT_ID_RE.test(s)) return { kind: 'account', accountId: s };
    if (isOuArn(s)) return { kind: 'ou', arn: s };
    return { kind: 'organization', arn: s };
  });
}

/** Whether the image's name follows the family's naming convention. */
export function followsNaming(family: Pick<GoldenFamily, 'namePattern'>, name: string): boolean {
  return family.namePattern === undefined || new RegExp(family.namePattern).test(name);
}

// ---------------------------------------------------------------------------------------------
// Steps

/** The steps of one region of a promotion, in order. */
export const PROMOTION_STEPS = ['copy', 'share', 'grants', 'parameter', 'tag', 'deprecate'] as const;
export type PromotionStep = (typeof PROMOTION_STEPS)[number];

export const STEP_LABELS: Record<PromotionStep, string> = {
  copy: 'copy',
  share: 'share',
  grants: 'snapshot access',
  parameter: 'SSM parameter',
  tag: 'tags',
  deprecate: 'deprecate previous',
};

export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

/** The steps not done yet when a region stopped at `failedAt` (it included). */
export function stepsLeft(failedAt: PromotionStep): PromotionStep[] {
  return PROMOTION_STEPS.slice(PROMOTION_STEPS.indexOf(failedAt));
}

// ---------------------------------------------------------------------------------------------
// KMS: key policies and grants

/** The grant operations a target account needs to launch (and copy) an image encrypted with a key. */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'DescribeKey',
  'CreateGrant',
  'Encrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKeyWithoutPlaintext',
] as const;

/** The key-policy actions that let another account use an encrypted shared image. */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:ReEncrypt*',
  'kms:GenerateDataKeyWithoutPlaintext',
] as const;

/** The name amibot gives its grant for an account on a key: CreateGrant is idempotent by name. */
export function grantName(accountId: string): string {
  return `amibot-shared-image-${accountId}`;
}

export function accountRoot(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** The `o-…` id of an organization or OU ARN. */
export function orgIdOf(arn: string): string | undefined {
  return /\/(o-[a-z0-9]{10,32})(\/|$)/.exec(arn)?.[1];
}

/** The key-policy statement (JSON, pretty) that lets `who` use the key for shared images. */
export function keyPolicyStatement(who: ShareTarget): string {
  if (who.kind === 'account') {
    return JSON.stringify(
      {
        Sid: `AllowSharedImagesFor${who.accountId}`,
        Effect: 'Allow',
        Principal: { AWS: accountRoot(who.accountId) },
        Action: [...KEY_USE_ACTIONS],
        Resource: '*',
      },
      null,
      2,
    );
  }
  const orgId = who.kind === 'public' ? undefined : orgIdOf(who.arn);
  const condition =
    who.kind === 'ou'
      ? { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${orgId}/*/${ouIdOf(who.arn)}/*`] } }
      : { StringEquals: { 'aws:PrincipalOrgID': orgId ?? 'o-…' } };
  return JSON.stringify(
    {
      Sid: `AllowSharedImagesFor${who.kind === 'ou' ? ouIdOf(who.arn) : (orgId ?? 'Organization')}`.replace(
        /[^A-Za-z0-9]/g,
        '',
      ),
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...KEY_USE_ACTIONS],
      Resource: '*',
      Condition: condition,
    },
    null,
    2,
  );
}

function ouIdOf(arn: string): string {
  return /(ou-[a-z0-9]+-[a-z0-9]+)$/.exec(arn)?.[1] ?? 'ou-…';
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return re.test(action.toLowerCase());
}

function principalsOf(p: unknown): string[] | '*' {
  if (p === '*') return '*';
  if (p && typeof p === 'object') {
    const aws = strings((p as Record<string, unknown>)['AWS']);
    if (aws.includes('*')) return '*';
    return aws;
  }
  return [];
}

/** What a key policy says about one account using the key: yes, no, or only under conditions amibot cannot check. */
export type PolicyVerdict =
  | { allowed: true; how: string }
  | { allowed: false }
  | { allowed: 'conditional'; how: string };

/**
 * Does the key policy let `accountId` use the key for an encrypted shared image (`kms:Decrypt` and
 * `kms:CreateGrant` at least)? Statements naming the account (its root, the bare id or any of its
 * ARNs) count; `*` principals count only without conditions, or with an organization condition
 * matching `orgIds` (when the caller knows the account's organization), else "conditional". Deny
 * statements naming the account or `*` turn the answer to no. Unparseable policies: no.
 */
export function keyPolicyAllows(
  policyJson: string,
  accountId: string,
  orgIds: readonly string[] = [],
): PolicyVerdict {
  let doc: unknown;
  try {
    doc = JSON.parse(policyJson);
  } catch {
    return { allowed: false };
  }
  const statements = ((doc as { Statement?: unknown } | null)?.Statement ?? []) as Statement[] | Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  const needed = ['kms:Decrypt', 'kms:CreateGrant'];
  const granted = new Map<string, { how: string; conditional: boolean }>();
  for (const s of list) {
    if (!s || typeof s !== 'object') continue;
    const principals = principalsOf(s.Principal);
    const named =
      principals !== '*' &&
      principals.some((p) => p === accountId || new RegExp(`^arn:aws[a-z-]*:iam::${accountId}:`).test(p));
    if (principals !== '*' && !named) continue;
    const actions = strings(s.Action);
    const covers = needed.filter((a) => actions.some((p) => actionMatches(p, a)));
    if (s.Effect === 'Deny') {
      if (covers.length > 0 && !s.Condition) return { allowed: false };
      continue;
    }
    if (s.Effect !== 'Allow' || covers.length === 0) continue;
    let conditional = false;
    let how = named ? 'the key policy names the account' : 'the key policy allows every principal';
    if (s.Condition) {
      const orgId = conditionValues(s.Condition, 'aws:principalorgid');
      if (orgId.length > 0) {
        how = `the key policy allows organization ${orgId.join(', ')}`;
        conditional = !orgId.some((o) => orgIds.includes(o));
      } else {
        const caller = conditionValues(s.Condition, 'kms:calleraccount');
        if (caller.length > 0 && !caller.includes(accountId)) continue;
        conditional = caller.length === 0;
        how = caller.length > 0 ? 'the key policy allows the account as caller' : `${how} (with conditions)`;
      }
    }
    for (const a of covers) {
      const prev = granted.get(a);
      if (!prev || (prev.conditional && !conditional)) granted.set(a, { how, conditional });
    }
  }
  if (!needed.every((a) => granted.has(a))) return { allowed: false };
  const parts = needed.map((a) => granted.get(a)!);
  const how = parts[0]!.how;
  return parts.some((p) => p.conditional) ? { allowed: 'conditional', how } : { allowed: true, how };
}

function conditionValues(condition: unknown, key: string): string[] {
  if (!condition || typeof condition !== 'object') return [];
  const out: string[] = [];
  for (const block of Object.values(condition as Record<string, unknown>)) {
    if (!block || typeof block !== 'object') continue;
    for (const [k, v] of Object.entries(block as Record<string, unknown>)) {
      if (k.toLowerCase() === key) out.push(...strings(v));
    }
  }
  return out;
}

/** Whether a key policy already has a statement for an organization or OU (by its `o-…` or `ou-…` id). */
export function keyPolicyMentionsOrg(policyJson: string, target: ShareTarget): boolean {
  if (target.kind !== 'organization' && target.kind !== 'ou') return false;
  const id = target.kind === 'ou' ? ouIdOf(target.arn) : orgIdOf(target.arn);
  if (!id) return false;
  try {
    const doc = JSON.parse(policyJson) as { Statement?: unknown };
    const list = Array.isArray(doc.Statement) ? (doc.Statement as Statement[]) : [];
    return list.some(
      (s) =>
        s?.Effect === 'Allow' &&
        strings(s.Action).some((a) => actionMatches(a, 'kms:Decrypt')) &&
        JSON.stringify(s.Condition ?? {}).includes(id),
    );
  } catch {
    return false;
  }
}

/** A grant as KMS lists it. */
export interface KeyGrant {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  operations: string[];
}

/** The grant that lets `accountId` use the key (Decrypt and CreateGrant), if any. */
export function grantFor(grants: readonly KeyGrant[], accountId: string): KeyGrant | undefined {
  const mine = new RegExp(`^(arn:aws[a-z-]*:iam::${accountId}:|${accountId}$)`);
  return grants.find(
    (g) =>
      mine.test(g.granteePrincipal) &&
      g.operations.includes('Decrypt') &&
      g.operations.includes('CreateGrant'),
  );
}
