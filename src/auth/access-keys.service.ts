import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { isForeignKeyViolation, isUniqueViolation } from '../common/database-errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { EntityAlreadyExistsException, NoSuchEntityException } from './auth.errors';
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
    private readonly dataSource: DataSource,
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
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CreatedAccessKey> {
    const accessKeyId = input.accessKeyId ?? generateAccessKeyId();
    const secretAccessKey = input.secretAccessKey ?? generateSecretAccessKey();
    const key = manager.getRepository(AccessKeyEntity).create({
      accessKeyId,
      accountId,
      secretCiphertext: this.masterKey.seal(secretAccessKey, accessKeyId),
      status: 'Active',
      description: input.description ?? null,
      lastUsedAt: null,
    });
    try {
      await manager.getRepository(AccessKeyEntity).insert(key);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new EntityAlreadyExistsException(`The access key ${accessKeyId} already exists`);
      }
      // The foreign key, not a read before the insert, decides whether the account exists: an
      // account deleted by another instance in between is caught here too.
      if (isForeignKeyViolation(err)) {
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
    const query = this.dataSource
      .getRepository(AccessKeyEntity)
      .createQueryBuilder('k')
      .orderBy('k.access_key_id', 'ASC')
      .limit(limit);
    if (options.accountId !== undefined) {
      query.andWhere('k.account_id = :accountId', { accountId: options.accountId });
    }
    if (options.after !== undefined) {
      query.andWhere('k.access_key_id > :after', { after: options.after });
    }
    return query.getMany();
  }

  async get(accessKeyId: string): Promise<AccessKeyEntity> {
    const key = await this.dataSource.getRepository(AccessKeyEntity).findOneBy({ accessKeyId });
    if (!key) throw new NoSuchEntityException(`The access key ${accessKeyId} does not exist`);
    return key;
  }

  async setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<AccessKeyEntity> {
    const result = await this.dataSource
      .getRepository(AccessKeyEntity)
      .update({ accessKeyId }, { status });
    if (!result.affected)
      throw new NoSuchEntityException(`The access key ${accessKeyId} does not exist`);
    if (status !== 'Active') await this.outlastCachedKeys();
    return this.get(accessKeyId);
  }

  async delete(accessKeyId: string): Promise<void> {
    const result = await this.dataSource.getRepository(AccessKeyEntity).delete({ accessKeyId });
    if (!result.affected)
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
    const rows = await this.dataSource.query<{ account_id: string; secret_ciphertext: Buffer }[]>(
      `SELECT account_id, secret_ciphertext FROM access_keys
        WHERE access_key_id = $1 AND status = 'Active'`,
      [accessKeyId],
    );
    const row = rows[0];
    if (!row) {
      this.activeKeys.delete(accessKeyId);
      return undefined;
    }
    const key = {
      accountId: row.account_id,
      accessKeyId,
      secretAccessKey: this.masterKey.open(row.secret_ciphertext, accessKeyId),
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
    this.dataSource
      .query('UPDATE access_keys SET last_used_at = now() WHERE access_key_id = $1', [accessKeyId])
      .catch((err: unknown) => this.logger.debug({ err }, 'could not record the use of a key'));
  }
}
