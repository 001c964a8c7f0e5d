import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';
import { OCI_ERROR_STATUS, type OciErrorCode } from './oci-errors';

export interface OciMapping {
  code: OciErrorCode;
  status: number;
}

const as = (code: OciErrorCode, status: number = OCI_ERROR_STATUS[code]): OciMapping => ({
  code,
  status,
});

/**
 * The OCI code and HTTP status of every domain error the /v2 door can meet, grouped by the code
 * (whose status the spec gives, 416 aside). A code missing here does not compile. Errors the door
 * never provokes (it validates names, digests and references itself, and never calls the
 * ECR-only operations) still map to their nearest meaning, so that a future caller gets a client
 * error and not a 500. A repository's unusable KMS key (`KmsException`) is DENIED, its `detail`
 * naming the KMS error (`kmsError`); KMS's own errors, which the registry answers as
 * `KmsException`, are DENIED too.
 */
export function ociErrorOf(code: DomainErrorCode): OciMapping {
  switch (code) {
    // 400. InvalidParameterException reaches the door only from manifest parsing.
    case 'InvalidParameterException':
    case 'ImageAlreadyExistsException':
      return as('MANIFEST_INVALID');
    case 'LimitExceededException':
      return as('SIZE_INVALID');
    case 'RepositoryAlreadyExistsException':
      return as('NAME_INVALID');
    case 'InvalidTagParameterException':
    case 'TooManyTagsException':
    case 'ImageTagAlreadyExistsException':
      return as('TAG_INVALID');
    case 'EmptyUploadException':
    case 'LayerPartTooSmallException':
    case 'LayerAlreadyExistsException':
      return as('BLOB_UPLOAD_INVALID');
    case 'InvalidLayerException':
    case 'ImageDigestDoesNotMatchException':
      return as('DIGEST_INVALID');
    // 401.
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
      return as('UNAUTHORIZED');
    // 403, with the lifecycle policies and creation templates: ECR-only concerns the door never reaches.
    case 'AccessDeniedException':
    case 'NoSuchEntityException':
    case 'EntityAlreadyExistsException':
    case 'DeleteConflictException':
    case 'RepositoryNotEmptyException':
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
      return as('DENIED');
    // 404.
    case 'RepositoryNotFoundException':
      return as('NAME_UNKNOWN');
    case 'UploadNotFoundException':
      return as('BLOB_UPLOAD_UNKNOWN');
    case 'LayersNotFoundException':
    case 'ReferencedImagesNotFoundException':
      return as('MANIFEST_BLOB_UNKNOWN');
    case 'LayerInaccessibleException':
      return as('BLOB_UNKNOWN');
    case 'ImageNotFoundException':
      return as('MANIFEST_UNKNOWN');
    // 416: the part does not start where the upload stands.
    case 'InvalidLayerPartException':
      return as('BLOB_UPLOAD_INVALID', 416);
    // 500.
    case 'ServerException':
      return as('UNKNOWN');
    default:
      return assertUnreachable(code);
  }
}
