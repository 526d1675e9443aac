/**
 * Identifier formats: one regex and one `is…` check for each kind of id or ARN the bot reads or
 * writes. The command grammar, the config schema, the job payloads, button values and the stores
 * all take their formats from here, so a format has one strictness everywhere. Pure.
 *
 * The regexes are anchored and case-sensitive: callers that accept what people type (the grammar)
 * trim and lower-case first where AWS ids are case-insensitive.
 */

// ---------------------------------------------------------------------------------------------
// Where: regions and accounts

/** An AWS region: `us-east-1`, `us-gov-west-1`, `us-isob-east-1`. */
export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const isRegion = (s: string): boolean => REGION_RE.test(s);

/** A 12-digit AWS account id: `123456789012`. */
export const ACCOUNT_ID_RE = /^\d{12}$/;
export const isAccountId = (s: string): boolean => ACCOUNT_ID_RE.test(s);

/** A configured account alias as typed in Slack (`prod`, `team_b`); a 12-digit id matches it too. */
export const ACCOUNT_ALIAS_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
export const isAccountAlias = (s: string): boolean => ACCOUNT_ALIAS_RE.test(s);

// ---------------------------------------------------------------------------------------------
// EC2 resources: `<prefix>-` and 8 (older) or 17 (current) lowercase hex digits

/** An AMI id: `ami-1234abcd` or `ami-0abc1234def567890`. */
export const IMAGE_ID_RE = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const isImageId = (s: string): boolean => IMAGE_ID_RE.test(s);

/** An EBS snapshot id: `snap-1234abcd` or `snap-0abc1234def567890`. */
export const SNAPSHOT_ID_RE = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const isSnapshotId = (s: string): boolean => SNAPSHOT_ID_RE.test(s);

/** An EC2 instance id: `i-1234abcd` or `i-0abc1234def567890`. */
export const INSTANCE_ID_RE = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const isInstanceId = (s: string): boolean => INSTANCE_ID_RE.test(s);

/** A launch template id: `lt-0abc1234def567890` (always 17 hex digits). */
export const LAUNCH_TEMPLATE_ID_RE = /^lt-[0-9a-f]{17}$/;
export const isLaunchTemplateId = (s: string): boolean => LAUNCH_TEMPLATE_ID_RE.test(s);

// ---------------------------------------------------------------------------------------------
// amibot's own ids (lowercase base 36 after the prefix)

/** A request id: `req-k3j9x0a2b1` (new ones have 10 characters after the prefix). */
export const REQUEST_ID_RE = /^req-[0-9a-z]{6,32}$/;
export const isRequestId = (s: string): boolean => REQUEST_ID_RE.test(s);

/** A scan id: `scan-k3j9x0a2b1`. */
export const SCAN_ID_RE = /^scan-[0-9a-z]{6,32}$/;
export const isScanId = (s: string): boolean => SCAN_ID_RE.test(s);

/** An expiry reminder or notice id: `rem-` and exactly 16 characters. */
export const REMINDER_ID_RE = /^rem-[0-9a-z]{16}$/;
export const isReminderId = (s: string): boolean => REMINDER_ID_RE.test(s);

/** A stored prune dry run (the value of its *File request* button): `prn-` and exactly 10 characters. */
export const PRUNE_PLAN_ID_RE = /^prn-[0-9a-z]{10}$/;
export const isPrunePlanId = (s: string): boolean => PRUNE_PLAN_ID_RE.test(s);

/** A stored sharing audit (the value of its *File request* button): `acc-` and exactly 10 characters. */
export const ACCESS_PLAN_ID_RE = /^acc-[0-9a-z]{10}$/;
export const isAccessPlanId = (s: string): boolean => ACCESS_PLAN_ID_RE.test(s);

/**
 * A scan finding as typed in `/ami waive`: a built-in check id (`unencrypted-snapshot`,
 * `missing-tag:Team`) or a deep scanner's own id (`CVE-2026-12345`); 1–200 printable characters,
 * no backticks or angle brackets, not starting or ending with a space.
 */
