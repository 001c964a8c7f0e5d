import { randomUUID } from 'node:crypto';
import { decryptBlob, encryptBlob, newKeyMaterial, parseBlob } from './key-crypto';

describe('KMS ciphertext blobs', () => {
  const keyId = randomUUID();
  const material = newKeyMaterial();
  const plaintext = Buffer.from('a data key, or any secret of up to 4 KiB');

  it('decrypt what they encrypted, finding the key and version in the blob itself', () => {
    const blob = encryptBlob(material, keyId, 3, plaintext, { repo: 'a', purpose: 'layer' });
    const parsed = parseBlob(blob)!;
    expect(parsed.keyId).toBe(keyId);
    expect(parsed.version).toBe(3);
    expect(decryptBlob(material, parsed, { purpose: 'layer', repo: 'a' })).toEqual(plaintext);
  });

  it('hold no run of the plaintext and differ on each encryption', () => {
    const a = encryptBlob(material, keyId, 1, plaintext);
    const b = encryptBlob(material, keyId, 1, plaintext);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(plaintext.subarray(0, 8))).toBe(false);
  });

  it('refuse another encryption context, another key, and any altered byte', () => {
    const blob = encryptBlob(material, keyId, 1, plaintext, { repo: 'a' });
    expect(decryptBlob(material, parseBlob(blob)!, { repo: 'b' })).toBeUndefined();
    expect(decryptBlob(material, parseBlob(blob)!)).toBeUndefined();
    expect(decryptBlob(newKeyMaterial(), parseBlob(blob)!, { repo: 'a' })).toBeUndefined();
    for (let i = 0; i < blob.length; i++) {
      const altered = Buffer.from(blob);
      altered[i] ^= 0x01;
      const parsed = parseBlob(altered);
      // An altered header names another key or format: it is refused before or at decryption.
      if (parsed && parsed.keyId === keyId && parsed.version === 1) {
        expect(decryptBlob(material, parsed, { repo: 'a' })).toBeUndefined();
      }
    }
  });

  it('refuse a truncated blob or one of another format', () => {
    const blob = encryptBlob(material, keyId, 1, plaintext);
    expect(parseBlob(blob.subarray(0, 20))).toBeUndefined();
    const other = Buffer.from(blob);
    other[0] = 2;
    expect(parseBlob(other)).toBeUndefined();
    const cut = parseBlob(blob.subarray(0, blob.length - 1))!;
    expect(decryptBlob(material, cut)).toBeUndefined();
  });
});
