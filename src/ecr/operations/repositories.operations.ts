import type {
  CreateRepositoryResponse,
  DeleteRepositoryResponse,
  DescribeRepositoriesResponse,
  PutImageTagMutabilityResponse,
} from '@aws-sdk/client-ecr';
import { Inject, Injectable } from '@nestjs/common';
import { decodePageToken, encodePageToken } from '../../common/page-token';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { registryHostOf } from '../../config/registry-host';
import type { RepositoryEntity } from '../../repositories/entities/repository.entity';
import { RepositoriesService } from '../../repositories/repositories.service';
import { CreateRepositoryRequest } from '../dto/create-repository.request';
import { DeleteRepositoryRequest } from '../dto/delete-repository.request';
import { DescribeRepositoriesRequest } from '../dto/describe-repositories.request';
import { PutImageTagMutabilityRequest } from '../dto/tag-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';
import { rejectPagingWith } from './paging';
import { repositoryShape } from './repository-shape';

const DEFAULT_PAGE_SIZE = 100;

/** CreateRepository, DescribeRepositories, DeleteRepository and PutImageTagMutability. */
@Injectable()
export class RepositoriesOperations {
  constructor(
    private readonly repositories: RepositoriesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private shape(repo: RepositoryEntity): ReturnType<typeof repositoryShape> {
    return repositoryShape(repo, this.config.region, registryHostOf(this.config, repo.registryId));
  }

  @EcrOperation('CreateRepository', CreateRepositoryRequest)
  async create(
    input: CreateRepositoryRequest,
    ctx: EcrCallContext,
  ): Promise<CreateRepositoryResponse> {
    const repo = await this.repositories.create({
      registryId: ctx.registryId,
      name: input.repositoryName,
      imageTagMutability: input.imageTagMutability,
      imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters,
      scanOnPush: input.imageScanningConfiguration?.scanOnPush,
      encryptionType: input.encryptionConfiguration?.encryptionType,
      kmsKey: input.encryptionConfiguration?.kmsKey,
      tags: input.tags,
    });
    return { repository: this.shape(repo) };
  }

  @EcrOperation('DescribeRepositories', DescribeRepositoriesRequest)
  async describe(
    input: DescribeRepositoriesRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeRepositoriesResponse> {
    if (input.repositoryNames) {
      rejectPagingWith(input, 'repositoryNames');
      const repos = await this.repositories.describeNamed(ctx.registryId, input.repositoryNames);
      return { repositories: repos.map((r) => this.shape(r)) };
    }
    const after =
      input.nextToken === undefined
        ? undefined
        : decodePageToken(input.nextToken, { after: 'string' }).after;
    const page = await this.repositories.list(
      ctx.registryId,
      input.maxResults ?? DEFAULT_PAGE_SIZE,
      after,
    );
    const result: DescribeRepositoriesResponse = {
      repositories: page.repositories.map((r) => this.shape(r)),
    };
    if (page.lastName !== undefined) result.nextToken = encodePageToken({ after: page.lastName });
    return result;
  }

  @EcrOperation('DeleteRepository', DeleteRepositoryRequest)
  async delete(
    input: DeleteRepositoryRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteRepositoryResponse> {
    const repo = await this.repositories.delete(
      ctx.registryId,
      input.repositoryName,
      input.force ?? false,
    );
    return { repository: this.shape(repo) };
  }

  @EcrOperation('PutImageTagMutability', PutImageTagMutabilityRequest)
  async putTagMutability(
    input: PutImageTagMutabilityRequest,
    ctx: EcrCallContext,
  ): Promise<PutImageTagMutabilityResponse> {
    const repo = await this.repositories.setTagMutability(
      ctx.registryId,
      input.repositoryName,
      input.imageTagMutability,
      input.imageTagMutabilityExclusionFilters,
    );
    const filters = repo.imageTagMutabilityExclusionFilters;
    return {
      registryId: repo.registryId,
      repositoryName: repo.name,
      imageTagMutability:
        repo.imageTagMutability as PutImageTagMutabilityResponse['imageTagMutability'],
      ...(filters.length > 0 ? { imageTagMutabilityExclusionFilters: filters } : {}),
    };
  }
}
