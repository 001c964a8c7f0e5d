import { InvalidParameterException } from '../common/errors/registry-exception';
import { checkTagMutability, isTagMutable, matchesWildcard } from './tag-mutability';

describe('matchesWildcard', () => {
  it.each([
    ['latest', 'latest', true],
    ['latest', 'latest2', false],
    ['latest*', 'latest', true],
    ['latest*', 'latest-amd64', true],
    ['latest*', 'v1-latest', false],
    ['*-dev', 'feature-dev', true],
    ['*-dev', 'feature-dev2', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['**', 'x', true],
    ['v*-rc*', 'v1.2-rc3', true],
    ['v*-rc*', 'v1.2-rc', true],
    ['v*-rc*', 'v1.2rc3', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['ab*ba', 'aba', false],
    ['*b*', 'abc', true],
    ['*b*', 'ac', false],
    ['x*y*z', 'xzyz', true],
    ['x*y*z', 'xzy', false],
  ])('%s against %s is %s', (pattern, tag, expected) => {
    expect(matchesWildcard(pattern, tag)).toBe(expected);
  });

  it('takes time linear in the tag for an adversarial pattern', () => {
    const tag = 'a'.repeat(100_000);
    const started = process.hrtime.bigint();
    expect(matchesWildcard('a*a*b', tag)).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});

describe('isTagMutable', () => {
  const repo = (imageTagMutability: string, filters: string[] = []) => ({
    imageTagMutability,
    imageTagMutabilityExclusionFilters: filters.map((filter) => ({
      filterType: 'WILDCARD' as const,
      filter,
    })),
  });

  it('follows MUTABLE and IMMUTABLE for every tag', () => {
    expect(isTagMutable(repo('MUTABLE'), 'v1')).toBe(true);
    expect(isTagMutable(repo('IMMUTABLE'), 'latest')).toBe(false);
  });

  it('makes only the matching tags mutable under IMMUTABLE_WITH_EXCLUSION', () => {
    const r = repo('IMMUTABLE_WITH_EXCLUSION', ['latest*', 'dev-*']);
    expect(isTagMutable(r, 'latest')).toBe(true);
    expect(isTagMutable(r, 'latest-arm64')).toBe(true);
    expect(isTagMutable(r, 'dev-42')).toBe(true);
    expect(isTagMutable(r, 'v1')).toBe(false);
  });

  it('makes only the matching tags immutable under MUTABLE_WITH_EXCLUSION', () => {
    const r = repo('MUTABLE_WITH_EXCLUSION', ['release-*']);
    expect(isTagMutable(r, 'release-1.0')).toBe(false);
    expect(isTagMutable(r, 'latest')).toBe(true);
  });
});

describe('checkTagMutability', () => {
  const f = (filter: string) => ({ filterType: 'WILDCARD' as const, filter });

  it('accepts the settings with and without filters as they belong', () => {
    expect(checkTagMutability('MUTABLE', undefined)).toEqual([]);
    expect(checkTagMutability('IMMUTABLE', [])).toEqual([]);
    expect(checkTagMutability('IMMUTABLE_WITH_EXCLUSION', [f('latest*')])).toEqual([f('latest*')]);
    expect(checkTagMutability('MUTABLE_WITH_EXCLUSION', [f('*-rc*')])).toEqual([f('*-rc*')]);
  });

  it('refuses a *_WITH_EXCLUSION setting without filters, and filters without one', () => {
    expect(() => checkTagMutability('IMMUTABLE_WITH_EXCLUSION', undefined)).toThrow(
      InvalidParameterException,
    );
    expect(() => checkTagMutability('MUTABLE', [f('x')])).toThrow(InvalidParameterException);
  });

  it('refuses a filter of more than two wildcards', () => {
    expect(() => checkTagMutability('MUTABLE_WITH_EXCLUSION', [f('a*b*c*')])).toThrow(
      "Invalid parameter at 'imageTagMutabilityExclusionFilters.0.filter' failed to satisfy constraint: 'must contain at most 2 wildcard characters (*)'",
    );
  });
});
