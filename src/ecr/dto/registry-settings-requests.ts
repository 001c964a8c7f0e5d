import {
  IntegerMember,
  Length,
  ListMember,
  Nested,
  OneOf,
  Optional,
  Pattern,
  Range,
  Required,
  StringMember,
} from '../../common/validation/ecr-constraints';
import { REGISTRY_ID_PATTERN, REPOSITORY_NAME_PATTERN } from '../../common/patterns';
import { ImageScanningConfigurationInput } from './create-repository.request';
import { ImageIdentifierInput } from './image-requests';
import { RegistryScopedRequest, RepositoryScopedRequest } from './repository-scoped.request';

// The shapes of the registry-level operations, with the model's constraints. Operations without
// a `registryId` member act on the caller's registry.

export const SCAN_TYPES = ['BASIC', 'ENHANCED'] as const;
export const SCAN_FREQUENCIES = ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN', 'MANUAL'] as const;
export const TARGET_STORAGE_CLASSES = ['STANDARD', 'ARCHIVE'] as const;
export const UPSTREAM_REGISTRIES = [
  'ecr',
  'ecr-public',
  'quay',
  'k8s',
  'docker-hub',
  'github-container-registry',
  'azure-container-registry',
  'gitlab-container-registry',
  'chainguard',
] as const;

const REGION_PATTERN = '[0-9a-z-]{2,25}';
const REPLICATION_FILTER_PATTERN =
  '^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$';
const SCANNING_FILTER_PATTERN = '^[a-z0-9*](?:[._\\-/a-z0-9*]?[a-z0-9*]+)*$';
const SIGNING_FILTER_PATTERN =
  '^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$';
const SIGNING_PROFILE_ARN_PATTERN =
  '^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\\/signing-profiles\\/[a-zA-Z0-9_]{2,}$';
const PRINCIPAL_ARN_PATTERN =
  '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\\w+=,.@-]+(/[\\w+=,.@-]+)*$';
const PTC_PREFIX_PATTERN =
  '^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$';
const CREDENTIAL_ARN_PATTERN =
  '^arn:aws(-\\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\\-pullthroughcache\\/[a-zA-Z0-9\\/_+=.@-]+$';

// Replication.

export class ReplicationDestinationInput {
  @Required()
  @StringMember()
  @Length(2, 25)
  @Pattern(REGION_PATTERN)
  region!: string;

  @Required()
  @StringMember()
  @Pattern(REGISTRY_ID_PATTERN)
  registryId!: string;
}

export class ReplicationRepositoryFilterInput {
  @Required()
  @StringMember()
  @Length(2, 256)
  @Pattern(REPLICATION_FILTER_PATTERN)
  filter!: string;

  @Required()
  @StringMember()
  @OneOf(['PREFIX_MATCH'])
  filterType!: string;
}

export class ReplicationRuleInput {
  @Required()
  @ListMember(0, 100, 'object')
  @Nested(() => ReplicationDestinationInput, true)
  destinations!: ReplicationDestinationInput[];

  @Optional()
  @ListMember(1, 100, 'object')
  @Nested(() => ReplicationRepositoryFilterInput, true)
  repositoryFilters?: ReplicationRepositoryFilterInput[];
}

export class ReplicationConfigurationInput {
  @Required()
  @ListMember(0, 10, 'object')
  @Nested(() => ReplicationRuleInput, true)
  rules!: ReplicationRuleInput[];
}

export class DescribeRegistryRequest {}

export class PutReplicationConfigurationRequest {
  @Required()
  @Nested(() => ReplicationConfigurationInput)
  replicationConfiguration!: ReplicationConfigurationInput;
}

/** The operations on one image: `registryId`, `repositoryName` and the required `imageId`. */
export class ImageScopedRequest extends RepositoryScopedRequest {
  @Required()
  @Nested(() => ImageIdentifierInput)
  imageId!: ImageIdentifierInput;
}

export class DescribeImageReplicationStatusRequest extends ImageScopedRequest {}

// Account settings.

export class GetAccountSettingRequest {
  @Required()
  @StringMember()
  @Length(1, 64)
  name!: string;
}

export class PutAccountSettingRequest extends GetAccountSettingRequest {
  @Required()
  @StringMember()
  value!: string;
}

// Scanning.

export class ScanningRepositoryFilterInput {
  @Required()
  @StringMember()
  @Length(1, 255)
  @Pattern(SCANNING_FILTER_PATTERN)
  filter!: string;

  @Required()
  @StringMember()
  @OneOf(['WILDCARD'])
  filterType!: string;
}

export class RegistryScanningRuleInput {
  @Required()
  @StringMember()
  @OneOf(SCAN_FREQUENCIES)
  scanFrequency!: string;

  @Required()
  @ListMember(0, 100, 'object')
  @Nested(() => ScanningRepositoryFilterInput, true)
  repositoryFilters!: ScanningRepositoryFilterInput[];
}

export class PutRegistryScanningConfigurationRequest {
  @Optional()
  @StringMember()
  @OneOf(SCAN_TYPES)
  scanType?: string;

