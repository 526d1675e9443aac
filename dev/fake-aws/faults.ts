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

/**
 * Fault injection. Action keys are an action name (`DescribeImages`), a service-qualified one
 * (`ec2:DescribeImages`, `sts:AssumeRole`, `sfn:StartExecution`, `kms:DescribeKey`) or `*`.
 */
export class Faults {
  /** Delay added to every request. */
  latencyMs = 0;
  /** Fraction (0..1) of EC2 calls answered `RequestLimitExceeded` (HTTP 503). */
  throttleRatio = 0;
  private random: () => number;
  private readonly queued = new Map<string, { spec: ErrorSpec; remaining: number }[]>();
  private readonly persistent = new Map<string, ErrorSpec>();

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

  clearErrors(): void {
    this.queued.clear();
    this.persistent.clear();
  }

  /** Clears errors and resets latency and throttling. */
  reset(): void {
    this.clearErrors();
    this.latencyMs = 0;
    this.throttleRatio = 0;
  }

  /** The injected error for this call, if any (consumes one `failNext`). */
  errorFor(service: string, action: string): AwsError | undefined {
    for (const key of [`${service}:${action}`, action, '*']) {
      const list = this.queued.get(key);
      const first = list?.[0];
      if (list && first) {
        first.remaining -= 1;
        if (first.remaining <= 0) list.shift();
        if (list.length === 0) this.queued.delete(key);
        return toError(first.spec);
      }
    }
    for (const key of [`${service}:${action}`, action, '*']) {
      const spec = this.persistent.get(key);
      if (spec) return toError(spec);
    }
    return undefined;
  }

  /** Whether this EC2 call is throttled. */
  throttles(): boolean {
    return this.throttleRatio > 0 && this.random() < this.throttleRatio;
  }
}

function toError(spec: ErrorSpec): AwsError {
  return new AwsError(
    spec.code,
    spec.message ?? `Injected ${spec.code}`,
    spec.status ?? defaultStatusFor(spec.code),
  );
}
