import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { KmsKeys } from '../../src/aws/kms.js';
import { clientsFor, failure, testAccount } from './support.js';

const ME = '111111111111';
const REGION = 'eu-west-1';
const account = testAccount;

let fake: FakeAws;
let clients: AwsClients;
let kms: KmsKeys;

beforeAll(async () => {
  fake = await FakeAws.start();
  clients = clientsFor(fake);
  kms = new KmsKeys(clients);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

afterEach(() => {
  fake.faults.reset();
});

describe('describeKey', () => {
  it('resolves a key by id, key ARN, alias and alias ARN', async () => {
    const key = fake.addKmsKey({ region: REGION, alias: 'alias/images' });
    const refs = [key.keyId, key.arn, 'alias/images', `arn:aws:kms:${REGION}:${ME}:alias/images`];
    for (const ref of refs) {
      const info = await kms.describeKey(account, REGION, ref);
      expect(info).toMatchObject({ keyId: key.keyId, arn: key.arn, enabled: true, state: 'Enabled' });
    }
    expect((await kms.describeKey(account, REGION, 'alias/images')).alias).toBe('alias/images');
    expect((await kms.describeKey(account, REGION, refs[3] as string)).alias).toBe('alias/images');
    expect((await kms.describeKey(account, REGION, key.keyId)).alias).toBeUndefined();
  });

  it('reports a disabled key as not enabled', async () => {
    const key = fake.addKmsKey({ region: REGION, alias: 'alias/off' });
    fake.setKmsKeyEnabled(key, false);
    const info = await kms.describeKey(account, REGION, 'alias/off');
    expect(info).toMatchObject({ enabled: false, state: 'Disabled' });
  });

  it('reports a key pending deletion as not enabled', async () => {
    const key = fake.addKmsKey({ region: REGION, keyState: 'PendingDeletion' });
    const info = await kms.describeKey(account, REGION, key.arn);
    expect(info).toMatchObject({ enabled: false, state: 'PendingDeletion' });
  });

  it('answers not_found naming the key, account and region', async () => {
    const err = await failure(kms.describeKey(account, REGION, 'alias/missing'));
    expect(err.code).toBe('not_found');
    expect(err.userMessage).toContain('KMS key `alias/missing` was not found');
    expect(err.userMessage).toContain('*default*');
    expect(err.userMessage).toContain(REGION);
  });

  it('does not find a key of another region (KMS keys are regional)', async () => {
    const key = fake.addKmsKey({ region: 'us-east-1', alias: 'alias/east' });
    const err = await failure(kms.describeKey(account, REGION, key.keyId));
    expect(err.code).toBe('not_found');
  });

  it('resolves the AWS managed EBS key', async () => {
    const info = await kms.describeKey(account, REGION, 'alias/aws/ebs');
    expect(info).toMatchObject({ enabled: true, manager: 'AWS', alias: 'alias/aws/ebs' });
  });

  it('names kms:DescribeKey when refused', async () => {
    fake.faults.failNext('kms:DescribeKey', { code: 'AccessDeniedException' });
    const err = await failure(kms.describeKey(account, REGION, 'alias/anything'));
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`kms:DescribeKey`');
  });
});
