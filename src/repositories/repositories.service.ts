import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { RepositoryEntity, RepositoryTag } from './entities/repository.entity';
import {
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from './repositories.errors';
import { RepositoriesRepository, RepositoryLock, RepositoryStats } from './repositories.repository';
import {
  checkTagMutability,
  ImageTagMutability,
  TagMutabilityExclusionFilter,
} from './tag-mutability';
import { RepositoryDeletions } from './repository-deletions';
import { RepositoryKeys } from '../kms/repository-keys';

/** Whether the repository's layers are encrypted under a KMS key rather than Berth's own keys. */
function usesKms(repo: Pick<RepositoryEntity, 'encryptionType'>): boolean {
  return repo.encryptionType === 'KMS' || repo.encryptionType === 'KMS_DSSE';
}
import { checkTagKeys, checkTags, mergeTags, removeTags } from './tags';

export interface NewRepository {
  registryId: string;
  name: string;
  imageTagMutability?: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: TagMutabilityExclusionFilter[];
  scanOnPush?: boolean;
  encryptionType?: string;
  kmsKey?: string;
  tags?: RepositoryTag[];
}

export type { RepositoryStats } from './repositories.repository';

export interface RepositoryPage {
  repositories: RepositoryEntity[];
  /** The name of the last repository, when more follow it. */
  lastName?: string;
}

/** Owns repositories: their creation, lookup and deletion, within one registry. */
@Injectable()
export class RepositoriesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoriesRepository,
    private readonly deletions: RepositoryDeletions,
    private readonly keys: RepositoryKeys,
  ) {}

  /**
   * Refuses with `KmsException` a write into a repository whose KMS key is disabled, pending
   * deletion or gone. Within a transaction, pass its `manager`.
   */
  async requireWritable(repo: RepositoryEntity, manager?: EntityManager): Promise<void> {
    await this.requireKey(repo, manager);
  }

  /**
   * Refuses with `KmsException` a read of a layer's bytes from a repository whose KMS key cannot
   * be used, as S3 refuses an object encrypted under a disabled key. What the API answers from
   * the database (manifests, image details, the existence of a blob) stays readable, as in ECR.
   */
  async requireReadable(repo: RepositoryEntity): Promise<void> {
    await this.requireKey(repo);
  }

  /** `requireReadable` of the repository `id`; nothing when it is gone. */
  async requireReadableById(id: string): Promise<void> {
    const repo = await this.repositories.findById(id);
    if (repo) await this.requireKey(repo);
  }

  private async requireKey(repo: RepositoryEntity, manager?: EntityManager): Promise<void> {
    if (usesKms(repo) && repo.kmsKey) {
      await this.keys.requireUsable(repo.registryId, repo.kmsKey, manager);
    }
  }

  /**
   * The repository `name` of `registryId`, or `RepositoryNotFoundException`. With `lock`, the row
   * is held until the transaction of `manager` ends (see `RepositoryLock` for the lock order).
   */
  async require(
    registryId: string,
    name: string,
    manager?: EntityManager,
    lock: RepositoryLock = 'none',
  ): Promise<RepositoryEntity> {
    const repo = await this.repositories.findByName(registryId, name, lock, manager);
    if (!repo) throw RepositoryNotFoundException.of(registryId, name);
    return repo;
  }

  /** Whether the registry has a repository of that name. */
  async exists(registryId: string, name: string): Promise<boolean> {
    return (await this.repositories.findByName(registryId, name)) !== undefined;
  }

  findById(id: string): Promise<RepositoryEntity | undefined> {
    return this.repositories.findById(id);
  }

  /** Repositories across registries with their counts, by id after `after`. */
  listWithStats(
    filter: { registryId?: string; name?: string },
    limit: number,
    after?: string,
  ): Promise<RepositoryStats[]> {
    return this.repositories.pageWithStats(filter, limit, after);
  }

  findWithStats(id: string): Promise<RepositoryStats | undefined> {
    return this.repositories.findWithStats(id);
  }

  async create(input: NewRepository): Promise<RepositoryEntity> {
    const checked = this.checked(input);
    if (usesKms(checked)) {
      // KMS_DSSE is validated and recorded as KMS is (docs/kms.md): its key is the same kind.
      checked.kmsKey = await this.keys.keyForNewRepository(input.registryId, input.kmsKey);
    }
    const created = await this.repositories.insert(checked);
    if (!created) throw RepositoryAlreadyExistsException.of(input.registryId, input.name);
    return created;
  }

  /**
   * Creates the repository within the transaction of `manager`, unless the registry has one of
   * that name (undefined then): of concurrent creators, one creates and the others find it.
   */
  createIfAbsent(
    input: NewRepository,
    manager: EntityManager,
  ): Promise<RepositoryEntity | undefined> {
    return this.repositories.insertIfAbsent(manager, this.checked(input));
  }

  private checked(input: NewRepository): RepositoryEntity {
    const tags = checkTags(input.tags);
    const mutability = input.imageTagMutability ?? 'MUTABLE';
    const filters = checkTagMutability(mutability, input.imageTagMutabilityExclusionFilters);
    // Any KMS key is accepted (Berth encrypts nothing with it), but PostgreSQL text cannot hold
    // U+0000.
    if (input.kmsKey?.includes('\u0000')) {
      throw InvalidParameterException.constraint(
        'encryptionConfiguration.kmsKey',
        'must not contain the character U+0000',
      );
    }
    return Object.assign(new RepositoryEntity(), {
      registryId: input.registryId,
      name: input.name,
      imageTagMutability: mutability,
      imageTagMutabilityExclusionFilters: filters,
      scanOnPush: input.scanOnPush ?? false,
      encryptionType: input.encryptionType ?? 'AES256',
      kmsKey: input.kmsKey ?? null,
      tags,
    });
  }

  /** The named repositories, in the order asked, each once; any missing one is an error. */
  async describeNamed(registryId: string, names: string[]): Promise<RepositoryEntity[]> {
    const unique = [...new Set(names)];
    const rows = await this.repositories.findByNames(registryId, unique);
    const byName = new Map(rows.map((r) => [r.name, r]));
    const missing = unique.find((n) => !byName.has(n));
    if (missing) throw RepositoryNotFoundException.of(registryId, missing);
    return unique.map((n) => byName.get(n)!);
  }

  /** A page of the registry's repositories by name, after `after`. */
  async list(registryId: string, limit: number, after?: string): Promise<RepositoryPage> {
    const rows = await this.repositories.pageByName(registryId, limit + 1, after);
    const repositories = rows.slice(0, limit);
    return rows.length > limit
      ? { repositories, lastName: repositories[repositories.length - 1].name }
      : { repositories };
  }

  /** The repository's resource tags, in the order they were first given. */
  async listTags(registryId: string, name: string): Promise<RepositoryTag[]> {
    return (await this.require(registryId, name)).tags;
  }

  /**
   * Adds the tags, replacing the values of keys the repository has; refused when the repository
   * would then have more than 50. The row is held while its tags are read and written, so that
   * concurrent taggers each see the other's tags.
   */
  async tag(registryId: string, name: string, tags: RepositoryTag[]): Promise<void> {
    const checked = checkTags(tags);
    await this.dataSource.transaction(async (manager) => {
      const repo = await this.require(registryId, name, manager, 'update');
      await this.repositories.updateTags(manager, repo.id, mergeTags(repo.tags, checked));
    });
  }

  /** Removes the tags of those keys; keys the repository does not have are no error. */
  async untag(registryId: string, name: string, keys: string[]): Promise<void> {
    checkTagKeys(keys);
    await this.dataSource.transaction(async (manager) => {
      const repo = await this.require(registryId, name, manager, 'update');
      await this.repositories.updateTags(manager, repo.id, removeTags(repo.tags, keys));
    });
  }

  /** Sets the repository's tag mutability and exclusion filters; answers the repository. */
  async setTagMutability(
    registryId: string,
    name: string,
    mutability: ImageTagMutability,
    filters: TagMutabilityExclusionFilter[] | undefined,
  ): Promise<RepositoryEntity> {
    const checked = checkTagMutability(mutability, filters);
    const repo = await this.repositories.updateTagMutability(registryId, name, mutability, checked);
    if (!repo) throw RepositoryNotFoundException.of(registryId, name);
    return repo;
  }

  /** Sets whether the repository's images are scanned on push; answers the repository. */
  async setScanOnPush(
    registryId: string,
    name: string,
    scanOnPush: boolean,
  ): Promise<RepositoryEntity> {
    const repo = await this.repositories.updateScanOnPush(registryId, name, scanOnPush);
    if (!repo) throw RepositoryNotFoundException.of(registryId, name);
    return repo;
  }

  /** Deletes the repository; refused while it holds images, unless `force`. */
  async delete(registryId: string, name: string, force: boolean): Promise<RepositoryEntity> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const repo = await this.require(registryId, name, manager, 'update');
      // The row lock keeps a PutImage (which holds the row FOR SHARE) from slipping in.
      if (!force && (await this.repositories.hasImages(manager, repo.id))) {
        throw RepositoryNotEmptyException.of(registryId, repo.name);
      }
      await this.repositories.delete(manager, repo.id);
      return repo;
    });
    this.deletions.announce({ id: deleted.id, registryId: deleted.registryId, name: deleted.name });
    return deleted;
  }
}
