import { Injectable } from '@nestjs/common';
import type { AliasDescription, KeyDescription } from '../kms/kms.service';
import { KmsService } from '../kms/kms.service';
import { KeyEncryption } from '../kms/key-encryption';
import { InvalidMarkerException, UnsupportedOperationException } from '../kms/kms.errors';
import { InvalidParameterException } from '../common/errors/registry-exception';
import {
  blob,
  decodeMarker,
  encodeMarker,
  encryptionContext,
  optionalEnum,
  optionalInteger,
  optionalString,
  requiredString,
  type KmsInput,
} from './kms-input';

type Operation = (accountId: string, input: KmsInput) => Promise<object>;

const DEFAULT_LIMIT = 100;
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
const ROTATION_PERIOD_DAYS = 365;
const KEY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/;

const seconds = (date: Date): number => date.getTime() / 1000;
const b64 = (bytes: Buffer): string => bytes.toString('base64');

/** KeyMetadata as KMS answers it, for the symmetric keys the built-in service has. */
function keyMetadata(key: KeyDescription): object {
  return {
    AWSAccountId: key.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: seconds(key.createdAt),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.keyState,
    ...(key.deletionDate ? { DeletionDate: seconds(key.deletionDate) } : {}),
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

function aliasListEntry(alias: AliasDescription): object {
  return {
    AliasName: alias.name,
    AliasArn: alias.arn,
    TargetKeyId: alias.keyId,
    CreationDate: seconds(alias.createdAt),
    LastUpdatedDate: seconds(alias.lastUpdatedAt),
  };
}

function marker(input: KmsInput, pattern: RegExp): string | undefined {
  const after = decodeMarker(optionalString(input, 'Marker', 1024), pattern);
  if (after === null) throw new InvalidMarkerException('Invalid marker');
  return after;
}

/**
 * The operations of the KMS door, each reading KMS's request shape and answering its response
 * shape through the protocol-free key service.
 */
@Injectable()
export class KmsOperations {
  readonly byName: ReadonlyMap<string, Operation>;

  constructor(
    private readonly kms: KmsService,
    private readonly encryption: KeyEncryption,
  ) {
    const keyOnly =
      (change: (accountId: string, keyId: string) => Promise<unknown>): Operation =>
      async (accountId, input) => {
        await change(accountId, requiredString(input, 'KeyId'));
        return {};
      };
    this.byName = new Map<string, Operation>([
      ['CreateKey', (a, i) => this.createKey(a, i)],
      [
        'DescribeKey',
        async (a, i) => ({
          KeyMetadata: keyMetadata(await this.kms.describeKey(a, requiredString(i, 'KeyId'))),
        }),
      ],
      ['ListKeys', (a, i) => this.listKeys(a, i)],
      [
        'CreateAlias',
        async (a, i) => {
          await this.kms.createAlias(
            a,
            requiredString(i, 'AliasName', 256),
            requiredString(i, 'TargetKeyId'),
          );
          return {};
        },
      ],
      ['ListAliases', (a, i) => this.listAliases(a, i)],
      [
        'DeleteAlias',
        async (a, i) => {
          await this.kms.deleteAlias(a, requiredString(i, 'AliasName', 256));
          return {};
        },
      ],
      ['EnableKey', keyOnly((a, k) => this.kms.enableKey(a, k))],
      ['DisableKey', keyOnly((a, k) => this.kms.disableKey(a, k))],
      ['ScheduleKeyDeletion', (a, i) => this.scheduleKeyDeletion(a, i)],
      [
        'CancelKeyDeletion',
        async (a, i) => ({
          KeyId: (await this.kms.cancelKeyDeletion(a, requiredString(i, 'KeyId'))).arn,
        }),
      ],
      [
        'EnableKeyRotation',
        async (a, i) => {
          optionalInteger(i, 'RotationPeriodInDays', 90, 2560);
          await this.kms.enableKeyRotation(a, requiredString(i, 'KeyId'));
          return {};
        },
      ],
      ['DisableKeyRotation', keyOnly((a, k) => this.kms.enableKeyRotation(a, k, false))],
      [
        'GetKeyRotationStatus',
        async (a, i) => {
          const key = await this.kms.getKeyRotationStatus(a, requiredString(i, 'KeyId'));
          return {
            KeyRotationEnabled: key.rotationEnabled,
            KeyId: key.arn,
            ...(key.rotationEnabled ? { RotationPeriodInDays: ROTATION_PERIOD_DAYS } : {}),
          };
        },
      ],
      [
        'RotateKeyOnDemand',
        async (a, i) => ({
          KeyId: (await this.encryption.rotateKeyOnDemand(a, requiredString(i, 'KeyId'))).arn,
        }),
      ],
      ['GenerateDataKey', (a, i) => this.generateDataKey(a, i)],
      ['Encrypt', (a, i) => this.encrypt(a, i)],
      ['Decrypt', (a, i) => this.decrypt(a, i)],
    ]);
  }

  private async createKey(accountId: string, input: KmsInput): Promise<object> {
    const description = optionalString(input, 'Description', 8192, 0);
    const usage = optionalEnum(input, 'KeyUsage', [
      'SIGN_VERIFY',
      'ENCRYPT_DECRYPT',
      'GENERATE_VERIFY_MAC',
      'KEY_AGREEMENT',
    ] as const);
    const spec =
      optionalString(input, 'KeySpec', 64) ?? optionalString(input, 'CustomerMasterKeySpec', 64);
    const origin = optionalString(input, 'Origin', 64);
    if (
      (usage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT' ||
      (spec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT'
    ) {
      throw new UnsupportedOperationException(
        'This key service has symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).',
      );
    }
    if ((origin ?? 'AWS_KMS') !== 'AWS_KMS' || input.MultiRegion === true) {
      throw new UnsupportedOperationException(
        'This key service makes its own key material (Origin AWS_KMS) in one region.',
      );
    }
    const key = await this.kms.createKey(accountId, { description });
    return { KeyMetadata: keyMetadata(key) };
  }

  private async listKeys(accountId: string, input: KmsInput): Promise<object> {
    const limit = optionalInteger(input, 'Limit', 1, 1000) ?? DEFAULT_LIMIT;
    const page = await this.kms.listKeys(accountId, limit, marker(input, KEY_ID_PATTERN));
    const last = page.keys[page.keys.length - 1];
    return {
      Keys: page.keys.map((k) => ({ KeyId: k.id, KeyArn: k.arn })),
      Truncated: page.more,
      ...(page.more && last ? { NextMarker: encodeMarker(last.id) } : {}),
    };
  }

  private async listAliases(accountId: string, input: KmsInput): Promise<object> {
    const limit = optionalInteger(input, 'Limit', 1, 100) ?? 50;
    const page = await this.kms.listAliases(
      accountId,
      optionalString(input, 'KeyId'),
      limit,
      marker(input, ALIAS_PATTERN),
    );
    const last = page.aliases[page.aliases.length - 1];
    return {
      Aliases: page.aliases.map(aliasListEntry),
      Truncated: page.more,
      ...(page.more && last ? { NextMarker: encodeMarker(last.name) } : {}),
    };
  }

  private async scheduleKeyDeletion(accountId: string, input: KmsInput): Promise<object> {
    const days = optionalInteger(input, 'PendingWindowInDays', 7, 30) ?? 30;
    const key = await this.kms.scheduleKeyDeletion(accountId, requiredString(input, 'KeyId'), days);
    return {
      KeyId: key.arn,
      DeletionDate: key.deletionDate ? seconds(key.deletionDate) : undefined,
      KeyState: key.keyState,
      PendingWindowInDays: days,
    };
  }

  private async generateDataKey(accountId: string, input: KmsInput): Promise<object> {
    const keyId = requiredString(input, 'KeyId');
    const spec = optionalEnum(input, 'KeySpec', ['AES_256', 'AES_128'] as const);
    const count = optionalInteger(input, 'NumberOfBytes', 1, 1024);
    if ((spec === undefined) === (count === undefined)) {
      throw new InvalidParameterException(
        spec === undefined
          ? 'Please specify either number of bytes or key spec.'
          : 'Please specify either number of bytes or key spec, not both.',
      );
    }
    const bytes = count ?? (spec === 'AES_128' ? 16 : 32);
    const made = await this.encryption.generateDataKey(
      accountId,
      keyId,
      bytes,
      encryptionContext(input),
    );
    return {
      CiphertextBlob: b64(made.ciphertext),
      Plaintext: b64(made.plaintext),
      KeyId: made.key.arn,
    };
  }

  private async encrypt(accountId: string, input: KmsInput): Promise<object> {
    const keyId = requiredString(input, 'KeyId');
    const plaintext = blob(input, 'Plaintext', MAX_PLAINTEXT_BYTES, true);
    optionalEnum(input, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT'] as const);
    const made = await this.encryption.encrypt(
      accountId,
      keyId,
      plaintext,
      encryptionContext(input),
    );
    return {
      CiphertextBlob: b64(made.ciphertext),
      KeyId: made.key.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }

  private async decrypt(accountId: string, input: KmsInput): Promise<object> {
    const ciphertext = blob(input, 'CiphertextBlob', MAX_CIPHERTEXT_BYTES, true);
    optionalEnum(input, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT'] as const);
    const opened = await this.encryption.decrypt(
      accountId,
      ciphertext,
      encryptionContext(input),
      optionalString(input, 'KeyId'),
    );
    return {
      KeyId: opened.key.arn,
      Plaintext: b64(opened.plaintext),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }
}
