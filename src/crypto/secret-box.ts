import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

function checkKey(key: Buffer): void {
  if (key.length !== MASTER_KEY_BYTES) {
    throw new RangeError(`an AES-256 key has ${MASTER_KEY_BYTES} bytes, not ${key.length}`);
  }
}

/**
 * Encrypts a secret with AES-256-GCM: `version ‖ iv ‖ tag ‖ ciphertext`. `context` is
 * authenticated but not stored (for an access key, its id), so a ciphertext moved to another row
 * no longer decrypts.
 */
export function seal(key: Buffer, plaintext: string, context: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** The secret `seal` encrypted; throws when the key, the context or a byte is not the same. */
export function open(key: Buffer, sealed: Buffer, context: string): string {
  checkKey(key);
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error('not a sealed secret of a known version');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  const body = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/**
 * A value that identifies a key without revealing it, stored beside what the key encrypted, so
 * that an instance started with another key can tell before it reads or writes anything.
 */
export function keyCheckValue(key: Buffer): Buffer {
  checkKey(key);
  return createHmac('sha256', key).update('berth master key check v1').digest();
}
