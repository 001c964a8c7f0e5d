import type {
  DeleteLifecyclePolicyResponse,
  GetLifecyclePolicyPreviewResponse,
  GetLifecyclePolicyResponse,
  PutLifecyclePolicyResponse,
  StartLifecyclePolicyPreviewResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { decodePageToken, encodePageToken } from '../../common/page-token';
import { LifecycleService } from '../../lifecycle/lifecycle.service';
import {
  DeleteLifecyclePolicyRequest,
  GetLifecyclePolicyPreviewRequest,
  GetLifecyclePolicyRequest,
  PutLifecyclePolicyRequest,
  StartLifecyclePolicyPreviewRequest,
} from '../dto/lifecycle-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';
import { rejectPagingWith } from './paging';

/** The model's default and largest page of previewResults. */
const DEFAULT_PAGE_SIZE = 100;

/**
 * PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy, StartLifecyclePolicyPreview
 * and GetLifecyclePolicyPreview.
 */
@Injectable()
export class LifecycleOperations {
  constructor(private readonly lifecycle: LifecycleService) {}

  @EcrOperation('PutLifecyclePolicy', PutLifecyclePolicyRequest)
  async put(
    input: PutLifecyclePolicyRequest,
    ctx: EcrCallContext,
  ): Promise<PutLifecyclePolicyResponse> {
    await this.lifecycle.putPolicy(ctx.registryId, input.repositoryName, input.lifecyclePolicyText);
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      lifecyclePolicyText: input.lifecyclePolicyText,
    };
  }

  @EcrOperation('GetLifecyclePolicy', GetLifecyclePolicyRequest)
  async get(
    input: GetLifecyclePolicyRequest,
    ctx: EcrCallContext,
  ): Promise<GetLifecyclePolicyResponse> {
    const policy = await this.lifecycle.getPolicy(ctx.registryId, input.repositoryName);
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      lifecyclePolicyText: policy.policyText,
      ...(policy.lastEvaluatedAt ? { lastEvaluatedAt: policy.lastEvaluatedAt } : {}),
    };
  }

  @EcrOperation('DeleteLifecyclePolicy', DeleteLifecyclePolicyRequest)
  async delete(
    input: DeleteLifecyclePolicyRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteLifecyclePolicyResponse> {
    const policy = await this.lifecycle.deletePolicy(ctx.registryId, input.repositoryName);
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      lifecyclePolicyText: policy.policyText,
      ...(policy.lastEvaluatedAt ? { lastEvaluatedAt: policy.lastEvaluatedAt } : {}),
    };
  }

  @EcrOperation('StartLifecyclePolicyPreview', StartLifecyclePolicyPreviewRequest)
  async startPreview(
    input: StartLifecyclePolicyPreviewRequest,
    ctx: EcrCallContext,
  ): Promise<StartLifecyclePolicyPreviewResponse> {
    const started = await this.lifecycle.startPreview(
      ctx.registryId,
      input.repositoryName,
      input.lifecyclePolicyText,
    );
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      lifecyclePolicyText: started.policyText,
      status: started.status,
    };
  }

  @EcrOperation('GetLifecyclePolicyPreview', GetLifecyclePolicyPreviewRequest)
  async getPreview(
    input: GetLifecyclePolicyPreviewRequest,
    ctx: EcrCallContext,
  ): Promise<GetLifecyclePolicyPreviewResponse> {
    if (input.imageIds) rejectPagingWith(input, 'imageIds');
    const after =
      input.nextToken === undefined
        ? undefined
        : decodePageToken(input.nextToken, { startedAt: 'id', offset: 'id' });
    const page = await this.lifecycle.getPreview(ctx.registryId, input.repositoryName, {
      imageIds: input.imageIds,
      tagStatus: input.filter?.tagStatus,
      // imageIds name at most 100 images: all of their results fit one page.
      limit: input.maxResults ?? DEFAULT_PAGE_SIZE,
      after,
    });
    const result: GetLifecyclePolicyPreviewResponse = {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      lifecyclePolicyText: page.policyText,
      status: page.status,
      previewResults: page.results.map((r) => ({
        imageDigest: r.imageDigest,
        imageTags: r.imageTags,
        imagePushedAt: r.imagePushedAt,
        action: { type: 'EXPIRE' },
        appliedRulePriority: r.appliedRulePriority,
      })),
    };
    if (page.expiringImageTotalCount !== undefined) {
      result.summary = { expiringImageTotalCount: page.expiringImageTotalCount };
    }
    if (page.nextOffset !== undefined) {
      result.nextToken = encodePageToken({
        startedAt: page.startedAt.getTime(),
        offset: page.nextOffset,
      });
    }
    return result;
  }
}
