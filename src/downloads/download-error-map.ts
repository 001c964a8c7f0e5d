import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';

/**
 * The HTTP status of every domain error on the download endpoint, whose answers are in the ECR
 * error JSON (the format of the API that handed out the URL). A refused URL is 403; a layer or
 * repository no longer there is 404, and so is anything else a URL can meet. A code missing here
 * does not compile.
 */
export function downloadErrorStatus(code: DomainErrorCode): 403 | 404 | 500 {
  switch (code) {
    case 'AccessDeniedException':
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'KmsException':
      return 403;
    case 'ServerException':
      return 500;
    case 'InvalidParameterException':
    case 'LimitExceededException':
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
    case 'NotFoundException':
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
    case 'AlreadyExistsException':
    case 'InvalidAliasNameException':
    case 'InvalidMarkerException':
    case 'UnsupportedOperationException':
      return 404;
    default:
      return assertUnreachable(code);
  }
}
