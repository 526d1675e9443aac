import { describe, expect, it } from 'vitest';
import {
  isAccountAlias,
  isAccountId,
  isIamRoleArn,
  isImageId,
  isInstanceId,
  isKmsKeyRef,
  isLaunchTemplateId,
  isOrgArn,
  isOuArn,
  isRegion,
  isReminderId,
  isRequestId,
  isScanId,
  isSnapshotId,
  isStateMachineArn,
  kmsAliasOf,
  parseStateMachineArn,
} from '../../src/domain/ids.js';

const UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = `mrk-${'0123456789abcdef'.repeat(2)}`;

describe.each<[string, (s: string) => boolean, string[], string[]]>([
  [
    'region',
    isRegion,
    ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'ap-southeast-7'],
    ['', 'us-east', 'US-EAST-1', 'useast1', 'us-east-12', ' us-east-1', 'u-east-1', 'us-gov-west-1a'],
  ],
  [
    'account id',
    isAccountId,
    ['123456789012', '000000000000'],
    ['12345678901', '1234567890123', '1234-5678-9012', 'prod', ''],
  ],
  [
    'account alias',
    isAccountAlias,
    ['prod', 'Team_B', 'a', '123456789012', `a${'b'.repeat(62)}`],
    ['', '-prod', '_x', 'pr od', 'a/b', `a${'b'.repeat(63)}`],
  ],
  [
    'image id',
    isImageId,
    ['ami-1234abcd', 'ami-0abc1234def567890'],
    [
      'ami-0abc',
      'ami-1234abcd0',
      'ami-0abc1234def56789',
      'ami-0abc1234def5678900',
      'ami-0ABC1234DEF567890',
      'ami-0abc1234xyz567890',
      'snap-1234abcd',
      'ami-',
    ],
  ],
  [
    'snapshot id',
    isSnapshotId,
    ['snap-1234abcd', 'snap-0abc1234def567890'],
    ['snap-0abc', 'snap-0abc1234def5678', 'ami-1234abcd', 'snap-1234ABCD'],
  ],
  [
    'instance id',
    isInstanceId,
    ['i-1234abcd', 'i-0abc1234def567890'],
    ['i-0abc', 'i-0abc1234def5678900', 'ami-1234abcd', 'i-'],
  ],
  [
    'launch template id',
    isLaunchTemplateId,
    ['lt-0abc1234def567890'],
    ['lt-1234abcd', 'lt-0abc1234def56789', 'lt-0ABC1234DEF567890'],
  ],
  [
    'request id',
    isRequestId,
    ['req-k3j9x0a2b1', 'req-abc123', `req-${'a'.repeat(32)}`],
    ['req-abc12', `req-${'a'.repeat(33)}`, 'req-K3J9X0A2B1', 'scan-k3j9x0a2b1', 'req-k3j9_x0a2b1'],
  ],
  [
    'scan id',
    isScanId,
    ['scan-k3j9x0a2b1', 'scan-abc123'],
    ['scan-abc12', 'req-k3j9x0a2b1', 'scan-K3J9X0A2B1'],
  ],
  [
    'reminder id',
    isReminderId,
    ['rem-0123456789abcdef', 'rem-zzzzzzzzzzzzzzzz'],
    ['rem-0123456789abcde', 'rem-0123456789abcdef0', 'rem-0123456789ABCDEF', 'req-0123456789abcdef'],
  ],
  [
    'organization ARN',
    isOrgArn,
    [
      'arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5',
      'arn:aws-us-gov:organizations::123456789012:organization/o-a1b2c3d4e5',
    ],
    [
      'arn:aws:organizations::123456789012:organization/o-a1b2',
      'arn:aws:organizations::12345:organization/o-a1b2c3d4e5',
      'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56',
      'arn:awsx:organizations::123456789012:organization/o-a1b2c3d4e5',
    ],
  ],
  [
    'OU ARN',
    isOuArn,
    [
      'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56',
      'arn:aws-cn:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56',
    ],
    [
      'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12',
      'arn:aws:organizations::123456789012:root/o-a1b2c3d4e5/r-ab12',
    ],
  ],
  [
    'IAM role ARN',
    isIamRoleArn,
    [
      'arn:aws:iam::123456789012:role/amibot',
      'arn:aws-us-gov:iam::123456789012:role/path/to/amibot+x=y,z.@-_',
    ],
    [
      'arn:aws:iam::123456789012:user/amibot',
      'arn:aws:iam::12345678901:role/amibot',
      'arn:aws:iam::123456789012:role/',
      'arn:gcp:iam::123456789012:role/amibot',
    ],
  ],
  [
    'state machine ARN',
    isStateMachineArn,
    ['arn:aws:states:us-east-1:123456789012:stateMachine:ami-scan'],
    [
      'arn:aws:states:us-east-1:123456789012:stateMachine:ami-scan:1',
      'arn:aws:states:us-east-1:123456789012:execution:ami-scan:x',
      'arn:aws:states:us-east-1:1234:stateMachine:ami-scan',
    ],
  ],
  [
    'KMS key reference',
    isKmsKeyRef,
    [
      UUID,
      MRK,
      `arn:aws:kms:us-east-1:123456789012:key/${UUID}`,
      `arn:aws-cn:kms:cn-north-1:123456789012:key/${MRK}`,
      'alias/ami-copies',
      'alias/aws/ebs',
      'arn:aws:kms:us-east-1:123456789012:alias/ami-copies',
    ],
    [
      'ami-copies',
      'alias/',
      'alias/with space',
      UUID.toUpperCase(),
      'arn:aws:kms:us-east-1:123:key/x',
      `arn:aws:kms:us-east-1:123456789012:key/${UUID}x`,
    ],
  ],
])('%s', (_name, is, good, bad) => {
  it.each(good)('accepts %j', (s) => expect(is(s)).toBe(true));
  it.each(bad)('refuses %j', (s) => expect(is(s)).toBe(false));
});

describe('kmsAliasOf', () => {
  it.each([
    ['alias/ami-copies', 'alias/ami-copies'],
    ['arn:aws:kms:us-east-1:123456789012:alias/team/copies', 'alias/team/copies'],
    [UUID, undefined],
    [`arn:aws:kms:us-east-1:123456789012:key/${UUID}`, undefined],
  ])('%s → %s', (ref, alias) => expect(kmsAliasOf(ref)).toBe(alias));
});

describe('parseStateMachineArn', () => {
  it('reads the parts, with or without a version or alias qualifier', () => {
    const parts = {
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      accountId: '123456789012',
      name: 'ami-scan',
    };
    expect(
      parseStateMachineArn('arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:ami-scan'),
    ).toEqual(parts);
    expect(
      parseStateMachineArn('arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:ami-scan:prod'),
    ).toEqual(parts);
  });

  it('refuses what is not a state machine ARN', () => {
    expect(
      parseStateMachineArn('arn:aws:states:us-east-1:123456789012:execution:ami-scan:x'),
    ).toBeUndefined();
    expect(parseStateMachineArn('not-an-arn')).toBeUndefined();
  });
});
