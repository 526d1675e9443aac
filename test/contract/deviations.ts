import type { BackendName } from './backends.js';

/**
 * Where moto does not do what AWS documents. For each case the contract suite asserts the
 * documented behaviour on the fake and moto's own behaviour on moto (so a moto upgrade that fixes
 * or changes it fails the suite and this table gets updated), never skipping the case.
 * `docs/fake-aws-fidelity.md` lists the same ids; a test checks that the two agree.
 */
export interface Deviation {
  /** The API call(s). */
  call: string;
  /** What AWS documents (EC2 API reference, the SDK's service model, the service guides). */
  aws: string;
  fake: string;
  moto: string;
  /** Why the fake does what it does. */
  reason: string;
}

export const DEVIATIONS = {
  'ec2.dry-run': {
    call: "EC2 actions with DryRun (the doctor's permission probes)",
    aws: 'DryRun checks the permissions without making the request: DryRunOperation (HTTP 412) when allowed, UnauthorizedOperation (HTTP 403) when not.',
    fake: 'DryRunOperation for every action it implements, after any injected error (faults.deny answers UnauthorizedOperation).',
    moto: 'DryRunOperation for most actions; DescribeImageAttribute, DescribeSnapshots and DescribeSnapshotAttribute ignore DryRun and answer; EnableImage, DisableImage, Enable/DisableImageDeprecation and GetImageBlockPublicAccessState answer an error (not implemented).',
    reason:
      'npm run doctor reads a permission from the DryRun answer; an action it cannot read that way is reported, never counted as allowed.',
  },
  'describe-images.paging': {
    call: 'DescribeImages',
    aws: 'MaxResults caps a page; the rest comes with NextToken (DescribeImagesRequest.MaxResults/NextToken).',
    fake: 'Pages of at most MaxResults with a NextToken while more match.',
    moto: 'Ignores MaxResults: every matching image in one answer, never a NextToken.',
    reason: 'AWS documents paging, and the product must walk every page of large public catalogues.',
  },
  'describe-images.shared-with-account': {
    call: 'DescribeImages',
    aws: 'Images available to an account include private images of other accounts that give it explicit launch permission.',
    fake: 'An image shared with an account (or its organization/OU) is visible to it, by id and in listings.',
    moto: 'Images live per account: the account it was shared with gets InvalidAMIID.NotFound.',
    reason: 'Sharing is what /ami share does; the other account must see the image as on AWS.',
  },
  'describe-images.snapshot-filter': {
    call: 'DescribeImages (filter block-device-mapping.snapshot-id)',
    aws: 'block-device-mapping.snapshot-id is a documented DescribeImages filter.',
    fake: 'Filters on the snapshot ids of each image.',
    moto: 'Answers HTTP 500 (filter not implemented); the product then keeps the snapshot ("could not check").',
    reason: 'The product finds the other users of a snapshot with it before deleting the snapshot.',
  },
  'create-image.duplicate-name': {
    call: 'CreateImage',
    aws: 'InvalidAMIName.Duplicate when the account already has an AMI of that name in the region (EC2 error codes).',
    fake: 'InvalidAMIName.Duplicate.',
    moto: 'Creates a second image with the same name.',
    reason: 'Documented error; the product reports it as a conflict the user can act on.',
  },
  'copy-image.pending': {
    call: 'CopyImage',
    aws: 'The copy is pending until its snapshots are copied, then available (or failed).',
    fake: 'pending, snapshot progress rising with the clock, then available after copyDurationMs.',
    moto: 'The copy is available at once.',
    reason: 'Copy progress and polling are product features; they need the pending phase.',
  },
  'copy-image.client-token': {
    call: 'CopyImage (ClientToken)',
    aws: 'ClientToken makes the request idempotent: the same token returns the first result; the same token with other parameters is IdempotentParameterMismatch (Ensuring idempotency in Amazon EC2 API requests).',
    fake: 'Same token and parameters: the same image id; other parameters: IdempotentParameterMismatch.',
    moto: 'Ignores ClientToken: every call makes a new image.',
    reason: 'Retried copy jobs rely on it never to create a second AMI.',
  },
  'copy-image.encryption': {
    call: 'CopyImage (Encrypted, KmsKeyId)',
    aws: "Encrypted encrypts the copy's snapshots, with KmsKeyId or else the default EBS key.",
    fake: 'The copy snapshots are encrypted with the named key (or alias/aws/ebs); a missing or disabled key fails the copy.',
    moto: 'Ignores Encrypted and KmsKeyId: the copy snapshots are unencrypted.',
    reason: '/ami encrypt and --encrypt are built on it.',
  },
  'copy-image.duplicate-name': {
    call: 'CopyImage',
    aws: 'InvalidAMIName.Duplicate when the account already has an AMI of that name in the destination region.',
    fake: 'InvalidAMIName.Duplicate.',
    moto: 'Creates a second image with the same name.',
    reason: 'Documented error; the product maps it to a conflict that names the image.',
  },
  'launch-template-versions.paging': {
    call: 'DescribeLaunchTemplateVersions',
    aws: 'MaxResults (1-200) caps a page; NextToken gives the rest.',
    fake: 'Pages with NextToken, for one template and across templates.',
    moto: 'Cuts the answer at MaxResults (default 15) and never answers a NextToken: the rest cannot be read.',
    reason: 'Templates have up to 10,000 versions; an in-use check that cannot page would miss users.',
  },
  'launch-template-versions.latest-default-once': {
    call: 'DescribeLaunchTemplateVersions (Versions $Latest and $Default, no template)',
    aws: 'Not documented whether a version that is both $Latest and $Default is listed once or twice.',
    fake: 'Each version once per template.',
    moto: 'Twice (once as $Latest, once as $Default).',
    reason:
      'Undocumented; the product counts each version once whichever way AWS answers, and the fake keeps the smaller answer.',
  },
  'launch-template-versions.numbers-across-templates': {
    call: 'DescribeLaunchTemplateVersions (no template id or name)',
    aws: 'Across all templates only $Latest and $Default are valid versions: "You cannot specify numbers."',
    fake: 'InvalidParameterValue for numbers (and for MinVersion/MaxVersion); MissingParameter with no Versions.',
    moto: 'Accepts numbers as long as $Latest or $Default is also given (MissingParameter with no Versions, as the fake).',
    reason: 'Documented rule, kept so callers cannot rely on a call AWS refuses.',
  },
  'auto-scaling.mixed-policy-version': {
    call: 'DescribeAutoScalingGroups (MixedInstancesPolicy)',
    aws: 'LaunchTemplateSpecification.Version defaults to $Default; the group is described with the specification it was given.',
    fake: 'Version only when one was given, for LaunchTemplate and MixedInstancesPolicy alike.',
    moto: 'Leaves Version out for LaunchTemplate but fills in "$Default" for MixedInstancesPolicy.',
    reason:
      "Consistency with the LaunchTemplate case (moto's own notes say AWS never shows a version that was not given); callers must read a missing Version as $Default either way.",
  },
  'auto-scaling.max-records': {
    call: 'DescribeAutoScalingGroups (MaxRecords)',
    aws: 'MaxRecords: default 50, at most 100; more is a ValidationError.',
    fake: 'ValidationError above 100 (or below 1).',
    moto: 'HTTP 500 for MaxRecords above 100.',
    reason: 'Documented limit; a 500 would look like an outage to the SDK and be retried.',
  },
  'sts.assume-role-validation': {
    call: 'AssumeRole',
    aws: 'RoleArn is a role ARN (20-2048 characters); STS answers ValidationError for one that is not.',
    fake: 'ValidationError for a malformed role ARN or session name, or a duration outside 900-43200 s.',
    moto: 'Accepts any RoleArn and returns credentials.',
    reason: 'A typo in a configured role ARN must fail as it would on AWS.',
  },
  'kms.aws-managed-key': {
    call: 'DescribeKey (alias/aws/ebs)',
    aws: 'alias/aws/ebs names the AWS managed key for EBS: KeyMetadata.KeyManager is AWS.',
    fake: 'KeyManager AWS for alias/aws/ebs (created on first use), CUSTOMER for keys made with the builders or CreateKey.',
    moto: 'Creates alias/aws/ebs on first use as a customer managed key (KeyManager CUSTOMER).',
    reason:
      'Golden-image promotion tells the AWS managed key from customer keys (it cannot be shared across accounts).',
  },
  'ssm.type-change': {
    call: 'PutParameter (Overwrite with another Type)',
    aws: 'HierarchyTypeMismatchException: a parameter cannot change from String to SecureString (or back); create a new one.',
    fake: 'HierarchyTypeMismatchException for changes to or from SecureString (String and StringList may change into each other).',
    moto: 'Accepts the change and writes a new version.',
    reason: 'Documented error; a secret must never turn into a plain String by an overwrite.',
  },
  'ssm.ec2-image-validation': {
    call: 'PutParameter (DataType aws:ec2:image)',
    aws: 'The value is validated asynchronously: the call answers 200, and a value that is not an available AMI of the account is not created or updated.',
    fake: 'Answers 200; stores the value only if it is an AMI id of an available image the account can use in the region; records the failure (parameterValidationFailures).',
    moto: 'Stores any value (the AMI is not checked).',
    reason: 'Golden-image promotion must notice that a parameter did not move: it reads the parameter back.',
  },
  'kms.aws-managed-key-policy': {
    call: 'PutKeyPolicy (alias/aws/ebs)',
    aws: 'The key policy of an AWS managed key cannot be changed.',
    fake: 'AccessDeniedException.',
    moto: 'Replaces the policy.',
    reason: 'Promotion must not believe it opened the AWS managed key to another account.',
  },
  'modify-snapshot-attribute.structured': {
    call: 'ModifySnapshotAttribute (CreateVolumePermission.Add/Remove)',
    aws: 'CreateVolumePermission.Add/Remove (structured) and OperationType with UserIds/GroupNames (flat) both change createVolumePermission.',
    fake: 'Both forms.',
    moto: 'Only the flat form; the structured one answers 200 and changes nothing.',
    reason: 'The SDK offers both; a call that silently does nothing would hide a sharing bug.',
  },
  'kms.create-grant-policy': {
    call: 'CreateGrant (a key of another account, by ARN)',
    aws: 'Cross-account use of a key needs the key policy to allow the caller’s account; IAM alone is not enough.',
    fake: 'AccessDeniedException unless an Allow statement for kms:CreateGrant names the caller (its root, ARN, account id or *).',
    moto: 'Keeps keys per account: another account’s key ARN is not found (an HTML error page), policy or not.',
    reason:
      'Sharing an encrypted image must fail with the key-policy statement to add when the policy does not allow the grant.',
  },
  'ec2.image-block-public-access': {
    call: 'GetImageBlockPublicAccessState',
    aws: 'Answers `unblocked` or `block-new-sharing` for the region.',
    fake: 'As documented (EnableImageBlockPublicAccess/DisableImageBlockPublicAccess change it).',
    moto: 'Not implemented: an error.',
    reason: '/ami why reports the setting for public images and explains it when a share cannot be public.',
  },
} as const satisfies Record<string, Deviation>;

export type DeviationId = keyof typeof DEVIATIONS;

/** Whether `backend` does what AWS documents in this case (the fake always does; moto does not). */
export function documented(backend: BackendName | { name: BackendName }, id: DeviationId): boolean {
  const name = typeof backend === 'string' ? backend : backend.name;
  if (!(id in DEVIATIONS)) throw new Error(`unknown deviation ${id}`);
  return name === 'fake';
}
