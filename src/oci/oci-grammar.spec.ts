import { isRepositoryName, isTag, parseOciDigest, parseReference } from './oci-grammar';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'b'.repeat(128)}`;

describe('the OCI name and reference grammar', () => {
  it.each(['a', 'library/ubuntu', 'a.b_c__d--e/f-g', 'x/y/z', '0'])('accepts the name %s', (n) =>
    expect(isRepositoryName(n)).toBe(true),
  );

  it.each(['', 'A', '-a', 'a-', 'a//b', '/a', 'a/', 'a..b', 'a___b', 'a b', 'a'.repeat(256)])(
    'refuses the name %j',
    (n) => expect(isRepositoryName(n)).toBe(false),
  );

  it('takes names up to 255 characters', () => {
    expect(isRepositoryName('a'.repeat(255))).toBe(true);
  });

  it.each(['latest', 'v1.2.3', '_x', 'A-b_c.d', 'a'.repeat(128)])('accepts the tag %s', (t) =>
    expect(isTag(t)).toBe(true),
  );

  it.each(['', '.x', '-x', 'a:b', 'a/b', 'a'.repeat(129)])('refuses the tag %j', (t) =>
    expect(isTag(t)).toBe(false),
  );

  it('parses sha256 and sha512 digests, normalising hex to lowercase', () => {
    expect(parseOciDigest(SHA256)?.algorithm).toBe('sha256');
    expect(parseOciDigest(SHA512)?.algorithm).toBe('sha512');
    expect(parseOciDigest(`sha256:${'A'.repeat(64)}`)?.digest).toBe(SHA256);
  });

  it.each([
    `sha256:${'a'.repeat(63)}`,
    'sha256:',
    `md5:${'a'.repeat(32)}`,
    `SHA256:${'a'.repeat(64)}`,
    'latest',
  ])('refuses the digest %j', (d) => expect(parseOciDigest(d)).toBeNull());

  it('reads a reference as a digest when it has a colon, else as a tag', () => {
    expect(parseReference(SHA256)).toEqual({ digest: parseOciDigest(SHA256) });
    expect(parseReference('v1')).toEqual({ tag: 'v1' });
    expect(parseReference('sha256:zz')).toBeNull();
    expect(parseReference('.bad')).toBeNull();
  });
});
