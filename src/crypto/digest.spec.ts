import { createHash } from 'node:crypto';
import { digestsEqual, formatSha256Digest, isSha256Digest, parseDigest } from './digest';

const HEX = createHash('sha256').update('layer').digest('hex');
const SHA512_HEX = createHash('sha512').update('layer').digest('hex');

describe('parseDigest', () => {
  it('parses sha256 and sha512 digests', () => {
    expect(parseDigest(`sha256:${HEX}`)).toEqual({
      algorithm: 'sha256',
      hex: HEX,
      digest: `sha256:${HEX}`,
    });
    expect(parseDigest(`sha512:${SHA512_HEX}`)?.algorithm).toBe('sha512');
  });

  it('normalises case', () => {
    expect(parseDigest(`SHA256:${HEX.toUpperCase()}`)?.digest).toBe(`sha256:${HEX}`);
  });

  it.each([
    '',
    HEX,
    `sha256:${HEX.slice(1)}`,
    `sha256:${HEX}0`,
    `sha256:${HEX.slice(1)}g`,
    `sha256: ${HEX.slice(1)}`,
    `sha256:${HEX}\n`,
    `md5:${HEX.slice(0, 32)}`,
    `sha512:${HEX}`,
    `sha256::${HEX}`,
  ])('rejects %j', (value) => {
    expect(parseDigest(value)).toBeNull();
  });
});

describe('isSha256Digest', () => {
  it('accepts only sha256', () => {
    expect(isSha256Digest(`sha256:${HEX}`)).toBe(true);
    expect(isSha256Digest(`sha512:${SHA512_HEX}`)).toBe(false);
    expect(isSha256Digest('sha256:abc')).toBe(false);
  });
});

describe('formatSha256Digest', () => {
  it('formats raw and hex hashes', () => {
    expect(formatSha256Digest(Buffer.from(HEX, 'hex'))).toBe(`sha256:${HEX}`);
    expect(formatSha256Digest(HEX.toUpperCase())).toBe(`sha256:${HEX}`);
    expect(() => formatSha256Digest(Buffer.alloc(20))).toThrow(RangeError);
  });
});

describe('digestsEqual', () => {
  it('compares normalised digests', () => {
    expect(digestsEqual(`sha256:${HEX}`, `sha256:${HEX}`)).toBe(true);
    expect(digestsEqual(`sha256:${HEX}`, `SHA256:${HEX.toUpperCase()}`)).toBe(true);
    const other = `sha256:${HEX.slice(0, -1)}${HEX.endsWith('0') ? '1' : '0'}`;
    expect(digestsEqual(`sha256:${HEX}`, other)).toBe(false);
  });

  it('is false for malformed or different-algorithm digests', () => {
    expect(digestsEqual(`sha256:${HEX}`, `sha512:${SHA512_HEX}`)).toBe(false);
    expect(digestsEqual(`sha256:${HEX}`, 'sha256:abc')).toBe(false);
    expect(digestsEqual('nonsense', 'nonsense')).toBe(false);
  });
});
