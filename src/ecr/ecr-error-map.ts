import type { DomainErrorCode } from '../common/errors/domain-error-code';
import type { EcrDoorErrorCode } from './ecr.errors';

/**
 * The HTTP status of every error the ECR JSON door can answer. The error type on the wire is the
 * code itself (the domain's codes are ECR's shape names). A code missing here does not compile.
 */
export const ECR_ERROR_STATUS: Record<DomainErrorCode | EcrDoorErrorCode, number> = {
  // The front door's own.
  UnknownOperationException: 400,
  SerializationException: 400,
  ThrottlingException: 400,
  RequestTimeoutException: 400,
  // Common.
  InvalidParameterException: 400,
  ServerException: 500,
  LimitExceededException: 400,
  AccessDeniedException: 403,
  // Authentication (SigV4) and accounts.
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  UnrecognizedClientException: 400,
  InvalidSignatureException: 400,
  NoSuchEntityException: 400,
  EntityAlreadyExistsException: 400,
  DeleteConflictException: 400,
  // Repositories.
  RepositoryNotFoundException: 400,
  RepositoryAlreadyExistsException: 400,
  RepositoryNotEmptyException: 400,
  InvalidTagParameterException: 400,
  TooManyTagsException: 400,
  // Uploads.
  UploadNotFoundException: 400,
  InvalidLayerPartException: 400,
  EmptyUploadException: 400,
  LayerPartTooSmallException: 400,
  // Layers.
  LayerAlreadyExistsException: 400,
  InvalidLayerException: 400,
  LayersNotFoundException: 400,
  LayerInaccessibleException: 400,
  // Images.
  ImageAlreadyExistsException: 400,
  ImageTagAlreadyExistsException: 400,
  ImageDigestDoesNotMatchException: 400,
  ReferencedImagesNotFoundException: 400,
  ImageNotFoundException: 400,
  // Lifecycle policies.
  LifecyclePolicyNotFoundException: 400,
  LifecyclePolicyPreviewNotFoundException: 400,
  LifecyclePolicyPreviewInProgressException: 400,
};
