import type {
  DeleteRepositoryPolicyResponse,
  GetRepositoryPolicyResponse,
  SetRepositoryPolicyResponse,
} from '@aws-sdk/client-ecr';
import { Injectable } from '@nestjs/common';
import { PoliciesService } from '../../policies/policies.service';
import {
  DeleteRepositoryPolicyRequest,
  GetRepositoryPolicyRequest,
  SetRepositoryPolicyRequest,
} from '../dto/repository-policy-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/** SetRepositoryPolicy, GetRepositoryPolicy and DeleteRepositoryPolicy. */
@Injectable()
export class RepositoryPolicyOperations {
  constructor(private readonly policies: PoliciesService) {}

  @EcrOperation('SetRepositoryPolicy', SetRepositoryPolicyRequest)
  async set(
    input: SetRepositoryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<SetRepositoryPolicyResponse> {
    await this.policies.setPolicy(ctx.registryId, input.repositoryName, input.policyText);
    return {
      registryId: ctx.registryId,
      repositoryName: input.repositoryName,
      policyText: input.policyText,
    };
  }

  @EcrOperation('GetRepositoryPolicy', GetRepositoryPolicyRequest)
  async get(
    input: GetRepositoryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<GetRepositoryPolicyResponse> {
    const policyText = await this.policies.getPolicy(ctx.registryId, input.repositoryName);
    return { registryId: ctx.registryId, repositoryName: input.repositoryName, policyText };
  }

  @EcrOperation('DeleteRepositoryPolicy', DeleteRepositoryPolicyRequest)
  async delete(
    input: DeleteRepositoryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteRepositoryPolicyResponse> {
    const policyText = await this.policies.deletePolicy(ctx.registryId, input.repositoryName);
    return { registryId: ctx.registryId, repositoryName: input.repositoryName, policyText };
  }
}
