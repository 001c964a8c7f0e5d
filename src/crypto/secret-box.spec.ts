import { randomBytes } from 'node:crypto';
import { keyCheckValue, open, seal } from './secret-box';

describe('secret-box (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and the sealed bytes do not contain the secret', () => {
    const sealed = seal(key, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'AKIDEXAMPLE');
    expect(sealed.includes(Buffer.from('wJalrXUtnFEMI'))).toBe(false);
    expect(open(key, sealed, 'AKIDEXAMPLE')).toBe('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  });

  it('uses a fresh IV each time', () => {
    expect(seal(key, 's', 'c').equals(seal(key, 's', 'c'))).toBe(false);
  });

  it('refuses another key, another context and a changed byte', () => {
    const sealed = seal(key, 'secret', 'AKID1');
    expect(() => open(randomBytes(32), sealed, 'AKID1')).toThrow();
    expect(() => open(key, sealed, 'AKID2')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => open(key, tampered, 'AKID1')).toThrow();
    expect(() => open(key, sealed.subarray(0, 10), 'AKID1')).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => seal(randomBytes(16), 's', 'c')).toThrow(RangeError);
  });

  it('derives a stable check value that differs between keys', () => {
    expect(keyCheckValue(key).equals(keyCheckValue(Buffer.from(key)))).toBe(true);
    expect(keyCheckValue(key).equals(keyCheckValue(randomBytes(32)))).toBe(false);
  });
});
