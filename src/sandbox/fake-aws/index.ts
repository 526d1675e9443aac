export { AwsError } from './errors.js';
export { FakeAws, type FakeAwsOptions } from './fake-aws.js';
export type { ErrorSpec, Faults } from './faults.js';
export type { AddKmsKeyInput, FakeKmsKey } from './kms.js';
export { type FakeAwsCall, parseAuthorization, type ServiceName, type SigV4Scope } from './server.js';
export type {
  ExecutionOutcome,
  ExecutionScript,
  ExecutionStart,
  ExecutionStatus,
  FakeExecution,
} from './sfn.js';
export {
  type AccountOrganization,
  type AddImageInput,
  type AddInstanceInput,
  type AddLaunchTemplateInput,
  type AddSnapshotInput,
  type BlockDeviceInput,
  type CopyFailure,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_COPY_DURATION_MS,
  DEFAULT_REGION,
  DEFAULT_REGIONS,
  type FakeBlockDevice,
  type FakeImage,
  type FakeInstance,
  type FakeLaunchTemplate,
  type FakeLaunchTemplateVersion,
  type FakeSnapshot,
  type ImageState,
  type InstanceStateName,
  type LaunchPermissions,
  type Principal,
  type SnapshotState,
} from './state.js';
