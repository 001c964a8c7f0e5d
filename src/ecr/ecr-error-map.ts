import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';
import type { EcrDoorErrorCode } from './ecr.errors';

/**
 * The HTTP status of every error the ECR JSON door can answer. The error type on the wire is the
 * code itself (the domain's codes are ECR's shape names). As in AWS's JSON protocol, every client
 * error is 400 but an access refusal. A code missing here does not compile.
 */
export function ecrErrorStatus(code: DomainErrorCode | EcrDoorErrorCode): 400 | 403 | 500 {
  switch (code) {
    case 'AccessDeniedException':
      return 403;
    case 'ServerException':
      return 500;
    // The front door's own, then the domain's.
    case 'UnknownOperationException':
    case 'SerializationException':
    case 'ThrottlingException':
    case 'RequestTimeoutException':
    case 'InvalidParameterException':
    case 'LimitExceededException':
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'NoSuchEntityException':
    case 'EntityAlreadyExistsException':
    case 'DeleteConflictException':
    case 'RepositoryNotFoundException':
    case 'RepositoryAlreadyExistsException':
    case 'RepositoryNotEmptyException':
    case 'InvalidTagParameterException':
    case 'TooManyTagsException':
    case 'UploadNotFoundException':
    case 'InvalidLayerPartException':
    case 'EmptyUploadException':
    case 'LayerPartTooSmallException':
    case 'LayerAlreadyExistsException':
    case 'InvalidLayerException':
    case 'LayersNotFoundException':
    case 'LayerInaccessibleException':
    case 'ImageAlreadyExistsException':
    case 'ImageTagAlreadyExistsException':
    case 'ImageDigestDoesNotMatchException':
    case 'ReferencedImagesNotFoundException':
    case 'ImageNotFoundException':
    case 'LifecyclePolicyNotFoundException':
    case 'LifecyclePolicyPreviewNotFoundException':
    case 'LifecyclePolicyPreviewInProgressException':
    case 'TemplateNotFoundException':
    case 'TemplateAlreadyExistsException':
    case 'ValidationException':
    case 'RegistryPolicyNotFoundException':
    case 'ScanNotFoundException':
    case 'ExclusionAlreadyExistsException':
    case 'ExclusionNotFoundException':
    case 'SigningConfigurationNotFoundException':
    case 'PullThroughCacheRuleNotFoundException':
    case 'UnsupportedUpstreamRegistryException':
    case 'ImageStorageClassUpdateNotSupportedException':
    case 'RepositoryPolicyNotFoundException':
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
