import { ECR_RATE_QUOTAS, parseRateLimits, RATE_LIMITS_PATTERN } from './rate-limits';

describe('ECR_RATE_LIMITS', () => {
  it('limits no operation by default, nor with off', () => {
    expect(parseRateLimits('')).toEqual({});
    expect(parseRateLimits('off')).toEqual({});
  });

  it("takes ECR's quotas with ecr, and a list over them", () => {
    expect(parseRateLimits('ecr')).toEqual(ECR_RATE_QUOTAS);
    expect(parseRateLimits('ecr,PutImage=50,UploadLayerPart=off,DescribeImages=5')).toEqual({
      ...Object.fromEntries(
        Object.entries(ECR_RATE_QUOTAS).filter(([op]) => op !== 'UploadLayerPart'),
      ),
      PutImage: 50,
      DescribeImages: 5,
    });
  });

  it('takes a list alone as the only rates', () => {
    expect(parseRateLimits('DescribeRepositories=2,PutImage=off')).toEqual({
      DescribeRepositories: 2,
    });
    expect(parseRateLimits('PutImage=1,BatchGetImage=0')).toEqual({ PutImage: 1 });
  });

  it('accepts only its syntax', () => {
    for (const good of ['', 'off', 'ecr', 'PutImage=1', 'A=1,B=off', 'ecr,PutImage=off']) {
      expect(RATE_LIMITS_PATTERN.test(good)).toBe(true);
    }
    for (const bad of [
      'on',
      'PutImage',
      'PutImage=-1',
      'PutImage=1,',
      'Put Image=1',
      'PutImage=1,ecr',
      'ecr,off',
    ]) {
      expect(RATE_LIMITS_PATTERN.test(bad)).toBe(false);
    }
  });
});
