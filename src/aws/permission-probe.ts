import {
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  type EC2Client,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import type { AccountConfig } from '../config.js';
import { AppError } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { awsErrorCode } from './snapshots.js';

/**
 * Checks amibot's IAM permissions without changing anything, for `npm run doctor`: every EC2
 * action of iam/amibot-policy.json is called with `DryRun: true`, which EC2 answers with
 * `DryRunOperation` when the caller may do it and `UnauthorizedOperation` when it may not (EC2
 * checks permissions before anything else a dry run skips). The other services have no dry run;
 * their actions are listed in {@link NOT_PROBED_ACTIONS}. A test keeps both lists equal to the
 * policy file, which the runtime image does not carry.
 */

/** The resources a probe names (a dry run still needs well-formed parameters). */
export interface ProbeTarget {
  region: string;
  accountId: string;
  /** An image of the account when it has one (resource-level permissions), else a made-up id. */
  imageId: string;
  snapshotId: string;
}

type Send = (ec2: EC2Client, t: ProbeTarget) => Promise<unknown>;

const PLACEHOLDER_IMAGE = 'ami-00000000000000000';
const PLACEHOLDER_SNAPSHOT = 'snap-00000000000000000';
const PLACEHOLDER_TEMPLATE = 'lt-00000000000000000';
/** Far enough ahead for EnableImageDeprecation to accept it (it is never applied: a dry run). */
const DEPRECATE_AT = () => new Date(Date.now() + 365 * 86_400_000);

/** Every EC2 action in the policy, with the dry-run call that probes it. */
export const EC2_DRY_RUN_PROBES: Readonly<Record<string, Send>> = {
  'ec2:DescribeImages': (ec2) => ec2.send(new DescribeImagesCommand({ DryRun: true, Owners: ['self'] })),
  'ec2:DescribeImageAttribute': (ec2, t) =>
    ec2.send(
      new DescribeImageAttributeCommand({ DryRun: true, ImageId: t.imageId, Attribute: 'description' }),
    ),
  'ec2:DescribeSnapshots': (ec2) =>
    ec2.send(new DescribeSnapshotsCommand({ DryRun: true, OwnerIds: ['self'] })),
  'ec2:DescribeSnapshotAttribute': (ec2, t) =>
    ec2.send(
      new DescribeSnapshotAttributeCommand({
        DryRun: true,
        SnapshotId: t.snapshotId,
        Attribute: 'createVolumePermission',
      }),
    ),
  'ec2:DescribeInstances': (ec2) => ec2.send(new DescribeInstancesCommand({ DryRun: true })),
  'ec2:DescribeLaunchTemplates': (ec2) => ec2.send(new DescribeLaunchTemplatesCommand({ DryRun: true })),
  'ec2:DescribeLaunchTemplateVersions': (ec2) =>
    ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        DryRun: true,
        LaunchTemplateId: PLACEHOLDER_TEMPLATE,
        Versions: ['$Latest'],
      }),
    ),
  'ec2:ModifyImageAttribute': (ec2, t) =>
    ec2.send(
      new ModifyImageAttributeCommand({
        DryRun: true,
        ImageId: t.imageId,
        Attribute: 'launchPermission',
        OperationType: 'add',
        UserIds: [t.accountId],
      }),
    ),
  'ec2:EnableImageDeprecation': (ec2, t) =>
    ec2.send(
      new EnableImageDeprecationCommand({ DryRun: true, ImageId: t.imageId, DeprecateAt: DEPRECATE_AT() }),
    ),
  'ec2:DisableImageDeprecation': (ec2, t) =>
    ec2.send(new DisableImageDeprecationCommand({ DryRun: true, ImageId: t.imageId })),
  'ec2:EnableImage': (ec2, t) => ec2.send(new EnableImageCommand({ DryRun: true, ImageId: t.imageId })),
  'ec2:DisableImage': (ec2, t) => ec2.send(new DisableImageCommand({ DryRun: true, ImageId: t.imageId })),
  'ec2:DeregisterImage': (ec2, t) =>
    ec2.send(new DeregisterImageCommand({ DryRun: true, ImageId: t.imageId })),
  'ec2:DeleteSnapshot': (ec2, t) =>
    ec2.send(new DeleteSnapshotCommand({ DryRun: true, SnapshotId: t.snapshotId })),
  'ec2:CopyImage': (ec2, t) =>
    ec2.send(
      new CopyImageCommand({
        DryRun: true,
        SourceImageId: t.imageId,
        SourceRegion: t.region,
        Name: 'amibot-doctor-dry-run',
      }),
    ),
  'ec2:CreateTags': (ec2, t) =>
    ec2.send(
      new CreateTagsCommand({
        DryRun: true,
        Resources: [t.imageId],
        Tags: [{ Key: 'amibot-doctor', Value: 'dry-run' }],
      }),
    ),
  'ec2:GetImageBlockPublicAccessState': (ec2) =>
    ec2.send(new GetImageBlockPublicAccessStateCommand({ DryRun: true })),
  'ec2:ModifySnapshotAttribute': (ec2, t) =>
    ec2.send(
      new ModifySnapshotAttributeCommand({
        DryRun: true,
        SnapshotId: t.snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: [t.accountId],
      }),
    ),
};

