import { AppError } from '../errors.js';
import { redactSecrets } from '../secrets.js';

/** The IAM action each EC2/STS/KMS/SFN operation needs, for "missing permission" answers. */
export interface AwsCallContext {
  /** IAM action, e.g. `ec2:DescribeImages`. */
  action: string;
  region?: string;
  account?: string;
  imageId?: string;
}

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

interface SdkErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

function where(ctx: AwsCallContext): string {
  const parts = [ctx.account && `account *${ctx.account}*`, ctx.region && `region *${ctx.region}*`].filter(
    Boolean,
  );
  return parts.length ? ` in ${parts.join(', ')}` : '';
}

/** The error code as AWS sent it, when it looks like one (`InvalidAMIID.NotFound`); else `Unknown`. */
function errorCode(e: SdkErrorLike): string {
  const raw = e.name ?? e.Code ?? e.code;
  return typeof raw === 'string' && /^[A-Za-z][A-Za-z0-9._:-]{0,99}$/.test(raw) ? raw : 'Unknown';
}

/** Turns an AWS SDK error into an AppError with a message a Slack user can act on. */
export function mapAwsError(err: unknown, ctx: AwsCallContext): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const code = errorCode(e);
  const status = e.$metadata?.httpStatusCode;
  const context = { awsCode: code, status, ...ctx };

  if (THROTTLING.has(code) || status === 429) {
    return new AppError(
      'aws_throttled',
      `AWS is busy right now (rate limit reached${where(ctx)}). Please try again in a minute.`,
      {
        retry: true,
        cause: err,
        context,
      },
    );
  }
  if (
    code === 'UnauthorizedOperation' ||
    code === 'AccessDenied' ||
    code === 'AccessDeniedException' ||
    code === 'AuthFailure'
  ) {
    return new AppError(
      'aws_access_denied',
      `amibot is not allowed to do that${where(ctx)}: its IAM role is missing \`${ctx.action}\`. Ask an admin to add it (see the IAM policy in the README).`,
      { cause: err, context },
    );
  }
  if (code.startsWith('InvalidAMIID')) {
    const id = ctx.imageId ? `\`${ctx.imageId}\`` : 'That image';
    const detail =
      code === 'InvalidAMIID.Malformed'
        ? `${id} is not a valid AMI id (it looks like \`ami-0123456789abcdef0\`).`
        : code === 'InvalidAMIID.Unavailable'
          ? `${id} is no longer available${where(ctx)} (it was deregistered or is being deleted).`
          : `${id} was not found${where(ctx)}. AMIs are regional: check the region (\`--region\`) and account (\`--account\`).`;
    return new AppError(code === 'InvalidAMIID.Malformed' ? 'bad_input' : 'not_found', detail, {
      cause: err,
      context,
    });
  }
  if (code === 'InvalidSnapshot.NotFound') {
    return new AppError('not_found', `A snapshot of that image was not found${where(ctx)}.`, {
      cause: err,
      context,
    });
  }
  if (
    code === 'ExpiredToken' ||
    code === 'ExpiredTokenException' ||
    code === 'InvalidClientTokenId' ||
    code === 'UnrecognizedClientException'
  ) {
    return new AppError(
      'aws_access_denied',
      `amibot's AWS credentials were rejected${where(ctx)} (${code}). Ask an admin to check them.`,
      {
        cause: err,
        context,
      },
    );
  }
  if (
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    code === 'TimeoutError' ||
    code === 'ECONNREFUSED'
  ) {
    return new AppError(
      'aws_unavailable',
      `AWS did not answer properly${where(ctx)} (${code}). Please try again shortly.`,
      {
        retry: true,
        cause: err,
        context,
      },
    );
  }
  // AWS's own words, which may quote what was sent (a key id, a token, a signed URL): sanitised.
  const said = typeof e.message === 'string' ? redactSecrets(e.message).replace(/\s+/g, ' ').trim() : '';
  const msg = said ? `: ${said}` : '';
  return new AppError(
    'aws_error',
    `AWS refused \`${ctx.action}\`${where(ctx)} (${code})${msg}`.slice(0, 500),
    {
      cause: err,
      context,
    },
  );
}
