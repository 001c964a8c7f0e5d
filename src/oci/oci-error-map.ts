import type { DomainErrorCode } from '../common/errors/domain-error-code';
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
 * The OCI code and HTTP status of every domain error the /v2 door can meet. A code missing here
 * does not compile. Errors the door never provokes (it validates names, digests and references
 * itself, and never calls the ECR-only operations) still map to their nearest meaning, so that a
 * future caller gets a client error and not a 500.
 */
export const OCI_ERROR_MAP: Record<DomainErrorCode, OciMapping> = {
  // Common. InvalidParameterException reaches the door only from manifest parsing.
  InvalidParameterException: as('MANIFEST_INVALID'),
  ServerException: as('UNKNOWN'),
  LimitExceededException: as('SIZE_INVALID'),
  AccessDeniedException: as('DENIED'),
  // Authentication and accounts.
  MissingAuthenticationTokenException: as('UNAUTHORIZED'),
  IncompleteSignatureException: as('UNAUTHORIZED'),
  UnrecognizedClientException: as('UNAUTHORIZED'),
  InvalidSignatureException: as('UNAUTHORIZED'),
  NoSuchEntityException: as('DENIED'),
  EntityAlreadyExistsException: as('DENIED'),
  DeleteConflictException: as('DENIED'),
  // Repositories.
  RepositoryNotFoundException: as('NAME_UNKNOWN'),
  RepositoryAlreadyExistsException: as('NAME_INVALID'),
  RepositoryNotEmptyException: as('DENIED'),
  InvalidTagParameterException: as('TAG_INVALID'),
  TooManyTagsException: as('TAG_INVALID'),
  // Uploads.
  UploadNotFoundException: as('BLOB_UPLOAD_UNKNOWN'),
  InvalidLayerPartException: as('BLOB_UPLOAD_INVALID', 416),
  EmptyUploadException: as('BLOB_UPLOAD_INVALID'),
  LayerPartTooSmallException: as('BLOB_UPLOAD_INVALID'),
  // Layers.
  LayerAlreadyExistsException: as('BLOB_UPLOAD_INVALID'),
  InvalidLayerException: as('DIGEST_INVALID'),
  LayersNotFoundException: as('MANIFEST_BLOB_UNKNOWN'),
  LayerInaccessibleException: as('BLOB_UNKNOWN'),
  // Images.
  ImageAlreadyExistsException: as('MANIFEST_INVALID'),
  ImageTagAlreadyExistsException: as('TAG_INVALID'),
  ImageDigestDoesNotMatchException: as('DIGEST_INVALID'),
  ReferencedImagesNotFoundException: as('MANIFEST_BLOB_UNKNOWN'),
  ImageNotFoundException: as('MANIFEST_UNKNOWN'),
  // Lifecycle policies: an ECR-only concern the door never reaches.
  LifecyclePolicyNotFoundException: as('DENIED'),
  LifecyclePolicyPreviewNotFoundException: as('DENIED'),
  LifecyclePolicyPreviewInProgressException: as('DENIED'),
};
