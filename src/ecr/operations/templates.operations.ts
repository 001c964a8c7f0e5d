import type {
  CreateRepositoryCreationTemplateResponse,
  DeleteRepositoryCreationTemplateResponse,
  DescribeRepositoryCreationTemplatesResponse,
  RepositoryCreationTemplate,
  UpdateRepositoryCreationTemplateResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { decodePageToken, encodePageToken } from '../../common/page-token';
import { TemplateRecord, TemplatesService } from '../../templates/templates.service';
import {
  CreateRepositoryCreationTemplateRequest,
  DeleteRepositoryCreationTemplateRequest,
  DescribeRepositoryCreationTemplatesRequest,
  UpdateRepositoryCreationTemplateRequest,
} from '../dto/template-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/** DescribeRepositoryCreationTemplates' page without maxResults, as ECR documents it. */
const DEFAULT_PAGE_SIZE = 100;

/**
 * A template as ECR answers it: optional members present only when set, the encryption as
 * stored (AES256, ECR's default, when none was given), exclusion filters only when there are.
 */
export function templateShape(t: TemplateRecord): RepositoryCreationTemplate {
  const shape: RepositoryCreationTemplate = {
    prefix: t.prefix,
    encryptionConfiguration: {
      encryptionType: (t.encryptionType ?? 'AES256') as 'AES256',
      ...(t.kmsKey !== null ? { kmsKey: t.kmsKey } : {}),
    },
    resourceTags: t.resourceTags,
    imageTagMutability: t.imageTagMutability as RepositoryCreationTemplate['imageTagMutability'],
    appliedFor: t.appliedFor as RepositoryCreationTemplate['appliedFor'],
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
  if (t.description !== null) shape.description = t.description;
  if (t.imageTagMutabilityExclusionFilters.length > 0) {
    shape.imageTagMutabilityExclusionFilters = t.imageTagMutabilityExclusionFilters;
  }
  if (t.repositoryPolicy !== null) shape.repositoryPolicy = t.repositoryPolicy;
  if (t.lifecyclePolicy !== null) shape.lifecyclePolicy = t.lifecyclePolicy;
  if (t.customRoleArn !== null) shape.customRoleArn = t.customRoleArn;
  return shape;
}

/** The four repository creation template operations, on the caller's registry. */
@Injectable()
export class TemplatesOperations {
  constructor(private readonly templates: TemplatesService) {}

  @EcrOperation('CreateRepositoryCreationTemplate', CreateRepositoryCreationTemplateRequest)
  async create(
    input: CreateRepositoryCreationTemplateRequest,
    ctx: EcrCallContext,
  ): Promise<CreateRepositoryCreationTemplateResponse> {
    const { prefix, ...settings } = input;
    const created = await this.templates.create(ctx.registryId, prefix, settings);
    return { registryId: ctx.registryId, repositoryCreationTemplate: templateShape(created) };
  }

  @EcrOperation('UpdateRepositoryCreationTemplate', UpdateRepositoryCreationTemplateRequest)
  async update(
    input: UpdateRepositoryCreationTemplateRequest,
    ctx: EcrCallContext,
  ): Promise<UpdateRepositoryCreationTemplateResponse> {
    const { prefix, ...settings } = input;
    const updated = await this.templates.update(ctx.registryId, prefix, settings);
    return { registryId: ctx.registryId, repositoryCreationTemplate: templateShape(updated) };
  }

  @EcrOperation('DeleteRepositoryCreationTemplate', DeleteRepositoryCreationTemplateRequest)
  async delete(
    input: DeleteRepositoryCreationTemplateRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteRepositoryCreationTemplateResponse> {
    const deleted = await this.templates.delete(ctx.registryId, input.prefix);
    return { registryId: ctx.registryId, repositoryCreationTemplate: templateShape(deleted) };
  }

  @EcrOperation('DescribeRepositoryCreationTemplates', DescribeRepositoryCreationTemplatesRequest)
  async describe(
    input: DescribeRepositoryCreationTemplatesRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeRepositoryCreationTemplatesResponse> {
    const after =
      input.nextToken === undefined
        ? undefined
        : decodePageToken(input.nextToken, { after: 'string' }).after;
    const page = await this.templates.list(
      ctx.registryId,
      input.prefixes,
      input.maxResults ?? DEFAULT_PAGE_SIZE,
      after,
    );
    const result: DescribeRepositoryCreationTemplatesResponse = {
      registryId: ctx.registryId,
      repositoryCreationTemplates: page.templates.map(templateShape),
    };
    if (page.lastPrefix !== undefined)
      result.nextToken = encodePageToken({ after: page.lastPrefix });
    return result;
  }
}
