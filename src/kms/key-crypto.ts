import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The size of a key's material, and of a data key: AES-256. */
export const KEY_MATERIAL_BYTES = 32;

const FORMAT = 1;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `format ‖ key id ‖ material version`: what Decrypt reads to find the key, with no KeyId. */
const HEADER_BYTES = 1 + KEY_ID_BYTES + 4;
const OVERHEAD = HEADER_BYTES + IV_BYTES + TAG_BYTES;

/** The key and version a ciphertext blob names, with what it holds. */
export interface ParsedCiphertext {
  keyId: string;
  version: number;
  header: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

export type EncryptionContext = Record<string, string>;

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The context as authenticated data, in one order whatever order the caller gave its pairs in:
 * KMS requires the same pairs at Decrypt, not the same order.
 */
export function canonicalContext(context: EncryptionContext = {}): Buffer {
  const pairs = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/**
 * Encrypts under one version of a key's material with AES-256-GCM. The blob names the key and
 * the version in clear (authenticated with the encryption context), so that Decrypt needs no
 * KeyId and a rotated key still decrypts what its older material encrypted.
 */
export function encryptBlob(
  material: Buffer,
  keyId: string,
  version: number,
  plaintext: Buffer,
  context?: EncryptionContext,
): Buffer {
  if (material.length !== KEY_MATERIAL_BYTES) throw new RangeError('not an AES-256 key');
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = FORMAT;
  uuidBytes(keyId).copy(header, 1);
  header.writeUInt32BE(version, 1 + KEY_ID_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** The key and version a blob names; undefined when it is not a blob of this format. */
export function parseBlob(blob: Buffer): ParsedCiphertext | undefined {
  if (blob.length < OVERHEAD || blob[0] !== FORMAT) return undefined;
  return {
    keyId: uuidOf(blob.subarray(1, 1 + KEY_ID_BYTES)),
    version: blob.readUInt32BE(1 + KEY_ID_BYTES),
    header: blob.subarray(0, HEADER_BYTES),
    iv: blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
    tag: blob.subarray(HEADER_BYTES + IV_BYTES, OVERHEAD),
    body: blob.subarray(OVERHEAD),
  };
}

/**
 * The plaintext of a parsed blob under its version's material; undefined when the material, the
 * context or any byte differs from what encrypted it.
 */
export function decryptBlob(
  material: Buffer,
  parsed: ParsedCiphertext,
  context?: EncryptionContext,
): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, parsed.iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.concat([parsed.header, canonicalContext(context)]));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
  } catch {
    return undefined;
  }
}

export function newKeyMaterial(): Buffer {
  return randomBytes(KEY_MATERIAL_BYTES);
}
