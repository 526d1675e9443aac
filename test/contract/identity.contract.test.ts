import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeAll, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { Ec2Images } from '../../src/aws/ec2.js';
import { KmsKeys } from '../../src/aws/kms.js';
import { StepFunctions } from '../../src/aws/sfn.js';
import { accountSchema } from '../../src/config.js';
import { failure } from '../aws/support.js';
import { type Backend, describeContract, unique } from './backends.js';
import { documented } from './deviations.js';

/** STS (who am I, assumed roles acting in the role's account), KMS keys, Step Functions executions. */

const REGION = 'us-east-1';
const ROLE_ACCOUNT = '444455556666';

async function awsError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describeContract('identity, keys and executions', (backend: () => Backend) => {
  let b: Backend;

  beforeAll(() => {
    b = backend();
  });

  it('STS GetCallerIdentity: the account behind the base credentials', async () => {
    expect(await b.clients.accountId(b.account, REGION)).toBe(b.accountId);
    const out = await b.sts(REGION).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(b.accountId);
    expect(out.Arn).toMatch(new RegExp(`^arn:aws:(iam|sts)::${b.accountId}:`));
  });

  it('STS AssumeRole: the credentials act in the role account, for STS and EC2 alike', async () => {
    const roleArn = `arn:aws:iam::${ROLE_ACCOUNT}:role/amibot-contract`;
    const clients = new AwsClients({
      endpoint: b.url,
      maxAttempts: 2,
      retryMode: 'standard',
      credentials: b.credentials,
    });
    try {
      const account = accountSchema.parse({ alias: 'role-account', roleArn });
      expect(await clients.accountId(account, REGION)).toBe(ROLE_ACCOUNT);
      // An image created in the role's account is that account's own.
      const credentials = await b.assumeRole(ROLE_ACCOUNT);
      const who = await b.sts(REGION, credentials).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toBe(`arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/amibot-contract/contract`);
      const mine = await new Ec2Images(clients).listAll(account, REGION, { owners: ['self'] });
      for (const image of mine) expect(image.ownerId).toBe(ROLE_ACCOUNT);
      const theirs = await b.ec2(REGION, credentials).send(new DescribeImagesCommand({ Owners: ['self'] }));
      for (const image of theirs.Images ?? []) expect(image.OwnerId).toBe(ROLE_ACCOUNT);
    } finally {
      clients.destroy();
    }
  });

  it('STS AssumeRole: a malformed role ARN is a ValidationError', async () => {
    const attempt = b
      .sts(REGION)
      .send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 'contract' }));
    if (documented(b, 'sts.assume-role-validation')) {
      expect((await awsError(attempt)).name).toBe('ValidationError');
    } else {
      expect((await attempt).Credentials?.AccessKeyId).toEqual(expect.any(String));
    }
  });

  it('KMS DescribeKey: a key by id, ARN, alias and alias ARN; unknown keys are not found', async () => {
    const alias = `alias/${unique('contract-key')}`;
    const key = await b.seedKey(REGION, alias);
    const keys = new KmsKeys(b.clients);
    for (const ref of [key.keyId, key.arn, alias, `arn:aws:kms:${REGION}:${b.accountId}:${alias}`]) {
      const info = await keys.describeKey(b.account, REGION, ref);
      expect(info).toMatchObject({
        keyId: key.keyId,
        arn: key.arn,
        enabled: true,
        state: 'Enabled',
        manager: 'CUSTOMER',
      });
    }
    const missing = await failure(keys.describeKey(b.account, REGION, 'alias/contract-no-such-key'));
    expect(missing.code).toBe('not_found');
  });

  it('KMS DescribeKey: alias/aws/ebs is the AWS managed key of the account', async () => {
    const info = await new KmsKeys(b.clients).describeKey(b.account, REGION, 'alias/aws/ebs');
    expect(info.arn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${b.accountId}:key/`));
    expect(info.enabled).toBe(true);
    if (documented(b, 'kms.aws-managed-key')) {
      expect(info.manager).toBe('AWS');
    } else {
      expect(info.manager).toBe('CUSTOMER');
    }
  });

  it('Step Functions: StartExecution is idempotent on name and input; DescribeExecution and StopExecution', async () => {
    const machine = await b.seedStateMachine(REGION, unique('contract-scan'));
    const sfn = new StepFunctions(b.clients);
    const name = unique('exec');
    const started = await sfn.startExecution(b.account, REGION, machine, name, {
      imageId: 'ami-0123456789abcdef0',
    });
    expect(started.executionArn).toBe(machine.replace(':stateMachine:', ':execution:') + `:${name}`);
    const again = await sfn.startExecution(b.account, REGION, machine, name, {
      imageId: 'ami-0123456789abcdef0',
    });
    expect(again.executionArn).toBe(started.executionArn);
    const clash = await failure(
      sfn.startExecution(b.account, REGION, machine, name, { imageId: 'ami-0fffffffffffffff0' }),
    );
    expect(clash.code).toBe('conflict');

    const running = await sfn.describeExecution(b.account, REGION, started.executionArn);
    expect(running.status).toBe('RUNNING');
    expect(running.startDate).toBeInstanceOf(Date);
    await sfn.stopExecution(b.account, REGION, started.executionArn);
    const stopped = await sfn.describeExecution(b.account, REGION, started.executionArn);
    expect(stopped.status).toBe('ABORTED');

    const unknown = await failure(
      sfn.startExecution(
        b.account,
        REGION,
        machine.replace(/:stateMachine:.*/, ':stateMachine:contract-none'),
        unique('exec'),
        {},
      ),
    );
    expect(unknown.code).toBe('not_found');
  });
});