  @Optional()
  @ListMember(0, 2, 'object')
  @Nested(() => RegistryScanningRuleInput, true)
  rules?: RegistryScanningRuleInput[];
}

export class GetRegistryScanningConfigurationRequest {}

export class PutImageScanningConfigurationRequest extends RepositoryScopedRequest {
  @Required()
  @Nested(() => ImageScanningConfigurationInput)
  imageScanningConfiguration!: ImageScanningConfigurationInput;
}

export class BatchGetRepositoryScanningConfigurationRequest {
  @Required()
  @ListMember(1, 25, 'string')
  @Length(2, 256, true)
  @Pattern(REPOSITORY_NAME_PATTERN, true)
  repositoryNames!: string[];
}

export class StartImageScanRequest extends ImageScopedRequest {}

export class DescribeImageScanFindingsRequest extends ImageScopedRequest {
  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;
}

// The registry policy.

export class PutRegistryPolicyRequest {
  @Required()
  @StringMember()
  @Length(0, 10240)
  policyText!: string;
}

export class GetRegistryPolicyRequest {}
export class DeleteRegistryPolicyRequest {}

// Pull time update exclusions.

export class PrincipalArnRequest {
  @Required()
  @StringMember()
  @Length(undefined, 200)
  @Pattern(PRINCIPAL_ARN_PATTERN)
  principalArn!: string;
}

export class RegisterPullTimeUpdateExclusionRequest extends PrincipalArnRequest {}
export class DeregisterPullTimeUpdateExclusionRequest extends PrincipalArnRequest {}

export class ListPullTimeUpdateExclusionsRequest {
  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;

  @Optional()
  @StringMember()
  nextToken?: string;
}

// Signing.

export class SigningRepositoryFilterInput {
  @Required()
  @StringMember()
  @Length(1, 256)
  @Pattern(SIGNING_FILTER_PATTERN)
  filter!: string;

  @Required()
  @StringMember()
  @OneOf(['WILDCARD_MATCH'])
  filterType!: string;
}

export class SigningRuleInput {
  @Required()
  @StringMember()
  @Length(undefined, 200)
  @Pattern(SIGNING_PROFILE_ARN_PATTERN)
  signingProfileArn!: string;

  @Optional()
  @ListMember(1, 100, 'object')
  @Nested(() => SigningRepositoryFilterInput, true)
  repositoryFilters?: SigningRepositoryFilterInput[];
}

export class SigningConfigurationInput {
  @Required()
  @ListMember(0, 10, 'object')
  @Nested(() => SigningRuleInput, true)
  rules!: SigningRuleInput[];
}

export class PutSigningConfigurationRequest {
  @Required()
  @Nested(() => SigningConfigurationInput)
  signingConfiguration!: SigningConfigurationInput;
}

export class GetSigningConfigurationRequest {}
export class DeleteSigningConfigurationRequest {}

export class DescribeImageSigningStatusRequest extends ImageScopedRequest {}

export class UpdateImageStorageClassRequest extends ImageScopedRequest {
  @Required()
  @StringMember()
  @OneOf(TARGET_STORAGE_CLASSES)
  targetStorageClass!: string;
}

// Pull through cache rules.

export class PullThroughCacheRuleScopedRequest extends RegistryScopedRequest {
  @Required()
  @StringMember()
  @Length(2, 30)
  @Pattern(PTC_PREFIX_PATTERN)
  ecrRepositoryPrefix!: string;
}

export class CreatePullThroughCacheRuleRequest extends PullThroughCacheRuleScopedRequest {
  @Required()
  @StringMember()
  upstreamRegistryUrl!: string;

  @Optional()
  @StringMember()
  @OneOf(UPSTREAM_REGISTRIES)
  upstreamRegistry?: string;

  @Optional()
  @StringMember()
  @Length(50, 612)
  @Pattern(CREDENTIAL_ARN_PATTERN)
  credentialArn?: string;

  @Optional()
  @StringMember()
  @Length(undefined, 2048)
  customRoleArn?: string;

  @Optional()
  @StringMember()
  @Length(2, 30)
  @Pattern(PTC_PREFIX_PATTERN)
  upstreamRepositoryPrefix?: string;
}

export class DescribePullThroughCacheRulesRequest extends RegistryScopedRequest {
  @Optional()
  @ListMember(1, 100, 'string')
  @Length(2, 30, true)
  @Pattern(PTC_PREFIX_PATTERN, true)
  ecrRepositoryPrefixes?: string[];

  @Optional()
  @StringMember()
  nextToken?: string;

  @Optional()
  @IntegerMember()
  @Range(1, 1000)
  maxResults?: number;
}

export class UpdatePullThroughCacheRuleRequest extends PullThroughCacheRuleScopedRequest {
  @Optional()
  @StringMember()
  @Length(50, 612)
  @Pattern(CREDENTIAL_ARN_PATTERN)
  credentialArn?: string;

  @Optional()
  @StringMember()
  @Length(undefined, 2048)
  customRoleArn?: string;
}

export class DeletePullThroughCacheRuleRequest extends PullThroughCacheRuleScopedRequest {}
export class ValidatePullThroughCacheRuleRequest extends PullThroughCacheRuleScopedRequest {}
