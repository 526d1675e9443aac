import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { executionArnFor, StepFunctions } from '../../src/aws/sfn.js';
import { clientsFor, failure, testAccount } from './support.js';

const REGION = 'us-east-1';
const T0 = new Date('2026-11-26T12:00:00.000Z');
const MACHINE = `arn:aws:states:${REGION}:111111111111:stateMachine:amibot-scan`;
const account = testAccount;

let now = T0;
let fake: FakeAws;
let clients: AwsClients;
let sfn: StepFunctions;
let counter = 0;

function execName(): string {
  counter++;
  return `req-abc${counter}-scan`;
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
  clients = clientsFor(fake);
  sfn = new StepFunctions(clients);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.faults.reset();
});

describe('Step Functions executions', () => {
  it('starts an execution, sees it running, then succeeded with parsed output', async () => {
    fake.scriptExecution(MACHINE, (start) => ({
      status: 'SUCCEEDED',
      durationMs: 60_000,
      output: {
        findings: [{ id: 'CVE-1', severity: 'HIGH' }],
        imageId: (start.input as { imageId: string }).imageId,
      },
    }));
    const name = execName();
    const { executionArn, existing } = await sfn.startExecution(account, REGION, MACHINE, name, {
      imageId: 'ami-0123456789abcdef0',
    });
    expect(existing).toBe(false);
    expect(executionArn).toBe(executionArnFor(MACHINE, name));
    expect(fake.executions(MACHINE).find((e) => e.name === name)?.input).toEqual({
      imageId: 'ami-0123456789abcdef0',
    });

    const running = await sfn.describeExecution(account, REGION, executionArn);
    expect(running.status).toBe('RUNNING');
    expect(running.startDate.toISOString()).toBe(T0.toISOString());
    expect(running.stopDate).toBeUndefined();
    expect(running.output).toBeUndefined();

    now = new Date(T0.getTime() + 60_000);
    const done = await sfn.describeExecution(account, REGION, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      findings: [{ id: 'CVE-1', severity: 'HIGH' }],
      imageId: 'ami-0123456789abcdef0',
    });
    expect(done.stopDate?.toISOString()).toBe(now.toISOString());
  });

  it('reports a failed execution with its error and cause', async () => {
    const machine = `${MACHINE}-failing`;
    fake.scriptExecution(machine, { status: 'FAILED', error: 'ScanError', cause: 'instance did not boot' });
    const { executionArn } = await sfn.startExecution(account, REGION, machine, execName(), { x: 1 });
    const info = await sfn.describeExecution(account, REGION, executionArn);
    expect(info).toMatchObject({ status: 'FAILED', error: 'ScanError', cause: 'instance did not boot' });
    expect(info.output).toBeUndefined();
  });

  it('is idempotent on the name: starting again returns the same execution, even once finished', async () => {
    fake.scriptExecution(MACHINE, { status: 'SUCCEEDED', output: {} });
    const name = execName();
    const first = await sfn.startExecution(account, REGION, MACHINE, name, { imageId: 'ami-1' });
    const again = await sfn.startExecution(account, REGION, MACHINE, name, { imageId: 'ami-1' });
    expect(again).toEqual({ executionArn: first.executionArn, existing: true });
    expect(fake.executions(MACHINE).filter((e) => e.name === name)).toHaveLength(1);
  });

  it('refuses the same name with a different input as a conflict', async () => {
    fake.scriptExecution(MACHINE, { status: 'SUCCEEDED', output: {} });
    const name = execName();
    await sfn.startExecution(account, REGION, MACHINE, name, { imageId: 'ami-1' });
    const err = await failure(sfn.startExecution(account, REGION, MACHINE, name, { imageId: 'ami-2' }));
    expect(err.code).toBe('conflict');
  });

  it('rejects names Step Functions would refuse, before calling it', async () => {
    const err = await failure(sfn.startExecution(account, REGION, MACHINE, 'has spaces', {}));
    expect(err.code).toBe('bad_input');
    const long = await failure(sfn.startExecution(account, REGION, MACHINE, 'a'.repeat(81), {}));
    expect(long.code).toBe('bad_input');
  });

  it('stops a running execution', async () => {
    const machine = `${MACHINE}-slow`;
    fake.scriptExecution(machine, { status: 'SUCCEEDED', durationMs: 600_000 });
    const { executionArn } = await sfn.startExecution(account, REGION, machine, execName(), {});
    now = new Date(T0.getTime() + 10_000);
    const stopped = await sfn.stopExecution(account, REGION, executionArn, {
      error: 'Cancelled',
      cause: 'by user',
    });
    expect(stopped.stopDate?.toISOString()).toBe(now.toISOString());
    const info = await sfn.describeExecution(account, REGION, executionArn);
    expect(info).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by user' });
  });

  it('answers not_found for an unknown state machine or execution', async () => {
    const missing = `arn:aws:states:${REGION}:111111111111:stateMachine:nope`;
    const err = await failure(sfn.startExecution(account, REGION, missing, execName(), {}));
    expect(err.code).toBe('not_found');
    expect(err.userMessage).toContain('nope');
    const gone = await failure(
      sfn.describeExecution(account, REGION, executionArnFor(MACHINE, 'never-started') as string),
    );
    expect(gone.code).toBe('not_found');
  });

  it('names states:StartExecution when refused', async () => {
    fake.faults.failNext('sfn:StartExecution', { code: 'AccessDeniedException' });
    const err = await failure(sfn.startExecution(account, REGION, MACHINE, execName(), {}));
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`states:StartExecution`');
  });
});
