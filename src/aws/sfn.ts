import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { AccountConfig } from '../config.js';
import { parseStateMachineArn } from '../domain/ids.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { sfnSdk } from './sdk.js';
import { awsErrorCode } from './snapshots.js';

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface ExecutionInfo {
  status: ExecutionStatus | string;
  /** Parsed JSON output of a SUCCEEDED execution (the raw text if it is not JSON). */
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
}

export interface StartedExecution {
  executionArn: string;
  /** True when an execution with that name already existed and was returned instead. */
  existing: boolean;
}

/** Execution names: 1–80 of letters, digits, `-` and `_` (safe for CloudWatch Logs too). */
export const EXECUTION_NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;

/** The ARN Step Functions gives an execution of a standard state machine with that name. */
export function executionArnFor(stateMachineArn: string, name: string): string | undefined {
  const m = parseStateMachineArn(stateMachineArn);
  if (!m) return undefined;
  return `arn:${m.partition}:states:${m.region}:${m.accountId}:execution:${m.name}:${name}`;
}

function parseOutput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** Step Functions executions (the deep scan's state machine). */
export class StepFunctions {
  constructor(private readonly clients: AwsClients) {}

  /**
   * Starts an execution named `name` (derived from the request id). Idempotent: if an execution of
   * that name already exists with the same input, it is returned (`existing: true`).
   */
  async startExecution(
    account: AccountConfig,
    region: string,
    stateMachineArn: string,
    name: string,
    input: object,
  ): Promise<StartedExecution> {
    if (!EXECUTION_NAME_RE.test(name)) {
      throw new AppError(
        'bad_input',
        `Step Functions execution names are 1 to 80 letters, digits, \`-\` or \`_\`; got \`${name.slice(0, 90)}\`.`,
      );
    }
    const inputText = JSON.stringify(input);
    const ctx = { action: 'states:StartExecution', region, account: account.alias };
    try {
      const out = await this.clients
        .sfn(account, region)
        .send(new sfnSdk.StartExecutionCommand({ stateMachineArn, name, input: inputText }));
      if (!out.executionArn) throw new Error('StartExecution returned no execution ARN');
      return { executionArn: out.executionArn, existing: false };
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'ExecutionAlreadyExists') {
        const executionArn = executionArnFor(stateMachineArn, name);
        if (!executionArn) throw mapAwsError(err, ctx);
        const existing = await this.describeRaw(account, region, executionArn);
        if (!sameJson(existing.input, inputText)) {
          throw new AppError(
            'conflict',
            `A Step Functions execution named \`${name}\` already exists with a different input.`,
            { cause: err, context: { awsCode: code, ...ctx } },
          );
        }
        return { executionArn, existing: true };
      }
      if (code === 'StateMachineDoesNotExist') {
        throw new AppError(
          'not_found',
          `The state machine \`${stateMachineArn}\` does not exist in account *${account.alias}*, region *${region}*. Check \`SCAN_STATE_MACHINE_ARN\`.`,
          { cause: err, context: { awsCode: code, ...ctx } },
        );
      }
      throw mapAwsError(err, ctx);
    }
  }

  async describeExecution(
    account: AccountConfig,
    region: string,
    executionArn: string,
  ): Promise<ExecutionInfo> {
    const out = await this.describeRaw(account, region, executionArn);
    return {
      status: out.status ?? 'UNKNOWN',
      startDate: out.startDate ?? new Date(0),
      ...(out.stopDate ? { stopDate: out.stopDate } : {}),
      ...(out.output !== undefined ? { output: parseOutput(out.output) } : {}),
      ...(out.error !== undefined ? { error: out.error } : {}),
      ...(out.cause !== undefined ? { cause: out.cause } : {}),
    };
  }

  /** Stops a running execution (a finished one is left as it is). */
  async stopExecution(
    account: AccountConfig,
    region: string,
    executionArn: string,
    opts: { error?: string; cause?: string } = {},
  ): Promise<{ stopDate?: Date }> {
    try {
      const out = await this.clients
        .sfn(account, region)
        .send(new sfnSdk.StopExecutionCommand({ executionArn, error: opts.error, cause: opts.cause }));
      return out.stopDate ? { stopDate: out.stopDate } : {};
    } catch (err) {
      throw this.mapExecutionError(err, executionArn, {
        action: 'states:StopExecution',
        region,
        account: account.alias,
      });
    }
  }

  private async describeRaw(
    account: AccountConfig,
    region: string,
    executionArn: string,
  ): Promise<DescribeExecutionCommandOutput> {
    try {
      return await this.clients
        .sfn(account, region)
        .send(new sfnSdk.DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      throw this.mapExecutionError(err, executionArn, {
        action: 'states:DescribeExecution',
        region,
        account: account.alias,
      });
    }
  }

  private mapExecutionError(
    err: unknown,
    executionArn: string,
    ctx: { action: string; region: string; account: string },
  ): AppError {
    if (awsErrorCode(err) === 'ExecutionDoesNotExist') {
      return new AppError(
        'not_found',
        `The Step Functions execution \`${executionArn}\` was not found in account *${ctx.account}*, region *${ctx.region}*.`,
        { cause: err, context: { awsCode: 'ExecutionDoesNotExist', ...ctx } },
      );
    }
    return mapAwsError(err, ctx);
  }
}
