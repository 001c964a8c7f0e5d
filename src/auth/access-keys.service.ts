import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { isForeignKeyViolation, isUniqueViolation } from '../common/database-errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ACCESS_KEYS_ACCOUNT_ID_FKEY, ACCESS_KEYS_PKEY } from '../database/constraints';
import { ROOT_LOGGER } from '../logging/logger';
import { EntityAlreadyExistsException, NoSuchEntityException } from './auth.errors';
import { AuthRepository } from './auth.repository';
import { AccessKeyEntity, AccessKeyStatus } from './entities/access-key.entity';
import { MasterKeyService } from '../crypto/master-key.service';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// last_used_at is a hint for operators: written at most this often per key and instance.
const LAST_USED_RESOLUTION_MS = 60_000;
// Beyond the cache's lifetime, what a deactivation waits for: timers of separate processes.
const CACHE_EXPIRY_MARGIN_MS = 100;
const MAX_CACHED_KEYS = 10_000;

/** `AKIA` and 16 random base-32 characters, the shape of an AWS access key id. */
export function generateAccessKeyId(): string {
  return 'AKIA' + [...randomBytes(16)].map((b) => BASE32[b % 32]).join('');
}

/** 40 characters of base64, the shape of an AWS secret access key (240 random bits). */
export function generateSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

export interface NewAccessKey {
  accessKeyId?: string;
  secretAccessKey?: string;
  description?: string;
}

/** A key with its secret: what its creator is shown, once. */
export interface CreatedAccessKey {
  key: AccessKeyEntity;
  secretAccessKey: string;
}

/** The credentials of an active key, for verifying a signature. */
export interface ActiveAccessKey {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * How many times the key was deactivated. What is issued to the key (registry tokens,
   * download URLs) carries the count and is honoured only while it is unchanged: reactivating
   * a key brings back none of what was issued before it was deactivated.
   */
  deactivations: number;
}

interface CachedKey {
  key: ActiveAccessKey;
  /** `performance.now()` until which the key may be used without reading its row again. */
  until: number;
}

/**
 * Access keys of accounts. Secrets are sealed under the master key, bound to their key id, and
 * opened only to verify a signature.
 *
 * An instance reuses an active key it read for `ACCESS_KEY_CACHE_TTL` (1 s by default), counted
 * from before the read was sent: reading the key on every request was half of the database round
 * trips of a small call. Deactivating or deleting a key (or its account) answers only after that
 * lifetime has passed, so once the answer is given every instance refuses the key, as it did when
 * every request read the row.
 */
@Injectable()
export class AccessKeysService {
  private readonly lastUseWritten = new Map<string, number>();
  private readonly activeKeys = new Map<string, CachedKey>();

  constructor(
    private readonly repository: AuthRepository,
    private readonly masterKey: MasterKeyService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Resolves once no instance can still hold a key read before now: what a change that withdraws
   * keys waits for after its commit.
   */
  async outlastCachedKeys(): Promise<void> {
    this.activeKeys.clear();
    if (this.config.accessKeyCacheMs <= 0) return;
    await new Promise((resolve) =>
      setTimeout(resolve, this.config.accessKeyCacheMs + CACHE_EXPIRY_MARGIN_MS),
    );
  }

  async create(
    accountId: string,
    input: NewAccessKey = {},
    manager?: EntityManager,
  ): Promise<CreatedAccessKey> {
    const accessKeyId = input.accessKeyId ?? generateAccessKeyId();
    const secretAccessKey = input.secretAccessKey ?? generateSecretAccessKey();
    const key = this.repository.newAccessKey({
      accessKeyId,
      accountId,
      secretCiphertext: this.masterKey.seal(secretAccessKey, accessKeyId),
      status: 'Active',
      description: input.description ?? null,
      lastUsedAt: null,
    });
    try {
      await this.repository.insertAccessKey(key, manager);
    } catch (err) {
      if (isUniqueViolation(err, ACCESS_KEYS_PKEY)) {
        throw new EntityAlreadyExistsException(`The access key ${accessKeyId} already exists`);
      }
      // The foreign key, not a read before the insert, decides whether the account exists: an
      // account deleted by another instance in between is caught here too.
      if (isForeignKeyViolation(err, ACCESS_KEYS_ACCOUNT_ID_FKEY)) {
        throw new NoSuchEntityException(`The account ${accountId} does not exist`);
      }
      throw err;
    }
    return { key, secretAccessKey };
  }

  /** Ordered by id; `after` is the last id of the previous page. */
  list(
    limit: number,
    options: { accountId?: string; after?: string } = {},
  ): Promise<AccessKeyEntity[]> {
    return this.repository.listAccessKeys(limit, options);
  }

  async get(accessKeyId: string): Promise<AccessKeyEntity> {
    const key = await this.repository.findAccessKey(accessKeyId);
    if (!key) throw new NoSuchEntityException(`The access key ${accessKeyId} does not exist`);
    return key;
  }

  async setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<AccessKeyEntity> {
    const found =
      status === 'Inactive'
        ? await this.repository.deactivateAccessKey(accessKeyId)
        : await this.repository.setAccessKeyStatus(accessKeyId, status);
    if (!found) throw new NoSuchEntityException(`The access key ${accessKeyId} does not exist`);
    if (status !== 'Active') await this.outlastCachedKeys();
    return this.get(accessKeyId);
  }

  async delete(accessKeyId: string): Promise<void> {
    if (!(await this.repository.deleteAccessKey(accessKeyId)))
      throw new NoSuchEntityException(`The access key ${accessKeyId} does not exist`);
    await this.outlastCachedKeys();
  }

  /**
   * The credentials of `accessKeyId` when it exists and is active; undefined otherwise. With
   * `currentKey` the row is read whatever the cache holds.
   */
  async findActive(
    accessKeyId: string,
    options: { currentKey?: boolean } = {},
  ): Promise<ActiveAccessKey | undefined> {
    const sent = performance.now();
    const cached = options.currentKey ? undefined : this.activeKeys.get(accessKeyId);
    if (cached && sent < cached.until) return cached.key;
    const row = await this.repository.findActiveKey(accessKeyId);
    if (!row) {
      this.activeKeys.delete(accessKeyId);
      return undefined;
    }
    const key = {
      accountId: row.accountId,
      accessKeyId,
      secretAccessKey: this.masterKey.open(row.secretCiphertext, accessKeyId),
      deactivations: row.deactivations,
    };
    if (this.config.accessKeyCacheMs > 0) {
      if (this.activeKeys.size >= MAX_CACHED_KEYS) this.activeKeys.clear();
      this.activeKeys.set(accessKeyId, { key, until: sent + this.config.accessKeyCacheMs });
    }
    return key;
  }

  /** Records that a key signed a request: off the request's path, and coarsely. */
  noteUse(accessKeyId: string): void {
    const now = Date.now();
    if (now - (this.lastUseWritten.get(accessKeyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    if (this.lastUseWritten.size > 10_000) this.lastUseWritten.clear();
    this.lastUseWritten.set(accessKeyId, now);
    this.repository
      .touchAccessKey(accessKeyId)
      .catch((err: unknown) => this.logger.debug({ err }, 'could not record the use of a key'));
  }
}
