import type { DomainErrorCode } from '../common/errors/domain-error-code';

/**
 * The HTTP status of every domain error on the admin API (`application/problem+json`). A code
 * missing here does not compile.
 */
export const ADMIN_ERROR_STATUS: Record<DomainErrorCode, 400 | 403 | 404 | 409 | 500> = {
  InvalidParameterException: 400,
  ServerException: 500,
  LimitExceededException: 400,
  AccessDeniedException: 400,
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  UnrecognizedClientException: 400,
  InvalidSignatureException: 400,
  NoSuchEntityException: 404,
  EntityAlreadyExistsException: 409,
  DeleteConflictException: 409,
  RepositoryNotFoundException: 404,
  RepositoryAlreadyExistsException: 409,
  RepositoryNotEmptyException: 409,
  InvalidTagParameterException: 400,
  TooManyTagsException: 400,
  UploadNotFoundException: 404,
  InvalidLayerPartException: 400,
  EmptyUploadException: 400,
  LayerPartTooSmallException: 400,
  LayerAlreadyExistsException: 400,
  InvalidLayerException: 400,
  LayersNotFoundException: 404,
  LayerInaccessibleException: 400,
  ImageAlreadyExistsException: 400,
  ImageTagAlreadyExistsException: 400,
  ImageDigestDoesNotMatchException: 400,
  ReferencedImagesNotFoundException: 400,
  ImageNotFoundException: 404,
  // Lifecycle policies.
  LifecyclePolicyNotFoundException: 404,
  LifecyclePolicyPreviewNotFoundException: 404,
  LifecyclePolicyPreviewInProgressException: 409,
};
