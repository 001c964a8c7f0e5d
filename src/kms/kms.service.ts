import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AccessDeniedException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MasterKeyService } from '../crypto/master-key.service';
import { newKeyMaterial } from './key-crypto';
import { aliasArn, isAliasName, isReservedAlias, keyArn, parseKeyRef } from './key-refs';
import {
  AlreadyExistsException,
  DisabledException,
  InvalidAliasNameException,
  KMSInvalidStateException,
  NotFoundException,
} from './kms.errors';
import { KmsRepository, type KmsAliasRecord, type KmsKeyRecord } from './kms.repository';

/** A key as KMS describes it, with its ARN. */
export interface KeyDescription extends KmsKeyRecord {
  arn: string;
}

export interface AliasDescription extends KmsAliasRecord {
  arn: string;
}

/** How lookups of a key treat aliases: KMS takes them only where it says so. */
interface LookupOptions {
  aliases: boolean;
  /** The permission the call needs, for an AccessDeniedException's message. */
  action: string;
}

const DEFAULT_DELETION_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
// Beyond the cache's lifetime, what a withdrawal waits for: timers of separate processes.
const CACHE_EXPIRY_MARGIN_MS = 100;

/**
 * The built-in key service, protocol-free: an account's symmetric keys and aliases, and their
 * states (encryption under them is `KeyEncryption`). Material is stored only sealed under the
 * master key; each version stays, so that a rotated key decrypts what its older material
 * encrypted.
 */
