/**
 * ECR's default request-rate quotas, per account and Region, in requests per second (Amazon ECR
 * service quotas, "Rate of … requests"): what `ECR_RATE_LIMITS=ecr` enforces. Operations without
 * a rate quota are not limited.
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
 * `ECR_RATE_LIMITS`: empty or `off` for no per-operation rate (the default, as CNCF distribution,
 * zot and Harbor throttle nothing); `ecr` for ECR's quotas; a comma-separated list of
 * `Operation=N` (requests per second, a whole number) or `Operation=off`, alone or after `ecr`
 * (then applied over ECR's).
 */
export const RATE_LIMITS_PATTERN =
  /^(?:off|(?:ecr|[A-Za-z]+=(?:\d+|off))(?:,[A-Za-z]+=(?:\d+|off))*)?$/;

/** The per-operation rates `setting` (validated by RATE_LIMITS_PATTERN) gives. */
export function parseRateLimits(setting: string): Record<string, number> {
  if (setting === 'off') return {};
  const items = setting.split(',').filter(Boolean);
  const rates: Record<string, number> = items[0] === 'ecr' ? { ...ECR_RATE_QUOTAS } : {};
  for (const item of items) {
    if (item === 'ecr') continue;
    const [operation, value] = item.split('=');
    if (value === 'off') delete rates[operation];
    else rates[operation] = Number(value);
  }
  for (const [operation, rate] of Object.entries(rates)) if (rate <= 0) delete rates[operation];
  return rates;
}