/**
 * The policy's actions that cannot be probed without doing them (no dry run outside EC2), and
 * `sts:AssumeRole` / `sts:GetCallerIdentity`, which the doctor checks by calling them.
 */
export const NOT_PROBED_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeLaunchConfigurations',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GetKeyPolicy',
  'kms:ListGrants',
  'kms:ReEncrypt*',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:PutParameter',
  'states:DescribeExecution',
  'states:StartExecution',
  'states:StopExecution',
];

/** Actions the doctor calls for real (harmless reads), so they are neither probed nor "not probed". */
export const CALLED_ACTIONS: readonly string[] = [
  'sts:AssumeRole',
  'sts:GetCallerIdentity',
  'states:DescribeStateMachine',
];

export type ProbeOutcome =
  | { action: string; result: 'allowed' }
  | { action: string; result: 'denied'; message: string }
  /** Neither answer: the permission is unknown; `message` is sanitised. */
  | { action: string; result: 'unknown'; code: string; message: string };

const DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);

function classify(action: string, err: unknown, ctx: { region: string; account: string }): ProbeOutcome {
  const code = awsErrorCode(err) ?? 'Unknown';
  if (code === 'DryRunOperation') return { action, result: 'allowed' };
  const mapped = mapAwsError(err, { action, ...ctx });
  if (DENIED.has(code)) return { action, result: 'denied', message: mapped.userMessage };
  return { action, result: 'unknown', code, message: redactSecrets(mapped.userMessage) };
}

export class PermissionProbe {
  constructor(private readonly clients: AwsClients) {}

  /**
   * An image and a snapshot of the account to name in the probes (actions with resource-level
   * permissions are checked against a real resource when there is one). Read for real, so a
   * missing `ec2:DescribeImages` / `ec2:DescribeSnapshots` only means placeholders are used.
   */
  async target(account: AccountConfig, region: string, accountId: string): Promise<ProbeTarget> {
    const ec2 = this.clients.ec2(account, region);
    const [image, snapshot] = await Promise.all([
      ec2
        .send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5 }))
        .then((out) => out.Images?.find((i) => i.ImageId)?.ImageId)
        .catch(() => undefined),
      ec2
        .send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: 5 }))
        .then((out) => out.Snapshots?.find((s) => s.SnapshotId)?.SnapshotId)
        .catch(() => undefined),
    ]);
    return {
      region,
      accountId,
      imageId: image ?? PLACEHOLDER_IMAGE,
      snapshotId: snapshot ?? PLACEHOLDER_SNAPSHOT,
    };
  }

  /** Dry-runs every EC2 action of the policy (in order), never throwing. */
  async probeEc2(account: AccountConfig, target: ProbeTarget): Promise<ProbeOutcome[]> {
    const ec2 = this.clients.ec2(account, target.region);
    const out: ProbeOutcome[] = [];
    for (const [action, send] of Object.entries(EC2_DRY_RUN_PROBES)) {
      try {
        await send(ec2, target);
        // A dry run that succeeds is not a dry run: treat it as unknown rather than allowed.
        out.push({
          action,
          result: 'unknown',
          code: 'NoDryRun',
          message: 'EC2 ran the call instead of answering DryRunOperation',
        });
      } catch (err) {
        out.push(classify(action, err, { region: target.region, account: account.alias }));
      }
    }
    return out;
  }

  /** DescribeStateMachine of the deep scan's state machine: its status, or the reason it failed. */
  async describeStateMachine(
    account: AccountConfig,
    region: string,
    stateMachineArn: string,
  ): Promise<{ status: string; name?: string }> {
    try {
      const out = await this.clients
        .sfn(account, region)
        .send(new DescribeStateMachineCommand({ stateMachineArn }));
      return { status: out.status ?? 'UNKNOWN', ...(out.name ? { name: out.name } : {}) };
    } catch (err) {
      if (awsErrorCode(err) === 'StateMachineDoesNotExist') {
        throw new AppError(
          'not_found',
          `The state machine \`${stateMachineArn}\` does not exist in account *${account.alias}*, region *${region}*. Check \`SCAN_STATE_MACHINE_ARN\`.`,
          { cause: err, context: { awsCode: 'StateMachineDoesNotExist' } },
        );
      }
      throw mapAwsError(err, { action: 'states:DescribeStateMachine', region, account: account.alias });
    }
  }
}
