import { candidatePrefixes, templateFor } from './template-prefix';

describe('the template that applies to a new repository', () => {
  it('is the longest prefix whose namespace holds the name', () => {
    expect(templateFor(['prod', 'prod/team', 'ROOT'], 'prod/team/web')).toBe('prod/team');
    expect(templateFor(['prod', 'prod/team', 'ROOT'], 'prod/web')).toBe('prod');
  });

  it('reads a trailing slash as the namespace it ends', () => {
    expect(templateFor(['prod/'], 'prod/web')).toBe('prod/');
    expect(templateFor(['prod/', 'prod/team/'], 'prod/team/x')).toBe('prod/team/');
  });

  it('never matches the prefix itself, nor a name that only starts with its letters', () => {
    expect(templateFor(['prod'], 'prod')).toBeUndefined();
    expect(templateFor(['prod'], 'production/web')).toBeUndefined();
  });

  it('falls back to ROOT, and to none without it', () => {
    expect(templateFor(['ROOT', 'dev'], 'prod/web')).toBe('ROOT');
    expect(templateFor(['ROOT'], 'web')).toBe('ROOT');
    expect(templateFor(['dev'], 'web')).toBeUndefined();
    expect(templateFor([], 'a/b')).toBeUndefined();
  });

  it('lists the prefixes a template for a name could have, longest first', () => {
    expect(candidatePrefixes('a/b/c')).toEqual(['a/b', 'a/b/', 'a', 'a/', 'ROOT']);
    expect(candidatePrefixes('web')).toEqual(['ROOT']);
  });
});
