/**
 * A fake AWS for tests and the local sandbox: EC2 (AMIs, snapshots, tags, copies, instances,
 * launch templates, block public access for AMIs), Auto Scaling, STS, Step Functions, KMS (keys,
 * policies, grants) and SSM Parameter Store, answering the real wire protocols on one HTTP
 * endpoint. Start it, point the real SDK v3 clients at it and seed it with the builders:
 *
 *   const fake = await FakeAws.start({ clock: () => now });
 *   const ec2 = new EC2Client({ endpoint: fake.url, region: 'us-east-1', credentials });
 *   fake.addImage({ name: 'golden-base', tags: { Team: 'platform' } });
 *
 * The caller's account comes from the SigV4 access key (`registerAccessKey`, unknown keys belong to
 * 111111111111, AssumeRole credentials to the role's account); the region from the credential scope.
 */
export { AwsError } from './errors.js';
export { type AddParameterInput, FakeAws, type FakeAwsOptions } from './fake-aws.js';
export type { ErrorSpec, Faults, PageFault } from './faults.js';
export type { AddKmsKeyInput, FakeGrant, FakeKmsKey } from './kms.js';
export { type FakeAwsCall, parseAuthorization, type ServiceName, type SigV4Scope } from './server.js';
export type {
  ExecutionOutcome,
  ExecutionScript,
  ExecutionStart,
  ExecutionStatus,
  FakeExecution,
} from './sfn.js';
export type {
  FakeParameter,
  FakeParameterVersion,
  ParameterType,
  ParameterValidationFailure,
} from './ssm.js';
export {
  type AccountOrganization,
  type AddAutoScalingGroupInput,
  type AddImageInput,
  type AddInstanceInput,
  type AddLaunchConfigurationInput,
  type AddLaunchTemplateInput,
  type AddSnapshotInput,
  type AutoScalingInstance,
  type BlockDeviceInput,
  type CopyFailure,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_COPY_DURATION_MS,
  DEFAULT_REGION,
  DEFAULT_REGIONS,
  type FakeAutoScalingGroup,
  type FakeBlockDevice,
  type FakeImage,
  type FakeInstance,
  type FakeLaunchConfiguration,
  type FakeLaunchTemplate,
  type FakeLaunchTemplateVersion,
  type FakeSnapshot,
  type ImageState,
  type InstanceStateName,
  type LaunchPermissions,
  type LaunchTemplateData,
  type LaunchTemplateRefInput,
  type LaunchTemplateSpecification,
  type LaunchTemplateVersionInput,
  type MixedInstancesPolicy,
  type Principal,
  type SnapshotState,
} from './state.js';
