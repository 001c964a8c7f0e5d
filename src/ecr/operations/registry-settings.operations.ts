import type {
  BatchGetRepositoryScanningConfigurationResponse,
  CreatePullThroughCacheRuleResponse,
  DeletePullThroughCacheRuleResponse,
  DeleteRegistryPolicyResponse,
  DeleteSigningConfigurationResponse,
  DeregisterPullTimeUpdateExclusionResponse,
  DescribeImageReplicationStatusResponse,
  DescribeImageScanFindingsResponse,
  DescribeImageSigningStatusResponse,
  DescribePullThroughCacheRulesResponse,
  DescribeRegistryResponse,
  GetAccountSettingResponse,
  GetRegistryPolicyResponse,
  GetRegistryScanningConfigurationResponse,
  GetSigningConfigurationResponse,
  ListPullTimeUpdateExclusionsResponse,
  PutAccountSettingResponse,
  PutImageScanningConfigurationResponse,
  PutRegistryPolicyResponse,
  PutRegistryScanningConfigurationResponse,
  PutReplicationConfigurationResponse,
  PutSigningConfigurationResponse,
  RegisterPullTimeUpdateExclusionResponse,
  StartImageScanResponse,
  UpdateImageStorageClassResponse,
  UpdatePullThroughCacheRuleResponse,
  ValidatePullThroughCacheRuleResponse,
} from '@aws-sdk/client-ecr';
import { Inject, Injectable } from '@nestjs/common';
import { decodePageToken, encodePageToken } from '../../common/page-token';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { MAX_PULL_TIME_UPDATE_EXCLUSIONS } from '../../registry-settings/registry-settings.service';
import { RegistrySettingsService } from '../../registry-settings/registry-settings.service';
import type {
  RepositoryFilter,
  ReplicationConfiguration,
  SigningConfiguration,
} from '../../registry-settings/registry-settings.types';
import {
  BatchGetRepositoryScanningConfigurationRequest,
  CreatePullThroughCacheRuleRequest,
  DeletePullThroughCacheRuleRequest,
  DeleteRegistryPolicyRequest,
  DeleteSigningConfigurationRequest,
  DeregisterPullTimeUpdateExclusionRequest,
  DescribeImageReplicationStatusRequest,
  DescribeImageScanFindingsRequest,
  DescribeImageSigningStatusRequest,
  DescribePullThroughCacheRulesRequest,
  DescribeRegistryRequest,
  GetAccountSettingRequest,
  GetRegistryPolicyRequest,
  GetRegistryScanningConfigurationRequest,
  GetSigningConfigurationRequest,
  ListPullTimeUpdateExclusionsRequest,
  PutAccountSettingRequest,
  PutImageScanningConfigurationRequest,
  PutRegistryPolicyRequest,
  PutRegistryScanningConfigurationRequest,
  PutReplicationConfigurationRequest,
  PutSigningConfigurationRequest,
  RegisterPullTimeUpdateExclusionRequest,
  StartImageScanRequest,
  UpdateImageStorageClassRequest,
  UpdatePullThroughCacheRuleRequest,
  ValidatePullThroughCacheRuleRequest,
} from '../dto/registry-settings-requests';
import type { EcrCallContext } from '../ecr-call-context';
import { EcrOperation } from '../ecr-operation.decorator';

/** Only the members the model knows, in its order: what is stored is what is answered. */
const filters = (list: RepositoryFilter[]): RepositoryFilter[] =>
  list.map((f) => ({ filter: f.filter, filterType: f.filterType }));

function replicationOf(input: ReplicationConfiguration): ReplicationConfiguration {
  return {
    rules: input.rules.map((r) => ({
      destinations: r.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
      ...(r.repositoryFilters ? { repositoryFilters: filters(r.repositoryFilters) } : {}),
    })),
  };
}

function signingOf(input: SigningConfiguration): SigningConfiguration {
  return {
    rules: input.rules.map((r) => ({
      signingProfileArn: r.signingProfileArn,
      ...(r.repositoryFilters ? { repositoryFilters: filters(r.repositoryFilters) } : {}),
    })),
  };
}

/** Berth's failure code for a replication it does not perform. */
export const REPLICATION_NOT_AVAILABLE = 'Replication is not available in Berth';

/**
 * The registry-level operations (replication, scanning, account settings, the registry policy,
 * pull time update exclusions, signing) and the model's operations Berth answers with a
 * documented refusal (pull through cache rules, image signing status, storage classes).
 */
