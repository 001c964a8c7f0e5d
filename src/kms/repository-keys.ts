import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { isDomainError } from '../errors/domain-error-code';
import { KmsException, type KeyUnusableCode } from './kms.errors';
import { KmsService } from './kms.service';

/** ECR's AWS managed key of an account, created on first use. */
export const ECR_MANAGED_KEY_ALIAS = 'alias/aws/ecr';

const MAX_CACHED_KEYS = 10_000;

/** Turns KMS's refusal of a key into ECR's `KmsException`, naming it in `kmsError`. */
function asKmsException(err: unknown): unknown {
  if (!isDomainError(err)) return err;
  switch (err.name) {
    case 'NotFoundException':
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return KmsException.of(err.name satisfies KeyUnusableCode, err.message);
    case 'AccessDeniedException':
      return KmsException.of('AccessDeniedException', err.message);
    default:
      return err;
  }
}

/**
 * The keys of repositories encrypted with `KMS`: which key a repository's `kmsKey` names, and
 * whether it may be used now. An instance reuses an enabled key's state for
 * `ACCESS_KEY_CACHE_TTL`, counted from before the read; disabling a key or scheduling its
 * deletion answers only once that time has passed (see `KmsService.outlastCachedStates`), so that
 * once the answer is given every instance refuses the key, as with deactivating an access key.
 */
@Injectable()
export class RepositoryKeys {
  private readonly usable = new Map<string, number>();

  constructor(
    private readonly kms: KmsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The ARN of the key a new repository of `accountId` is encrypted with: the one `kmsKey` names
   * (key id, key ARN, alias name or alias ARN), or the account's `aws/ecr` key. A key that is
   * missing, disabled, pending deletion or another account's is `KmsException`.
   */
  async keyForNewRepository(accountId: string, kmsKey?: string): Promise<string> {
    try {
      const key =
        kmsKey === undefined
          ? await this.kms.managedKey(accountId, ECR_MANAGED_KEY_ALIAS, 'ECR')
          : await this.kms.resolve(accountId, kmsKey, { aliases: true, action: 'DescribeKey' });
      this.kms.requireEnabled(key);
      return this.kms.arnOf(key);
    } catch (err) {
      throw asKmsException(err);
    }
  }

  /**
   * Refuses with `KmsException` a repository key that cannot be used now. Within a transaction,
   * `manager` reads the key on its connection: no second connection is taken while one is held.
   */
  async requireUsable(accountId: string, keyArn: string, manager?: EntityManager): Promise<void> {
    const sent = performance.now();
    const until = this.usable.get(keyArn);
    if (until !== undefined && sent < until) return;
    try {
      const key = await this.kms.resolve(
        accountId,
        keyArn,
        { aliases: false, action: 'GenerateDataKey' },
        manager,
      );
      this.kms.requireEnabled(key);
    } catch (err) {
      this.usable.delete(keyArn);
      throw asKmsException(err);
    }
    if (this.config.accessKeyCacheMs > 0) {
      if (this.usable.size >= MAX_CACHED_KEYS) this.usable.clear();
      this.usable.set(keyArn, sent + this.config.accessKeyCacheMs);
    }
  }

  forget(): void {
    this.usable.clear();
  }
}
