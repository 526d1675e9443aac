import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';

const T0 = new Date('2026-11-26T12:00:00.000Z');
const SCANNER = 'arn:aws:states:us-east-1:111111111111:stateMachine:ami-scanner';

let now = T0;
let fake: FakeAws;
let sfn: SFNClient;
let kms: KMSClient;

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
  const config = {
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAME', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
  sfn = new SFNClient(config);
  kms = new KMSClient(config);
});

afterAll(async () => {
  sfn.destroy();
  kms.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
});

describe('Step Functions', () => {
  it('runs a scripted execution against the clock', async () => {
    fake.scriptExecution(SCANNER, {
      status: 'SUCCEEDED',
      output: { findings: [{ severity: 'HIGH', title: 'openssl' }] },
      durationMs: 60_000,
    });
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: SCANNER,
        name: 'scan-req-1',
        input: '{"imageId":"ami-1"}',
      }),
    );
    expect(started.executionArn).toBe(
      'arn:aws:states:us-east-1:111111111111:execution:ami-scanner:scan-req-1',
    );
    expect(started.startDate?.toISOString()).toBe(T0.toISOString());

    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(running.status).toBe('RUNNING');
    expect(running.stopDate).toBeUndefined();
    expect(running.input).toBe('{"imageId":"ami-1"}');

    // Same name and input while running: the same execution.
    const again = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: SCANNER,
        name: 'scan-req-1',
        input: '{"imageId":"ami-1"}',
      }),
    );
    expect(again.executionArn).toBe(started.executionArn);

    now = new Date(T0.getTime() + 60_000);
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ findings: [{ severity: 'HIGH', title: 'openssl' }] });
    expect(done.stopDate?.toISOString()).toBe(now.toISOString());

    const clash = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: SCANNER, name: 'scan-req-1', input: '{}' })),
    );
    expect(clash.name).toBe('ExecutionAlreadyExists');
  });

  it('scripts failures per input, and stops executions', async () => {
    const arn = 'arn:aws:states:us-east-1:111111111111:stateMachine:picky';
    fake.scriptExecution(arn, (execution) =>
      (execution.input as { imageId: string }).imageId === 'ami-bad'
        ? { status: 'FAILED', error: 'ScanError', cause: 'instance did not boot' }
        : { status: 'SUCCEEDED', output: { ok: true }, durationMs: 10_000 },
    );
    const bad = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"imageId":"ami-bad"}' }),
    );
    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn: bad.executionArn }));
    expect(failed).toMatchObject({ status: 'FAILED', error: 'ScanError', cause: 'instance did not boot' });

    const good = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"imageId":"ami-ok"}' }),
    );
    now = new Date(T0.getTime() + 2000);
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: good.executionArn, cause: 'cancelled' }),
    );
    expect(stopped.stopDate?.toISOString()).toBe(now.toISOString());
    const aborted = await sfn.send(new DescribeExecutionCommand({ executionArn: good.executionArn }));
    expect(aborted).toMatchObject({ status: 'ABORTED', cause: 'cancelled' });
    expect(fake.executions(arn)).toHaveLength(2);
  });

  it('answers the Step Functions errors', async () => {
    const missing = await failure(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:none',
        }),
      ),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
    expect(missing.$metadata.httpStatusCode).toBe(400);
    const noExecution = await failure(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:111111111111:execution:x:y' }),
      ),
    );
    expect(noExecution.name).toBe('ExecutionDoesNotExist');
    const invalid = await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: 'nope' })));
    expect(invalid.name).toBe('InvalidArn');
    expect(fake.callsOf('StartExecution', 'sfn').at(-1)).toMatchObject({
      status: 400,
      errorCode: 'InvalidArn',
    });
  });
});

describe('KMS DescribeKey', () => {
  it('resolves key ids, ARNs, aliases and alias ARNs', async () => {
    const key = fake.addKmsKey({ region: 'us-east-1', alias: 'amibot', description: 'AMI copies' });
    for (const KeyId of [
      key.keyId,
      key.arn,
      'alias/amibot',
      'arn:aws:kms:us-east-1:111111111111:alias/amibot',
    ]) {
      const out = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(out.KeyMetadata).toMatchObject({
        KeyId: key.keyId,
        Arn: key.arn,
        AWSAccountId: '111111111111',
        Enabled: true,
        KeyState: 'Enabled',
        Description: 'AMI copies',
        KeyManager: 'CUSTOMER',
      });
      expect(out.KeyMetadata?.CreationDate?.toISOString()).toBe(T0.toISOString());
    }
    const ebs = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    expect(ebs.KeyMetadata?.KeyManager).toBe('AWS');
  });

  it('reports disabled keys and missing ones', async () => {
    const key = fake.addKmsKey({ region: 'us-east-1', enabled: false });
    const out = await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }));
    expect(out.KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    fake.setKmsKeyEnabled(key, true);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).toBe(
      'Enabled',
    );

    const missing = await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
    expect(missing.name).toBe('NotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(400);
    const otherRegion = fake.addKmsKey({ region: 'eu-west-1' });
    const wrongRegion = await failure(kms.send(new DescribeKeyCommand({ KeyId: otherRegion.keyId })));
    expect(wrongRegion.name).toBe('NotFoundException');
  });
});
