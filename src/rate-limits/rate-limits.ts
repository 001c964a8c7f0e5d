/**
 * ECR's default request-rate quotas, per account and Region, in requests per second (Amazon ECR
 * service quotas, "Rate of … requests"). Operations without a rate quota are not limited.
 */
export const ECR_RATE_QUOTAS: Readonly<Record<string, number>> = {
  BatchCheckLayerAvailability: 1000,
  BatchGetImage: 2000,
  CompleteLayerUpload: 100,
  GetAuthorizationToken: 500,
  GetDownloadUrlForLayer: 3000,
  InitiateLayerUpload: 100,
  PutImage: 10,
  UploadLayerPart: 500,
};

/**
 * `ECR_RATE_LIMITS`: empty for ECR's quotas; `off` for none; or a comma-separated list of
 * `Operation=N` (requests per second, a whole number) or `Operation=off`, applied over ECR's.
 */
export const RATE_LIMITS_PATTERN = /^(?:off|[A-Za-z]+=(?:\d+|off)(?:,[A-Za-z]+=(?:\d+|off))*)?$/;

/** The per-operation rates `setting` (validated by RATE_LIMITS_PATTERN) gives. */
export function parseRateLimits(setting: string): Record<string, number> {
  if (setting === 'off') return {};
  const rates: Record<string, number> = { ...ECR_RATE_QUOTAS };
  for (const item of setting.split(',').filter(Boolean)) {
    const [operation, value] = item.split('=');
    if (value === 'off') delete rates[operation];
    else rates[operation] = Number(value);
  }
  for (const [operation, rate] of Object.entries(rates)) if (rate <= 0) delete rates[operation];
  return rates;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before the full ones (accounts idle for a second or more) are dropped. */
const PRUNE_AT = 10_000;

/**
 * ECR's request-rate quotas, enforced in this instance alone: a token bucket per account and
 * operation, holding one second of requests and refilled at the quota's rate. N instances behind
 * one balancer therefore allow up to N times the figure; the quota is not shared between them.
 * Both doors spend the same buckets (a /v2 request counts as the ECR operation docker's request
 * stands for), and each answers a refusal in its own format: the ECR API ThrottlingException,
 * the /v2 API 429 TOOMANYREQUESTS.
 */
export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rates: Readonly<Record<string, number>>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The operations that have a rate here. */
  operations(): string[] {
    return Object.keys(this.rates);
  }

  /**
   * Takes one request of `operation` for `accountId` from its bucket: answers 0 when it was
   * taken, else the milliseconds until the bucket holds one again (nothing is taken then).
   */
  take(accountId: string, operation: string): number {
    const rate = this.rates[operation];
    if (rate === undefined) return 0;
    const id = `${accountId}:${operation}`;
    const now = this.now();
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = { tokens: rate, at: now };
      this.buckets.set(id, bucket);
    } else {
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / rate) * 1000);
    bucket.tokens -= 1;
    return 0;
  }

  private prune(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (now - bucket.at >= 1000) this.buckets.delete(id);
    }
  }
}