@Injectable()
export class KmsService {
  constructor(
    private readonly repository: KmsRepository,
    private readonly masterKey: MasterKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  arnOf(key: KmsKeyRecord): string {
    return keyArn(this.config.region, key.accountId, key.id);
  }

  described(key: KmsKeyRecord): KeyDescription {
    return { ...key, arn: this.arnOf(key) };
  }

  /** A version of a key's material sealed under the master key, bound to the key and version. */
  sealMaterial(material: Buffer, keyId: string, version: number): Buffer {
    return this.masterKey.seal(material.toString('base64'), `kms-key:${keyId}:${version}`);
  }

  openMaterial(sealed: Buffer, keyId: string, version: number): Buffer {
    return Buffer.from(this.masterKey.open(sealed, `kms-key:${keyId}:${version}`), 'base64');
  }

  async createKey(
    accountId: string,
    input: { description?: string; keyManager?: 'CUSTOMER' | 'AWS' } = {},
  ): Promise<KeyDescription> {
    const id = randomUUID();
    const key = await this.repository.transaction((m) =>
      this.repository.insertKey(
        m,
        {
          id,
          accountId,
          description: input.description ?? '',
          keyManager: input.keyManager ?? 'CUSTOMER',
          // AWS managed keys rotate every year, and say so.
          rotationEnabled: input.keyManager === 'AWS',
        },
        this.sealMaterial(newKeyMaterial(), id, 1),
      ),
    );
    return this.described(key);
  }

  /**
   * The key `text` names for `accountId`: an id, a key ARN, and where allowed an alias name or
   * ARN. A key past its deletion date is gone. Another account's ARN is AccessDeniedException, as
   * KMS answers a caller no key policy lets in.
   */
  async resolve(
    accountId: string,
    text: string,
    options: LookupOptions,
    manager?: EntityManager,
  ): Promise<KmsKeyRecord> {
    const ref = parseKeyRef(text);
    if (!ref || (ref.kind === 'alias' && !options.aliases)) {
      throw new NotFoundException(`Invalid keyId '${text}'`);
    }
    if (ref.accountId !== undefined && ref.accountId !== accountId) {
      throw new AccessDeniedException(
        `User: arn:aws:iam::${accountId}:root is not authorized to perform: kms:${options.action} on resource: ${text} because no resource-based policy allows the kms:${options.action} action`,
      );
    }
    if (ref.region !== undefined && ref.region !== this.config.region) {
      throw new NotFoundException(`Invalid arn ${this.config.region}`);
    }
    let keyId: string;
    if (ref.kind === 'alias') {
      const alias = await this.repository.findAlias(accountId, ref.name, manager);
      if (!alias) {
        throw new NotFoundException(
          `Alias ${aliasArn(this.config.region, accountId, ref.name)} is not found.`,
        );
      }
      keyId = alias.keyId;
    } else {
      keyId = ref.keyId;
    }
    const key = await this.repository.findKey(keyId, manager);
    if (!key || key.accountId !== accountId || this.deleted(key)) {
      throw new NotFoundException(
        `Key '${keyArn(this.config.region, accountId, keyId)}' does not exist`,
      );
    }
    return key;
  }

  deleted(key: KmsKeyRecord): boolean {
    return key.deletionDate !== null && key.deletionDate.getTime() <= Date.now();
  }

  /** Refuses a key that cannot encrypt or decrypt now, with KMS's error for its state. */
  requireEnabled(key: KmsKeyRecord): void {
    if (key.keyState === 'Disabled') throw new DisabledException(`${this.arnOf(key)} is disabled.`);
    if (key.keyState === 'PendingDeletion') {
      throw new KMSInvalidStateException(`${this.arnOf(key)} is pending deletion.`);
    }
  }

  async describeKey(accountId: string, keyId: string): Promise<KeyDescription> {
    return this.described(
      await this.resolve(accountId, keyId, { aliases: true, action: 'DescribeKey' }),
    );
  }

  async listKeys(
    accountId: string,
    limit: number,
    after?: string,
  ): Promise<{ keys: KeyDescription[]; more: boolean }> {
    const rows = await this.repository.listKeys(accountId, limit + 1, after);
    const live = rows.slice(0, limit).map((k) => this.described(k));
    return { keys: live, more: rows.length > limit };
  }

  async createAlias(accountId: string, name: string, targetKeyId: string): Promise<void> {
    if (!isAliasName(name)) {
      throw new InvalidAliasNameException(`Alias must start with the prefix "alias/".`);
    }
    if (isReservedAlias(name)) {
      throw new InvalidAliasNameException(
        'Alias must not begin with "alias/aws/": that prefix is reserved for AWS managed keys.',
      );
    }
    const key = await this.resolve(accountId, targetKeyId, {
      aliases: false,
      action: 'CreateAlias',
    });
    if (key.keyManager === 'AWS') throw this.managedKeyRefusal(accountId, key, 'CreateAlias');
    if (key.keyState === 'PendingDeletion') {
      throw new KMSInvalidStateException(`${this.arnOf(key)} is pending deletion.`);
    }
    if (!(await this.repository.insertAlias(accountId, name, key.id))) {
      throw new AlreadyExistsException(
        `An alias with the name ${aliasArn(this.config.region, accountId, name)} already exists`,
      );
    }
  }

  async deleteAlias(accountId: string, name: string): Promise<void> {
    if (!isAliasName(name)) {
      throw new NotFoundException(
        `Alias ${aliasArn(this.config.region, accountId, name)} is not found.`,
      );
    }
    if (isReservedAlias(name)) {
      throw new InvalidAliasNameException(`Alias ${name} is reserved for AWS managed keys.`);
    }
    if (!(await this.repository.deleteAlias(accountId, name))) {
      throw new NotFoundException(
        `Alias ${aliasArn(this.config.region, accountId, name)} is not found.`,
      );
    }
  }

  async listAliases(
    accountId: string,
    keyId: string | undefined,
    limit: number,
    after?: string,
  ): Promise<{ aliases: AliasDescription[]; more: boolean }> {
    const key =
      keyId === undefined
        ? undefined
        : await this.resolve(accountId, keyId, { aliases: false, action: 'ListAliases' });
    const rows = await this.repository.listAliases(accountId, key?.id, limit + 1, after);
    return {
      aliases: rows
        .slice(0, limit)
        .map((a) => ({ ...a, arn: aliasArn(this.config.region, accountId, a.name) })),
      more: rows.length > limit,
    };
  }

  /**
   * Changes a customer managed key's state under its row lock, from the states `from` allows;
   * answers the key as changed.
   */
  private async change(
    accountId: string,
    keyId: string,
    action: string,
    apply: (key: KmsKeyRecord) => Parameters<KmsRepository['updateKey']>[2],
  ): Promise<KeyDescription> {
    const found = await this.resolve(accountId, keyId, { aliases: false, action });
    if (found.keyManager === 'AWS') throw this.managedKeyRefusal(accountId, found, action);
    const changed = await this.repository.transaction(async (m) => {
      const key = (await this.repository.findKey(found.id, m, true))!;
      return this.repository.updateKey(m, key.id, apply(key));
    });
    return this.described(changed);
  }

  /**
   * An AWS managed key's policy lets the account describe and use it, never manage it: KMS
   * answers what the policy refuses as AccessDeniedException.
   */
  private managedKeyRefusal(
    accountId: string,
    key: KmsKeyRecord,
    action: string,
  ): AccessDeniedException {
    return new AccessDeniedException(
      `User: arn:aws:iam::${accountId}:root is not authorized to perform: kms:${action} on resource: ${this.arnOf(key)} because no resource-based policy allows the kms:${action} action`,
    );
  }

  private refusePendingDeletion(key: KmsKeyRecord): void {
    if (key.keyState === 'PendingDeletion') {
      throw new KMSInvalidStateException(`${this.arnOf(key)} is pending deletion.`);
    }
  }

  enableKey(accountId: string, keyId: string): Promise<KeyDescription> {
    return this.change(accountId, keyId, 'EnableKey', (key) => {
      this.refusePendingDeletion(key);
      return { keyState: 'Enabled' };
    });
  }

  async disableKey(accountId: string, keyId: string): Promise<KeyDescription> {
    const key = await this.change(accountId, keyId, 'DisableKey', (key) => {
      this.refusePendingDeletion(key);
      return { keyState: 'Disabled' };
    });
    await this.outlastCachedStates();
    return key;
  }

  async scheduleKeyDeletion(
    accountId: string,
    keyId: string,
    pendingWindowInDays = DEFAULT_DELETION_WINDOW_DAYS,
  ): Promise<KeyDescription> {
    const key = await this.change(accountId, keyId, 'ScheduleKeyDeletion', (key) => {
      this.refusePendingDeletion(key);
      return {
        keyState: 'PendingDeletion',
        deletionDate: new Date(Date.now() + pendingWindowInDays * DAY_MS),
      };
    });
    await this.outlastCachedStates();
    return key;
  }

  /**
   * Resolves once no instance can still hold an enabled state read before the change just
   * committed (`RepositoryKeys` reuses one for `ACCESS_KEY_CACHE_TTL`): the rule of deactivating
   * an access key.
   */
  private async outlastCachedStates(): Promise<void> {
    if (this.config.accessKeyCacheMs <= 0) return;
    await new Promise((resolve) =>
      setTimeout(resolve, this.config.accessKeyCacheMs + CACHE_EXPIRY_MARGIN_MS),
    );
  }

  cancelKeyDeletion(accountId: string, keyId: string): Promise<KeyDescription> {
    return this.change(accountId, keyId, 'CancelKeyDeletion', (key) => {
      if (key.keyState !== 'PendingDeletion') {
        throw new KMSInvalidStateException(`${this.arnOf(key)} is not pending deletion.`);
      }
      // KMS leaves a key whose deletion is cancelled disabled.
      return { keyState: 'Disabled', deletionDate: null };
    });
  }

  enableKeyRotation(accountId: string, keyId: string, enabled = true): Promise<KeyDescription> {
    return this.change(accountId, keyId, 'EnableKeyRotation', (key) => {
      this.refusePendingDeletion(key);
      if (key.keyState === 'Disabled') {
        throw new DisabledException(`${this.arnOf(key)} is disabled.`);
      }
      return { rotationEnabled: enabled };
    });
  }

  async getKeyRotationStatus(accountId: string, keyId: string): Promise<KeyDescription> {
    const key = await this.resolve(accountId, keyId, {
      aliases: false,
      action: 'GetKeyRotationStatus',
    });
    this.refusePendingDeletion(key);
    return this.described(key);
  }

  /**
   * The account's AWS managed key of `alias` (`alias/aws/ecr`), created on first use as AWS
   * creates it the first time a service needs it. Of concurrent first uses, the one whose alias
   * insert wins keeps its key; the others roll theirs back and read the winner's.
   */
  async managedKey(accountId: string, alias: string, service: string): Promise<KmsKeyRecord> {
    const existing = await this.repository.findAlias(accountId, alias);
    if (existing) return (await this.repository.findKey(existing.keyId))!;
    const id = randomUUID();
    const lost = new Error('another caller created the managed key first');
    try {
      return await this.repository.transaction(async (m) => {
        const key = await this.repository.insertKey(
          m,
          {
            id,
            accountId,
            description: `Default key that protects my ${service} data when no other key is defined`,
            keyManager: 'AWS',
            rotationEnabled: true,
          },
          this.sealMaterial(newKeyMaterial(), id, 1),
        );
        if (!(await this.repository.insertAlias(accountId, alias, id, m))) throw lost;
        return key;
      });
    } catch (err) {
      if (err !== lost) throw err;
      const winner = (await this.repository.findAlias(accountId, alias))!;
      return (await this.repository.findKey(winner.keyId))!;
    }
  }
}
