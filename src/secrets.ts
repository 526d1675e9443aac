/**
 * The one sanitiser for text that may carry credentials: used by the logger's redaction and by
 * every AWS error message the bot shows in Slack (`aws/errors.ts`, `blocks/error.ts`). Pure.
 *
 * It removes, wherever they appear in a string: Slack tokens (`xox?-…`, `xapp-…`), AWS access key
 * ids (`AKIA…`, `ASIA…` and the other key-id prefixes), secret access keys, session tokens (long
 * base64 runs), SigV4 credentials and signatures (`Credential=`, `Signature=`, `X-Amz-*` query
 * parameters, `x-amz-security-token`), Slack request signatures (`v0=…`), `name=value` pairs whose
 * name says secret, token, password or key, and the user:password part of URLs. What is left says
 * what happened without saying anything that opens a door.
 */

const REDACTED = '[redacted]';

const PATTERNS: Array<[RegExp, string]> = [
  [/xox[abposr]-[A-Za-z0-9-]+/g, `xox?-${REDACTED}`],
  [/xapp-[A-Za-z0-9-]+/g, `xapp-${REDACTED}`],
  // SigV4 pieces: `Credential=AKIA…/20260101/us-east-1/ec2/aws4_request`, `Signature=<hex>`,
  // presigned-URL parameters, and the session-token header.
  [/\b(X-Amz-Credential|Credential)=[^\s,&;"']+/gi, `$1=${REDACTED}`],
  [/\b(X-Amz-Signature|Signature)=[^\s,&;"']+/gi, `$1=${REDACTED}`],
  [/\b(X-Amz-Security-Token|x-amz-security-token)(\s*[:=]\s*)[^\s,&;"']+/gi, `$1$2${REDACTED}`],
  [/v0=[a-f0-9]{64}/g, `v0=${REDACTED}`],
  // `aws_secret_access_key = …`, `"SessionToken":"…"`, `password: …`, `api_key=…`.
  [
    /\b([A-Za-z_]*(?:secret|token|password|passwd|credential|api[_-]?key|private[_-]?key)[A-Za-z_]*)("?\s*[:=]\s*"?)[^\s,;"'&]+/gi,
    `$1$2${REDACTED}`,
  ],
  // AWS access key ids: AKIA (long-term), ASIA (temporary) and the other IAM unique-id prefixes.
  [/\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{12,}\b/g, `$1${REDACTED}`],
  // Session tokens and other long base64 runs.
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{80,}={0,2}(?![A-Za-z0-9/+=])/g, REDACTED],
  // A secret access key on its own: 40 characters of base64 mixing cases and digits.
  [
    /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=]))(?=[^\s]*[a-z])(?=[^\s]*[A-Z])(?=[^\s]*[0-9])[A-Za-z0-9/+]{40}/g,
    REDACTED,
  ],
  // `https://user:password@host`, `redis://:password@host`.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, `$1***@`],
];

/** `text` with every credential-looking part replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Object keys whose values are secrets whatever they look like. */
export const SECRET_KEYS =
  /token|secret|password|signature|authorization|credentials|sessiontoken|secretaccesskey/i;
