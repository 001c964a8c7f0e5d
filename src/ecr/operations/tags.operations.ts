import type {
  ListTagsForResourceResponse,
  TagResourceResponse,
  UntagResourceResponse,
} from '@aws-sdk/client-ecr';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { RepositoriesService } from '../../repositories/repositories.service';
import {
  ListTagsForResourceRequest,
  TagResourceRequest,
  UntagResourceRequest,
} from '../dto/tag-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';
import { repositoryOfArn } from '../resource-arn';

/** TagResource, UntagResource and ListTagsForResource, on repository ARNs. */
@Injectable()
export class TagsOperations {
  constructor(
    private readonly repositories: RepositoriesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @EcrOperation('TagResource', TagResourceRequest)
  async tag(input: TagResourceRequest, ctx: EcrCallContext): Promise<TagResourceResponse> {
    const repo = repositoryOfArn(input.resourceArn, 'TagResource', this.config.region, ctx);
    await this.repositories.tag(repo.registryId, repo.repositoryName, input.tags);
    return {};
  }

  @EcrOperation('UntagResource', UntagResourceRequest)
  async untag(input: UntagResourceRequest, ctx: EcrCallContext): Promise<UntagResourceResponse> {
    const repo = repositoryOfArn(input.resourceArn, 'UntagResource', this.config.region, ctx);
    await this.repositories.untag(repo.registryId, repo.repositoryName, input.tagKeys);
    return {};
  }

  @EcrOperation('ListTagsForResource', ListTagsForResourceRequest)
  async list(
    input: ListTagsForResourceRequest,
    ctx: EcrCallContext,
  ): Promise<ListTagsForResourceResponse> {
    const repo = repositoryOfArn(input.resourceArn, 'ListTagsForResource', this.config.region, ctx);
    return { tags: await this.repositories.listTags(repo.registryId, repo.repositoryName) };
  }
}
