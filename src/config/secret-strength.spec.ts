import { randomBytes, randomInt } from 'node:crypto';
import { estimatedEntropyBits, MIN_SECRET_BITS } from './secret-strength';

describe('estimatedEntropyBits', () => {
  it('gives one repeated symbol nothing, and a symbol of n equally frequent ones log2(n) bits', () => {
    expect(estimatedEntropyBits('aaaaaaaaaaaaaaaa')).toBe(0);
    expect(estimatedEntropyBits(Buffer.alloc(32, 7))).toBe(0);
    expect(estimatedEntropyBits('ab'.repeat(16))).toBe(32);
    expect(estimatedEntropyBits('abcd'.repeat(4))).toBe(32);
    expect(estimatedEntropyBits('')).toBe(0);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(estimatedEntropyBits('😀😀😀😀')).toBe(0);
  });

  it('passes random values of the documented shortest lengths, whatever their alphabet', () => {
    for (let i = 0; i < 1000; i++) {
      const printable = Array.from({ length: 16 }, () => String.fromCharCode(33 + randomInt(94)));
      expect(estimatedEntropyBits(printable.join(''))).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
      expect(estimatedEntropyBits(randomBytes(8).toString('hex'))).toBeGreaterThanOrEqual(
        MIN_SECRET_BITS,
      );
      expect(estimatedEntropyBits(randomBytes(32))).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
    }
  });
});