export const FINDING_ID_RE = /^(?=\S)[^\p{Cc}`<>]{1,200}(?<=\S)$/u;
export const isFindingId = (s: string): boolean => FINDING_ID_RE.test(s);

// ---------------------------------------------------------------------------------------------
// ARNs

/** An ARN partition: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, … */
const PARTITION = 'aws(?:-[a-z]+)*';
/**
 * The partition as the configuration's ARNs (IAM role, state machine) have always been checked:
 * any `aws…` spelling. Looser than {@link PARTITION}; kept so that no configuration that loads
 * today is refused.
 */
const CONFIG_PARTITION = 'aws[a-z-]*';

/** An AWS Organizations organization ARN: `arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5`. */
export const ORG_ARN_RE = new RegExp(
  `^arn:${PARTITION}:organizations::\\d{12}:organization/o-[a-z0-9]{10,32}$`,
);
export const isOrgArn = (s: string): boolean => ORG_ARN_RE.test(s);

/** An organizational unit ARN: `arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56`. */
export const OU_ARN_RE = new RegExp(
  `^arn:${PARTITION}:organizations::\\d{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$`,
);
export const isOuArn = (s: string): boolean => OU_ARN_RE.test(s);

/** An IAM role ARN, as configured for an account: `arn:aws:iam::123456789012:role/amibot`. */
export const IAM_ROLE_ARN_RE = new RegExp(`^arn:${CONFIG_PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]+$`);
export const isIamRoleArn = (s: string): boolean => IAM_ROLE_ARN_RE.test(s);

const STATE_MACHINE =
  `arn:(?<partition>${CONFIG_PARTITION}):states:(?<region>[a-z0-9-]+):(?<accountId>\\d{12})` +
  ':stateMachine:(?<name>[A-Za-z0-9_-]{1,80})';

/** A Step Functions state machine ARN without a version or alias: what the configuration takes. */
export const STATE_MACHINE_ARN_RE = new RegExp(`^${STATE_MACHINE}$`);
export const isStateMachineArn = (s: string): boolean => STATE_MACHINE_ARN_RE.test(s);

export interface StateMachineArnParts {
  partition: string;
  region: string;
  accountId: string;
  /** The state machine's name, without any `:version` or `:alias` qualifier. */
  name: string;
}

const QUALIFIED_STATE_MACHINE_ARN_RE = new RegExp(`^${STATE_MACHINE}(:.+)?$`);

/** The parts of a state machine ARN, which may carry a `:version` or `:alias` qualifier. */
export function parseStateMachineArn(arn: string): StateMachineArnParts | undefined {
  const g = QUALIFIED_STATE_MACHINE_ARN_RE.exec(arn)?.groups;
  if (!g) return undefined;
  return { partition: g['partition']!, region: g['region']!, accountId: g['accountId']!, name: g['name']! };
}

// ---------------------------------------------------------------------------------------------
// KMS key references

const KMS_UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KMS_MRK = 'mrk-[0-9a-f]{32}';
const KMS_ALIAS_NAME = 'alias/[a-zA-Z0-9/_-]{1,250}';
const KMS_ARN_PREFIX = `arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:`;

const KMS_ALIAS_RE = new RegExp(`^${KMS_ALIAS_NAME}$`);
/** A KMS alias ARN; the `alias` group is its `alias/name` part. */
const KMS_ALIAS_ARN_RE = new RegExp(`^${KMS_ARN_PREFIX}(?<alias>${KMS_ALIAS_NAME})$`);

/**
 * The four ways to name a KMS key, as `CopyImage` and `DescribeKey` take them: a key id (UUID or
 * multi-Region `mrk-…`), a key ARN, `alias/<name>`, or an alias ARN.
 */
export const KMS_KEY_RES: readonly RegExp[] = [
  new RegExp(`^(${KMS_UUID}|${KMS_MRK})$`),
  new RegExp(`^${KMS_ARN_PREFIX}key/(${KMS_UUID}|${KMS_MRK})$`),
  KMS_ALIAS_RE,
  KMS_ALIAS_ARN_RE,
];
export const isKmsKeyRef = (s: string): boolean => KMS_KEY_RES.some((re) => re.test(s));

/** `alias/name` for a key named by an alias or an alias ARN; undefined for key ids and key ARNs. */
export function kmsAliasOf(keyRef: string): string | undefined {
  if (KMS_ALIAS_RE.test(keyRef)) return keyRef;
  return KMS_ALIAS_ARN_RE.exec(keyRef)?.groups?.['alias'];
}
