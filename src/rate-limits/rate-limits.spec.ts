import { RateLimits } from './rate-limits';

describe('RateLimits', () => {
  it('allows one second of requests per account and operation, then refuses with the wait', () => {
    let now = 0;
    const limits = new RateLimits({ PutImage: 3 }, () => now);
    for (let i = 0; i < 3; i++) expect(limits.take('111111111111', 'PutImage')).toBe(0);
    // Refused: a third of a second until the bucket holds a request again.
    expect(limits.take('111111111111', 'PutImage')).toBe(334);
    // Another account, and an operation without a quota, are not affected.
    expect(limits.take('222222222222', 'PutImage')).toBe(0);
    for (let i = 0; i < 100; i++) expect(limits.take('111111111111', 'DescribeImages')).toBe(0);
    // The bucket refills at the rate: one more after a third of a second.
    now += 334;
    expect(limits.take('111111111111', 'PutImage')).toBe(0);
    expect(limits.take('111111111111', 'PutImage')).toBeGreaterThan(0);
    // It never holds more than a second's worth.
    now += 60_000;
    for (let i = 0; i < 3; i++) expect(limits.take('111111111111', 'PutImage')).toBe(0);
    expect(limits.take('111111111111', 'PutImage')).toBeGreaterThan(0);
  });
});
