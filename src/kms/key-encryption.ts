import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessDeniedException } from '../common/errors/registry-exception';
import {
  decryptBlob,
  encryptBlob,
  newKeyMaterial,
  parseBlob,
  type EncryptionContext,
} from './key-crypto';
import { IncorrectKeyException, InvalidCiphertextException } from './kms.errors';
import { KmsRepository } from './kms.repository';
import { KmsService, type KeyDescription } from './kms.service';

/**
 * Encryption under an account's keys: ciphertext blobs, data keys, decryption, and rotation of
 * the material they use. Keys are found, and their states checked, by `KmsService`.
 */
@Injectable()
export class KeyEncryption {
  constructor(
    private readonly kms: KmsService,
    private readonly repository: KmsRepository,
  ) {}

  /** Adds a new version of the key's material; what older versions encrypted stays readable. */
  async rotateKeyOnDemand(accountId: string, keyId: string): Promise<KeyDescription> {
    const key = await this.kms.resolve(accountId, keyId, {
      aliases: false,
      action: 'RotateKeyOnDemand',
    });
    this.kms.requireEnabled(key);
    const material = newKeyMaterial();
    await this.repository.transaction(async (m) => {
      await this.repository.findKey(key.id, m, true);
      await this.repository.addMaterial(m, key.id, (version) =>
        this.kms.sealMaterial(material, key.id, version),
      );
    });
    return this.kms.described(key);
  }

  async encrypt(
    accountId: string,
    keyId: string,
    plaintext: Buffer,
    context?: EncryptionContext,
    action = 'Encrypt',
  ): Promise<{ ciphertext: Buffer; key: KeyDescription }> {
    const key = await this.kms.resolve(accountId, keyId, { aliases: true, action });
    this.kms.requireEnabled(key);
    const { version, sealed } = await this.repository.latestMaterial(key.id);
    const material = this.kms.openMaterial(sealed, key.id, version);
    return {
      ciphertext: encryptBlob(material, key.id, version, plaintext, context),
      key: this.kms.described(key),
    };
  }

  async generateDataKey(
    accountId: string,
    keyId: string,
    bytes: number,
    context?: EncryptionContext,
  ): Promise<{ ciphertext: Buffer; plaintext: Buffer; key: KeyDescription }> {
    const plaintext = randomBytes(bytes);
    const encrypted = await this.encrypt(accountId, keyId, plaintext, context, 'GenerateDataKey');
    return { ...encrypted, plaintext };
  }

  /**
   * Decrypts a blob this service made: the blob names its key and material version, so `keyId`
   * is optional; when given it must name that key.
   */
  async decrypt(
    accountId: string,
    blob: Buffer,
    context?: EncryptionContext,
    keyId?: string,
  ): Promise<{ plaintext: Buffer; key: KeyDescription }> {
    const parsed = parseBlob(blob);
    if (!parsed) throw new InvalidCiphertextException('');
    const key = await this.repository.findKey(parsed.keyId);
    if (!key || this.kms.deleted(key)) throw new InvalidCiphertextException('');
    if (key.accountId !== accountId) {
      throw new AccessDeniedException(
        `User: arn:aws:iam::${accountId}:root is not authorized to perform: kms:Decrypt on resource: ${this.kms.arnOf(key)} because no resource-based policy allows the kms:Decrypt action`,
      );
    }
    if (keyId !== undefined) {
      const named = await this.kms.resolve(accountId, keyId, { aliases: true, action: 'Decrypt' });
      if (named.id !== key.id) {
        throw new IncorrectKeyException(
          'The key ID in the request does not identify a CMK that can perform this operation.',
        );
      }
    }
    this.kms.requireEnabled(key);
    const sealed = await this.repository.material(key.id, parsed.version);
    if (!sealed) throw new InvalidCiphertextException('');
    const plaintext = decryptBlob(
      this.kms.openMaterial(sealed.sealed, key.id, parsed.version),
      parsed,
      context,
    );
    if (!plaintext) throw new InvalidCiphertextException('');
    return { plaintext, key: this.kms.described(key) };
  }
}
