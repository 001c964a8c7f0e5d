interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before the full ones (accounts idle for a second or more) are dropped. */
const PRUNE_AT = 10_000;

/**
 * Per-operation request rates (`ECR_RATE_LIMITS`: none by default, ECR's quotas with `ecr`),
 * enforced in this instance alone: a token bucket per account and operation, holding one second
 * of requests and refilled at the rate. N instances behind one balancer therefore allow up to N
 * times the figure; the rate is not shared between them.
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
