import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';
import { type QueryParams, queryInt, requireParam } from './query.js';
import type { FakeAwsState, Principal } from './state.js';
import { type XmlObject, xmlDocument } from './xml.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

/** Stable `AROA…` id of a role, as IAM gives every role one unique id. */
function roleId(roleArn: string): string {
  return `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;
}

function assumeRole(state: FakeAwsState, caller: Principal, params: QueryParams): XmlObject {
  const roleArn = requireParam(params, 'RoleArn');
  const sessionName = requireParam(params, 'RoleSessionName');
  const duration = queryInt(params, 'DurationSeconds') ?? 3600;
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) throw validation(`${roleArn} is invalid`);
  if (!SESSION_NAME.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  if (duration < 900 || duration > 43200) {
    throw validation(
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  if (state.deniedRoles.has(roleArn)) {
    throw new AwsError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const [, accountId, roleName] = arn as unknown as [string, string, string];
  const accessKeyId = `ASIA${state.ids.upper(16)}`;
  const expiration = new Date(state.now().getTime() + duration * 1000);
  const assumedRoleId = `${roleId(roleArn)}:${sessionName}`;
  const sessionArn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
  state.accessKeys.set(accessKeyId, {
    accessKeyId,
    accountId,
    arn: sessionArn,
    userId: assumedRoleId,
    expiration,
  });
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: state.ids.secret(30),
      SessionToken: state.ids.secret(96),
      Expiration: expiration,
    },
    AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: sessionArn },
  };
}

function getCallerIdentity(caller: Principal): XmlObject {
  return { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn };
}

/** The STS query-protocol actions; the server wraps the result in `<ActionResult>` plus `<ResponseMetadata>`. */
export function handleSts(
  state: FakeAwsState,
  caller: Principal,
  action: string,
  params: QueryParams,
): XmlObject {
  switch (action) {
    case 'AssumeRole':
      return assumeRole(state, caller, params);
    case 'GetCallerIdentity':
      return getCallerIdentity(caller);
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}

/** An AWS query protocol error document (STS, Auto Scaling). */
export function queryErrorXml(error: AwsError, requestId: string, namespace = STS_NAMESPACE): string {
  return xmlDocument('ErrorResponse', namespace, {
    Error: { Type: error.type, Code: error.code, Message: error.message },
    RequestId: requestId,
  });
}
