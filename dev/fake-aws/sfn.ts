import { AwsError, type JsonObject } from './errors.js';
import type { IdGenerator } from './ids.js';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** How a scripted execution ends, and how long it runs (measured on the fake's clock). */
export interface ExecutionOutcome {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  /** JSON-serialisable output of a SUCCEEDED execution. */
  output?: unknown;
  error?: string;
  cause?: string;
  /** Default 0: the execution is finished as soon as it starts. */
  durationMs?: number;
}

export interface ExecutionStart {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The parsed JSON input. */
  input: unknown;
}

/** One outcome for every execution, or a function that decides per execution (e.g. from its input). */
export type ExecutionScript = ExecutionOutcome | ((execution: ExecutionStart) => ExecutionOutcome);

export interface FakeExecution extends ExecutionStart {
  region: string;
  accountId: string;
  inputText: string;
  startDate: Date;
  outcome: ExecutionOutcome;
  stopped?: { at: Date; error?: string; cause?: string };
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const NAME = /^[A-Za-z0-9_-]{1,80}$/;

function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

const seconds = (date: Date): number => date.getTime() / 1000;

/** Step Functions state machines with scripted outcomes, and their executions. */
export class SfnStore {
  private readonly scripts = new Map<string, ExecutionScript>();
  readonly executions = new Map<string, FakeExecution>();

  constructor(
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
  ) {}

  /** Makes the state machine exist; its executions end as scripted. */
  script(stateMachineArn: string, script: ExecutionScript): void {
    if (!STATE_MACHINE_ARN.test(stateMachineArn))
      throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
    this.scripts.set(stateMachineArn, script);
  }

  status(execution: FakeExecution, now: Date): ExecutionStatus {
    if (execution.stopped) return 'ABORTED';
    const endsAt = execution.startDate.getTime() + (execution.outcome.durationMs ?? 0);
    return now.getTime() < endsAt ? 'RUNNING' : execution.outcome.status;
  }

  handle(action: string, body: Record<string, unknown>): JsonObject {
    switch (action) {
      case 'StartExecution':
        return this.startExecution(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'StopExecution':
        return this.stopExecution(body);
      case 'DescribeStateMachine':
        return this.describeStateMachine(body);
      default:
        throw new AwsError(
          'UnknownOperationException',
          `The operation ${action} is not supported by this fake`,
        );
    }
  }

  /** A scripted state machine, described the way Step Functions does (the fields amibot reads). */
  private describeStateMachine(body: Record<string, unknown>): JsonObject {
    const stateMachineArn = requireString(body, 'stateMachineArn');
    const arn = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (!arn)
      throw new AwsError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${stateMachineArn}'`,
      );
    if (!this.scripts.has(stateMachineArn))
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const [, region, accountId, name] = arn as unknown as [string, string, string, string];
    return {
      stateMachineArn,
      name,
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: '{"StartAt":"Scan","States":{"Scan":{"Type":"Succeed"}}}',
      roleArn: `arn:aws:iam::${accountId}:role/${name}-${region}`,
      creationDate: seconds(new Date(0)),
    };
  }

  private startExecution(body: Record<string, unknown>): JsonObject {
    const stateMachineArn = requireString(body, 'stateMachineArn');
    const arn = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (!arn)
      throw new AwsError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${stateMachineArn}'`,
      );
    const script = this.scripts.get(stateMachineArn);
    if (!script)
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = typeof body['name'] === 'string' ? body['name'] : this.ids.uuid();
    if (!NAME.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = typeof body['input'] === 'string' ? body['input'] : '{}';
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new AwsError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: 'Unexpected input'`,
      );
    }
    const [, region, accountId, machineName] = arn as unknown as [string, string, string, string];
    const executionArn = `arn:aws:states:${region}:${accountId}:execution:${machineName}:${name}`;
    const now = this.now();
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: same name and input while running is idempotent; anything else is a clash.
      if (existing.inputText === inputText && this.status(existing, now) === 'RUNNING') {
        return { executionArn, startDate: seconds(existing.startDate) };
      }
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const start: ExecutionStart = { executionArn, stateMachineArn, name, input };
    const outcome = typeof script === 'function' ? script(start) : script;
    this.executions.set(executionArn, { ...start, region, accountId, inputText, startDate: now, outcome });
    return { executionArn, startDate: seconds(now) };
  }

  private find(body: Record<string, unknown>): FakeExecution {
    const executionArn = requireString(body, 'executionArn');
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  private describeExecution(body: Record<string, unknown>): JsonObject {
    const execution = this.find(body);
    const status = this.status(execution, this.now());
    const result: Record<string, unknown> = {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status,
      startDate: seconds(execution.startDate),
      input: execution.inputText,
      inputDetails: { included: true },
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
    if (status === 'RUNNING') return result;
    if (execution.stopped) {
      result['stopDate'] = seconds(execution.stopped.at);
      if (execution.stopped.error !== undefined) result['error'] = execution.stopped.error;
      if (execution.stopped.cause !== undefined) result['cause'] = execution.stopped.cause;
      return result;
    }
    const { outcome } = execution;
    result['stopDate'] = (execution.startDate.getTime() + (outcome.durationMs ?? 0)) / 1000;
    if (status === 'SUCCEEDED') {
      result['output'] = JSON.stringify(outcome.output ?? {});
      result['outputDetails'] = { included: true };
    } else {
      if (outcome.error !== undefined) result['error'] = outcome.error;
      if (outcome.cause !== undefined) result['cause'] = outcome.cause;
    }
    return result;
  }

  private stopExecution(body: Record<string, unknown>): JsonObject {
    const execution = this.find(body);
    const now = this.now();
    if (this.status(execution, now) === 'RUNNING') {
      execution.stopped = { at: now };
      if (typeof body['error'] === 'string') execution.stopped.error = body['error'];
      if (typeof body['cause'] === 'string') execution.stopped.cause = body['cause'];
      return { stopDate: seconds(now) };
    }
    const stopDate = execution.stopped
      ? execution.stopped.at.getTime()
      : execution.startDate.getTime() + (execution.outcome.durationMs ?? 0);
    return { stopDate: stopDate / 1000 };
  }
}
