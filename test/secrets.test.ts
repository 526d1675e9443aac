import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/secrets.js';

describe('redactSecrets', () => {
  it.each([
    ['key AKIAIOSFODNN7EXAMPLE used', 'key AKIA[redacted] used'],
    ['temporary ASIAY34FZKBOKMUTVV7A', 'temporary ASIA[redacted]'],
    ['role AROAJQABLZS4A3QDU576Q', 'role AROA[redacted]'],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = [redacted]',
    ],
    ['alone wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here', 'alone [redacted] here'],
    [`"SessionToken":"FwoGZXIvYXdzE${'a'.repeat(30)}"`, '"SessionToken":"[redacted]"'],
    [`token run ${'AbC9'.repeat(30)}== end`, 'token run [redacted] end'],
    [
      `Credential=AKIAIOSFODNN7EXAMPLE/20261126/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=${'a1'.repeat(32)}`,
      'Credential=[redacted], SignedHeaders=host, Signature=[redacted]',
    ],
    [
      `?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=${'f'.repeat(64)}&x`,
      '?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&x',
    ],
    ['x-amz-security-token: IQoJb3JpZ2luX2Vj', 'x-amz-security-token: [redacted]'],
    [`sig v0=${'a'.repeat(64)}`, 'sig v0=[redacted]'],
    ['xoxb-1234-5678-abcdef and xapp-1-A0-1-abc', 'xox?-[redacted] and xapp-[redacted]'],
    ['via https://alice:hunter2@proxy.example/x', 'via https://***@proxy.example/x'],
    ['redis://:s3cret@redis:6379', 'redis://***@redis:6379'],
    ['password=hunter2 api_key: abc123', 'password=[redacted] api_key: [redacted]'],
  ])('%j → %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    'ami-0abc1234def567890 snap-0123456789abcdef0 vol-0123',
    'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:iam::123456789012:role/amibot',
    'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261118',
    'sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
    'InvalidAMIID.NotFound: The image id [ami-0123] does not exist',
    'The security token included in the request is invalid.',
    'You are not authorized to perform this operation. Encoded authorization failure message follows.',
  ])('leaves ordinary text alone: %j', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});
