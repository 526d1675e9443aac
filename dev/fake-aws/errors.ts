/** A JSON protocol body (Step Functions, KMS, SSM). */
export type JsonObject = Record<string, unknown>;

/**
 * An error answered to the client the way AWS answers it: an error code (`InvalidAMIID.NotFound`,
 * `AccessDenied`, `ResourceNotFoundException`…), a message and the HTTP status. Each protocol
 * (EC2 query, AWS query, JSON) renders it in its own wire shape.
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** AWS query protocol (STS) error type: `Sender` for client errors, `Receiver` for server ones. */
  readonly type: 'Sender' | 'Receiver';

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
    this.type = status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** EC2's answer when a caller acts on an image or snapshot that it can see but does not own. */
export function notAuthorized(resourceKind: string, id: string): AwsError {
  return new AwsError('AuthFailure', `Not authorized for ${resourceKind}:${id}`, 401);
}

/** Default HTTP status for an error code injected without one. */
export function defaultStatusFor(code: string): number {
  switch (code) {
    case 'RequestLimitExceeded':
    case 'ServiceUnavailable':
    case 'ServiceUnavailableException':
    case 'Unavailable':
      return 503;
    case 'InternalError':
    case 'InternalFailure':
    case 'KMSInternalException':
      return 500;
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return 403;
    case 'AuthFailure':
      return 401;
    default:
      return 400;
  }
}