@Injectable()
export class RegistrySettingsOperations {
  constructor(
    private readonly settings: RegistrySettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // Replication.

  @EcrOperation('DescribeRegistry', DescribeRegistryRequest)
  async describeRegistry(
    _input: DescribeRegistryRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeRegistryResponse> {
    return {
      registryId: ctx.registryId,
      replicationConfiguration: await this.settings.replicationConfiguration(ctx.registryId),
    } as DescribeRegistryResponse;
  }

  @EcrOperation('PutReplicationConfiguration', PutReplicationConfigurationRequest)
  async putReplication(
    input: PutReplicationConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<PutReplicationConfigurationResponse> {
    return {
      replicationConfiguration: await this.settings.putReplicationConfiguration(
        ctx.registryId,
        replicationOf(input.replicationConfiguration),
      ),
    } as PutReplicationConfigurationResponse;
  }

  @EcrOperation('DescribeImageReplicationStatus', DescribeImageReplicationStatusRequest)
  async replicationStatus(
    input: DescribeImageReplicationStatusRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeImageReplicationStatusResponse> {
    const { image, destinations } = await this.settings.imageReplicationStatus(
      ctx.registryId,
      input.repositoryName,
      input.imageId,
    );
    return {
      repositoryName: input.repositoryName,
      imageId: {
        imageDigest: image.digest,
        ...(input.imageId.imageTag !== undefined ? { imageTag: input.imageId.imageTag } : {}),
      },
      replicationStatuses: destinations.map((d) => ({
        region: d.region,
        registryId: d.registryId,
        status: 'FAILED',
        failureCode: REPLICATION_NOT_AVAILABLE,
      })),
    };
  }

  // Account settings.

  @EcrOperation('GetAccountSetting', GetAccountSettingRequest)
  async getAccountSetting(
    input: GetAccountSettingRequest,
    ctx: EcrCallContext,
  ): Promise<GetAccountSettingResponse> {
    return {
      name: input.name,
      value: await this.settings.accountSetting(ctx.registryId, input.name),
    };
  }

  @EcrOperation('PutAccountSetting', PutAccountSettingRequest)
  async putAccountSetting(
    input: PutAccountSettingRequest,
    ctx: EcrCallContext,
  ): Promise<PutAccountSettingResponse> {
    return {
      name: input.name,
      value: await this.settings.putAccountSetting(ctx.registryId, input.name, input.value),
    };
  }

  // Scanning.

  @EcrOperation('PutRegistryScanningConfiguration', PutRegistryScanningConfigurationRequest)
  async putRegistryScanning(
    input: PutRegistryScanningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<PutRegistryScanningConfigurationResponse> {
    const stored = await this.settings.putScanningConfiguration(ctx.registryId, {
      scanType: input.scanType ?? 'BASIC',
      rules: (input.rules ?? []).map((r) => ({
        scanFrequency: r.scanFrequency,
        repositoryFilters: filters(r.repositoryFilters),
      })),
    });
    return { registryScanningConfiguration: stored } as PutRegistryScanningConfigurationResponse;
  }

  @EcrOperation('GetRegistryScanningConfiguration', GetRegistryScanningConfigurationRequest)
  async getRegistryScanning(
    _input: GetRegistryScanningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<GetRegistryScanningConfigurationResponse> {
    return {
      registryId: ctx.registryId,
      scanningConfiguration: await this.settings.scanningConfiguration(ctx.registryId),
    } as GetRegistryScanningConfigurationResponse;
  }

  @EcrOperation('PutImageScanningConfiguration', PutImageScanningConfigurationRequest)
  async putImageScanning(
    input: PutImageScanningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<PutImageScanningConfigurationResponse> {
    const repo = await this.settings.setScanOnPush(
      ctx.registryId,
      input.repositoryName,
      input.imageScanningConfiguration.scanOnPush ?? false,
    );
    return {
      registryId: repo.registryId,
      repositoryName: repo.name,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    };
  }

  @EcrOperation(
    'BatchGetRepositoryScanningConfiguration',
    BatchGetRepositoryScanningConfigurationRequest,
  )
  async batchGetScanning(
    input: BatchGetRepositoryScanningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<BatchGetRepositoryScanningConfigurationResponse> {
    const found = await this.settings.repositoryScanning(ctx.registryId, input.repositoryNames);
    const result: BatchGetRepositoryScanningConfigurationResponse = {
      scanningConfigurations: [],
      failures: [],
    };
    for (const f of found) {
      if ('missing' in f) {
        result.failures!.push({
          repositoryName: f.missing,
          failureCode: 'REPOSITORY_NOT_FOUND',
          failureReason: 'REPOSITORY_NOT_FOUND',
        });
        continue;
      }
      result.scanningConfigurations!.push({
        repositoryArn: `arn:aws:ecr:${this.config.region}:${f.repository.registryId}:repository/${f.repository.name}`,
        repositoryName: f.repository.name,
        scanOnPush: f.scanOnPush,
        scanFrequency: f.scanFrequency as 'MANUAL',
        appliedScanFilters: f.appliedScanFilters as { filter: string; filterType: 'WILDCARD' }[],
      });
    }
    return result;
  }

  @EcrOperation('StartImageScan', StartImageScanRequest)
  async startImageScan(
    input: StartImageScanRequest,
    ctx: EcrCallContext,
  ): Promise<StartImageScanResponse> {
    return this.settings.startImageScan(ctx.registryId, input.repositoryName, input.imageId);
  }

  @EcrOperation('DescribeImageScanFindings', DescribeImageScanFindingsRequest)
  async describeImageScanFindings(
    input: DescribeImageScanFindingsRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeImageScanFindingsResponse> {
    return this.settings.imageScanFindings(ctx.registryId, input.repositoryName, input.imageId);
  }

  // The registry policy.

  @EcrOperation('PutRegistryPolicy', PutRegistryPolicyRequest)
  async putRegistryPolicy(
    input: PutRegistryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<PutRegistryPolicyResponse> {
    return {
      registryId: ctx.registryId,
      policyText: await this.settings.putRegistryPolicy(ctx.registryId, input.policyText),
    };
  }

  @EcrOperation('GetRegistryPolicy', GetRegistryPolicyRequest)
  async getRegistryPolicy(
    _input: GetRegistryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<GetRegistryPolicyResponse> {
    return {
      registryId: ctx.registryId,
      policyText: await this.settings.registryPolicy(ctx.registryId),
    };
  }

  @EcrOperation('DeleteRegistryPolicy', DeleteRegistryPolicyRequest)
  async deleteRegistryPolicy(
    _input: DeleteRegistryPolicyRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteRegistryPolicyResponse> {
    return {
      registryId: ctx.registryId,
      policyText: await this.settings.deleteRegistryPolicy(ctx.registryId),
    };
  }

  // Pull time update exclusions.

  @EcrOperation('RegisterPullTimeUpdateExclusion', RegisterPullTimeUpdateExclusionRequest)
  async registerExclusion(
    input: RegisterPullTimeUpdateExclusionRequest,
    ctx: EcrCallContext,
  ): Promise<RegisterPullTimeUpdateExclusionResponse> {
    const added = await this.settings.registerExclusion(ctx.registryId, input.principalArn);
    return { principalArn: added.principalArn, createdAt: added.createdAt };
  }

  @EcrOperation('DeregisterPullTimeUpdateExclusion', DeregisterPullTimeUpdateExclusionRequest)
  async deregisterExclusion(
    input: DeregisterPullTimeUpdateExclusionRequest,
    ctx: EcrCallContext,
  ): Promise<DeregisterPullTimeUpdateExclusionResponse> {
    await this.settings.deregisterExclusion(ctx.registryId, input.principalArn);
    return { principalArn: input.principalArn };
  }

  @EcrOperation('ListPullTimeUpdateExclusions', ListPullTimeUpdateExclusionsRequest)
  async listExclusions(
    input: ListPullTimeUpdateExclusionsRequest,
    ctx: EcrCallContext,
  ): Promise<ListPullTimeUpdateExclusionsResponse> {
    const after =
      input.nextToken === undefined
        ? undefined
        : decodePageToken(input.nextToken, { after: 'string' }).after;
    // The model's list holds at most 100, as many as a registry may have.
    const limit = Math.min(input.maxResults ?? MAX_PULL_TIME_UPDATE_EXCLUSIONS, 100);
    const page = await this.settings.listExclusions(ctx.registryId, limit + 1, after);
    const result: ListPullTimeUpdateExclusionsResponse = {
      pullTimeUpdateExclusions: page.slice(0, limit).map((e) => e.principalArn),
    };
    if (page.length > limit) {
      result.nextToken = encodePageToken({ after: page[limit - 1].principalArn });
    }
    return result;
  }

  // Signing.

  @EcrOperation('PutSigningConfiguration', PutSigningConfigurationRequest)
  async putSigning(
    input: PutSigningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<PutSigningConfigurationResponse> {
    return {
      signingConfiguration: await this.settings.putSigningConfiguration(
        ctx.registryId,
        signingOf(input.signingConfiguration),
      ),
    } as PutSigningConfigurationResponse;
  }

  @EcrOperation('GetSigningConfiguration', GetSigningConfigurationRequest)
  async getSigning(
    _input: GetSigningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<GetSigningConfigurationResponse> {
    return {
      registryId: ctx.registryId,
      signingConfiguration: await this.settings.signingConfiguration(ctx.registryId),
    } as GetSigningConfigurationResponse;
  }

  @EcrOperation('DeleteSigningConfiguration', DeleteSigningConfigurationRequest)
  async deleteSigning(
    _input: DeleteSigningConfigurationRequest,
    ctx: EcrCallContext,
  ): Promise<DeleteSigningConfigurationResponse> {
    return {
      registryId: ctx.registryId,
      signingConfiguration: await this.settings.deleteSigningConfiguration(ctx.registryId),
    } as DeleteSigningConfigurationResponse;
  }

  @EcrOperation('DescribeImageSigningStatus', DescribeImageSigningStatusRequest)
  async signingStatus(
    input: DescribeImageSigningStatusRequest,
    ctx: EcrCallContext,
  ): Promise<DescribeImageSigningStatusResponse> {
    return this.settings.imageSigningStatus(ctx.registryId, input.repositoryName, input.imageId);
  }

  // Storage classes.

  @EcrOperation('UpdateImageStorageClass', UpdateImageStorageClassRequest)
  async updateStorageClass(
    input: UpdateImageStorageClassRequest,
    ctx: EcrCallContext,
  ): Promise<UpdateImageStorageClassResponse> {
    return this.settings.updateImageStorageClass(
      ctx.registryId,
      input.repositoryName,
      input.imageId,
    );
  }

  // Pull through cache rules: Berth has none and can create none.

  @EcrOperation('CreatePullThroughCacheRule', CreatePullThroughCacheRuleRequest)
  createPullThroughCacheRule(
    _input: CreatePullThroughCacheRuleRequest,
  ): Promise<CreatePullThroughCacheRuleResponse> {
    return Promise.resolve(this.settings.createPullThroughCacheRule());
  }

  @EcrOperation('DescribePullThroughCacheRules', DescribePullThroughCacheRulesRequest)
  describePullThroughCacheRules(
    input: DescribePullThroughCacheRulesRequest,
    ctx: EcrCallContext,
  ): Promise<DescribePullThroughCacheRulesResponse> {
    // Without prefixes, the truthful answer: no rules. A named prefix names no rule.
    if (input.ecrRepositoryPrefixes) {
      this.settings.pullThroughCacheRuleNotFound(ctx.registryId, input.ecrRepositoryPrefixes[0]);
    }
    return Promise.resolve({ pullThroughCacheRules: [] });
  }

  @EcrOperation('UpdatePullThroughCacheRule', UpdatePullThroughCacheRuleRequest)
  updatePullThroughCacheRule(
    input: UpdatePullThroughCacheRuleRequest,
    ctx: EcrCallContext,
  ): Promise<UpdatePullThroughCacheRuleResponse> {
    return Promise.resolve(
      this.settings.pullThroughCacheRuleNotFound(ctx.registryId, input.ecrRepositoryPrefix),
    );
  }

  @EcrOperation('DeletePullThroughCacheRule', DeletePullThroughCacheRuleRequest)
  deletePullThroughCacheRule(
    input: DeletePullThroughCacheRuleRequest,
    ctx: EcrCallContext,
  ): Promise<DeletePullThroughCacheRuleResponse> {
    return Promise.resolve(
      this.settings.pullThroughCacheRuleNotFound(ctx.registryId, input.ecrRepositoryPrefix),
    );
  }

  @EcrOperation('ValidatePullThroughCacheRule', ValidatePullThroughCacheRuleRequest)
  validatePullThroughCacheRule(
    input: ValidatePullThroughCacheRuleRequest,
    ctx: EcrCallContext,
  ): Promise<ValidatePullThroughCacheRuleResponse> {
    return Promise.resolve(
      this.settings.pullThroughCacheRuleNotFound(ctx.registryId, input.ecrRepositoryPrefix),
    );
  }
}
