import { AwsError, defaultStatusFor } from './errors.js';

/** An error to answer instead of running an action. */
export interface ErrorSpec {
  code: string;
  message?: string;
  /** HTTP status; defaults by code (503 for RequestLimitExceeded, 403 for AccessDenied, else 400). */
  status?: number;
  /** For `failNext`: how many calls fail (default 1). */
  times?: number;
}

/** Deterministic PRNG (mulberry32), so a seeded throttle ratio hits the same calls every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What happens to one page of a paginated answer. */
export interface PageFault {
  /** Answer this error instead of the page. */
  error?: ErrorSpec;
  /** Answer the page without its next token: the listing ends early, silently incomplete. */
  end?: boolean;
}

/** The services whose calls `throttleRatio` throttles, and how each says so. */
const THROTTLE_ERRORS: Readonly<Record<string, ErrorSpec>> = {
  ec2: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 },
  autoscaling: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
  ssm: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
};

/**
 * Fault injection. Action keys are an action name (`DescribeImages`), a service-qualified one
 * (`ec2:DescribeImages`, `sts:AssumeRole`, `sfn:StartExecution`, `kms:DescribeKey`,
 * `autoscaling:DescribeAutoScalingGroups`, `ssm:GetParameter`) or `*`. `failNext` and `setError`
 * also take a key for one region only: `ssm:PutParameter@eu-west-1` (or `PutParameter@eu-west-1`).
 *
 * Paginated actions can be hit on one page of a walk: `failPage` answers an error on page N (the
 * first page is 1, the one asked without a token), `endAtPage` makes page N the last one although
 * more items remain, and `capPageSize` answers at most N items per page whatever `MaxResults` asks
 * (AWS may answer fewer items than asked, still with a token).
 */
export class Faults {
  /** Delay added to every request. */
  latencyMs = 0;
  /**
   * Fraction (0..1) of EC2, Auto Scaling and SSM calls answered as throttled, each in its
   * service's words: EC2 `RequestLimitExceeded` (HTTP 503), Auto Scaling `Throttling` (400), SSM
   * `ThrottlingException` (400).
   */
  throttleRatio = 0;
  private random: () => number;
  private readonly queued = new Map<string, { spec: ErrorSpec; remaining: number }[]>();
  private readonly persistent = new Map<string, ErrorSpec>();
  private readonly pageFaults = new Map<string, Map<number, PageFault & { remaining: number }>>();
  private readonly pageCaps = new Map<string, number>();

  constructor(seed = 1) {
    this.random = mulberry32(seed);
  }

  /** Restarts the throttling sequence from a seed. */
  seed(seed: number): void {
    this.random = mulberry32(seed);
  }

  /** The next `times` (default 1) calls of `action` fail with this error. */
  failNext(action: string, spec: ErrorSpec): void {
    const list = this.queued.get(action) ?? [];
    list.push({ spec, remaining: spec.times ?? 1 });
    this.queued.set(action, list);
  }

  /** Every call of `action` fails with this error until `clearErrors`. */
  setError(action: string, spec: ErrorSpec): void {
    this.persistent.set(action, spec);
  }

  /**
   * The caller's IAM policy lacks `action` (`ec2:CopyImage`, or a bare EC2 action name): every call
   * of it, a `DryRun` call included, answers `UnauthorizedOperation` (HTTP 403) as EC2 does, until
   * `clearErrors`. EC2 checks permissions before `DryRun`, and so does the fake: the injected error
   * is answered before the action (and its `DryRunOperation`) runs.
   */
  deny(action: string): void {
    const qualified = action.includes(':') ? action : `ec2:${action}`;
    this.setError(qualified, {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      status: 403,
    });
  }

  /**
   * Page `page` of every walk of `action` fails with this error: `times` pages (default: every
   * time, until `clearErrors`).
   */
  failPage(action: string, page: number, spec: ErrorSpec): void {
    this.setPageFault(action, page, { error: spec }, spec.times ?? Number.POSITIVE_INFINITY);
  }

  /** Page `page` of every walk of `action` is answered without a next token (until `clearErrors`). */
  endAtPage(action: string, page: number): void {
    this.setPageFault(action, page, { end: true }, Number.POSITIVE_INFINITY);
  }

  /** Every page of `action` holds at most `size` items (until `clearErrors`). */
  capPageSize(action: string, size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new Error(`Page size must be a positive integer: ${size}`);
    this.pageCaps.set(action, size);
  }

  private setPageFault(action: string, page: number, fault: PageFault, remaining: number): void {
    if (!Number.isInteger(page) || page < 1) throw new Error(`Pages are numbered from 1: ${page}`);
    let byPage = this.pageFaults.get(action);
    if (!byPage) {
      byPage = new Map();
      this.pageFaults.set(action, byPage);
    }
    byPage.set(page, { ...fault, remaining });
  }

  clearErrors(): void {
    this.queued.clear();
    this.persistent.clear();
    this.pageFaults.clear();
    this.pageCaps.clear();
  }

  /** Clears errors and resets latency and throttling. */
  reset(): void {
    this.clearErrors();
    this.latencyMs = 0;
    this.throttleRatio = 0;
  }

  /** The injected error for this call, if any (consumes one `failNext`). */
  errorFor(service: string, action: string, region?: string): AwsError | undefined {
    const keys = [
      ...(region ? [`${service}:${action}@${region}`, `${action}@${region}`] : []),
      `${service}:${action}`,
      action,
      '*',
    ];
    for (const key of keys) {
      const list = this.queued.get(key);
      const first = list?.[0];
      if (list && first) {
        first.remaining -= 1;
        if (first.remaining <= 0) list.shift();
        if (list.length === 0) this.queued.delete(key);
        return toError(first.spec);
      }
    }
    for (const key of keys) {
      const spec = this.persistent.get(key);
      if (spec) return toError(spec);
    }
    return undefined;
  }

  /** The fault for page `page` of this call, if any (consumes one of a counted `failPage`). */
  pageFaultFor(service: string, action: string, page: number | undefined): PageFault | undefined {
    if (page === undefined) return undefined;
    for (const key of [`${service}:${action}`, action, '*']) {
      const byPage = this.pageFaults.get(key);
      const fault = byPage?.get(page);
      if (!byPage || !fault) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) byPage.delete(page);
      return fault.error ? { error: fault.error } : { end: true };
    }
    return undefined;
  }

  /** The most items a page of this call may hold, if capped. */
  pageCapFor(service: string, action: string): number | undefined {
    for (const key of [`${service}:${action}`, action, '*']) {
      const cap = this.pageCaps.get(key);
      if (cap !== undefined) return cap;
    }
    return undefined;
  }

  /** The throttling error for this call, if the throttle ratio hits it (EC2, Auto Scaling, SSM). */
  throttleFor(service: string): AwsError | undefined {
    const spec = THROTTLE_ERRORS[service];
    if (!spec || !this.throttles()) return undefined;
    return toError(spec);
  }

  /** Whether the next throttled-service call is throttled (draws from the seeded sequence). */
  throttles(): boolean {
    return this.throttleRatio > 0 && this.random() < this.throttleRatio;
  }
}

export function pageFaultError(spec: ErrorSpec): AwsError {
  return toError(spec);
}

function toError(spec: ErrorSpec): AwsError {
  return new AwsError(
    spec.code,
    spec.message ?? `Injected ${spec.code}`,
    spec.status ?? defaultStatusFor(spec.code),
  );
}
