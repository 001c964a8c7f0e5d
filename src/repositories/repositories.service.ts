import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { EcrCallContext, EcrResult } from '../common/ecr-call-context';
import { isUniqueViolation } from '../common/database-errors';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EcrOperation } from '../ecr/ecr-operation.decorator';
import { CreateRepositoryRequest } from './dto/create-repository.request';
import { DeleteRepositoryRequest } from './dto/delete-repository.request';
import { DescribeRepositoriesRequest } from './dto/describe-repositories.request';
import { RepositoryEntity } from './entities/repository.entity';
import {
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from './repositories.errors';
import { repositoryFromRow, RepositoryRow, repositoryView } from './repository-view';
import { checkTags } from './tags';
import { StorageGcService } from '../storage/storage-gc.service';

const DEFAULT_PAGE_SIZE = 100;

@Injectable()
export class RepositoriesService {
  private readonly repositories: Repository<RepositoryEntity>;
  private readonly publicHost: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly gc: StorageGcService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.repositories = dataSource.getRepository(RepositoryEntity);
    this.publicHost = new URL(config.publicUrl).host;
  }

  /**
   * The repository `name` of `registryId`, or `RepositoryNotFoundException`. With `lock`, the row is
   * held `FOR SHARE` until the transaction of `manager` ends, so it cannot be deleted under a
   * writer that is adding to it.
   */
  async require(
    registryId: string,
    name: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<RepositoryEntity> {
    // Every ECR call runs this: plain SQL keeps the query builder's overhead off the hot path.
    const rows = await manager.query<RepositoryRow[]>(
      `SELECT * FROM repositories WHERE registry_id = $1 AND name = $2${lock ? ' FOR SHARE' : ''}`,
      [registryId, name],
    );
    if (rows.length === 0) throw RepositoryNotFoundException.of(registryId, name);
    return repositoryFromRow(rows[0]);
  }

  view(repo: RepositoryEntity): Record<string, unknown> {
    return repositoryView(repo, this.config.region, this.publicHost);
  }

  @EcrOperation('CreateRepository', CreateRepositoryRequest)
  async create(input: CreateRepositoryRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const tags = checkTags(input.tags);
    // Any KMS key is accepted (Berth encrypts nothing with it), but PostgreSQL text cannot hold
    // U+0000.
    if (input.encryptionConfiguration?.kmsKey?.includes('\u0000')) {
      throw InvalidParameterException.constraint(
        'encryptionConfiguration.kmsKey',
        'must not contain the character U+0000',
      );
    }
    try {
      // The unique constraint on (registry_id, name) decides between concurrent creators.
      const row = this.repositories.create({
        registryId: ctx.registryId,
        name: input.repositoryName,
        imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
        scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
        encryptionType: input.encryptionConfiguration?.encryptionType ?? 'AES256',
        kmsKey: input.encryptionConfiguration?.kmsKey ?? null,
        tags,
      });
      // `insert` fills in the generated id and created_at from INSERT ... RETURNING.
      await this.repositories.insert(row);
      return { repository: this.view(row) };
    } catch (err) {
      if (isUniqueViolation(err, 'repositories_registry_name_key')) {
        throw RepositoryAlreadyExistsException.of(ctx.registryId, input.repositoryName);
      }
      throw err;
    }
  }

  @EcrOperation('DescribeRepositories', DescribeRepositoriesRequest)
  async describe(input: DescribeRepositoriesRequest, ctx: EcrCallContext): Promise<EcrResult> {
    if (input.repositoryNames) {
      // As in ECR: pagination applies only when listing the whole registry.
      if (input.maxResults !== undefined) {
        throw InvalidParameterException.constraint(
          'maxResults',
          'cannot be used together with repositoryNames',
        );
      }
      if (input.nextToken !== undefined) {
        throw InvalidParameterException.constraint(
          'nextToken',
          'cannot be used together with repositoryNames',
        );
      }
      const names = [...new Set(input.repositoryNames)];
      const rows = await this.repositories
        .createQueryBuilder('r')
        .where('r.registry_id = :registryId AND r.name IN (:...names)', {
          registryId: ctx.registryId,
          names,
        })
        .getMany();
      const byName = new Map(rows.map((r) => [r.name, r]));
      const missing = names.find((n) => !byName.has(n));
      if (missing) throw RepositoryNotFoundException.of(ctx.registryId, missing);
      return { repositories: names.map((n) => this.view(byName.get(n)!)) };
    }

    const limit = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const query = this.repositories
      .createQueryBuilder('r')
      .where('r.registry_id = :registryId', { registryId: ctx.registryId })
      .orderBy('r.name', 'ASC')
      .limit(limit + 1);
    if (input.nextToken !== undefined) {
      query.andWhere('r.name > :after', {
        after: decodePageToken(input.nextToken, { after: 'string' }).after,
      });
    }
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const result: EcrResult = { repositories: page.map((r) => this.view(r)) };
    if (rows.length > limit)
      result.nextToken = encodePageToken({ after: page[page.length - 1].name });
    return result;
  }

  @EcrOperation('DeleteRepository', DeleteRepositoryRequest)
  async delete(input: DeleteRepositoryRequest, ctx: EcrCallContext): Promise<EcrResult> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const repo = await manager
        .getRepository(RepositoryEntity)
        .createQueryBuilder('r')
        .setLock('pessimistic_write')
        .where('r.registry_id = :registryId AND r.name = :name', {
          registryId: ctx.registryId,
          name: input.repositoryName,
        })
        .getOne();
      if (!repo) throw RepositoryNotFoundException.of(ctx.registryId, input.repositoryName);
      if (!input.force) {
        // The row lock above keeps a PutImage (which holds the row FOR SHARE) from slipping in.
        const images = await manager.query<unknown[]>(
          'SELECT 1 FROM images WHERE repository_id = $1 LIMIT 1',
          [repo.id],
        );
        if (images.length > 0) throw RepositoryNotEmptyException.of(ctx.registryId, repo.name);
      }
      // Everything the repository holds goes with it (foreign keys ON DELETE CASCADE).
      await manager.getRepository(RepositoryEntity).delete({ id: repo.id });
      return repo;
    });
    // The bytes of its uploads in progress are no longer referenced.
    this.gc.collectSoon();
    return { repository: this.view(deleted) };
  }
}
