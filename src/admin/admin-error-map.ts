import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';

export type AdminErrorStatus = 400 | 403 | 404 | 409 | 500;

/**
 * The HTTP status of every domain error on the admin API (`application/problem+json`). A code
 * missing here does not compile.
 */
export function adminErrorStatus(code: DomainErrorCode): AdminErrorStatus {
  switch (code) {
    case 'NoSuchEntityException':
    case 'RepositoryNotFoundException':
    case 'UploadNotFoundException':
    case 'LayersNotFoundException':
    case 'ImageNotFoundException':
    case 'LifecyclePolicyNotFoundException':
    case 'LifecyclePolicyPreviewNotFoundException':
    case 'TemplateNotFoundException':
    case 'RegistryPolicyNotFoundException':
    case 'ScanNotFoundException':
    case 'ExclusionNotFoundException':
    case 'SigningConfigurationNotFoundException':
    case 'PullThroughCacheRuleNotFoundException':
    case 'RepositoryPolicyNotFoundException':
      return 404;
    case 'EntityAlreadyExistsException':
    case 'DeleteConflictException':
    case 'RepositoryAlreadyExistsException':
    case 'RepositoryNotEmptyException':
    case 'LifecyclePolicyPreviewInProgressException':
    case 'TemplateAlreadyExistsException':
    case 'ExclusionAlreadyExistsException':
      return 409;
    case 'ServerException':
      return 500;
    // The rest are the caller's mistakes, including the ECR-only ones the API never provokes.
    case 'InvalidParameterException':
    case 'LimitExceededException':
    case 'AccessDeniedException':
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'InvalidTagParameterException':
    case 'TooManyTagsException':
    case 'InvalidLayerPartException':
    case 'EmptyUploadException':
    case 'LayerPartTooSmallException':
    case 'LayerAlreadyExistsException':
    case 'InvalidLayerException':
    case 'LayerInaccessibleException':
    case 'ImageAlreadyExistsException':
    case 'ImageTagAlreadyExistsException':
    case 'ImageDigestDoesNotMatchException':
    case 'ReferencedImagesNotFoundException':
    case 'ValidationException':
    case 'UnsupportedUpstreamRegistryException':
    case 'ImageStorageClassUpdateNotSupportedException':
    case 'KmsException':
    case 'NotFoundException':
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
    case 'AlreadyExistsException':
    case 'InvalidAliasNameException':
    case 'InvalidMarkerException':
    case 'UnsupportedOperationException':
      return 400;
    default:
      return assertUnreachable(code);
  }
}
