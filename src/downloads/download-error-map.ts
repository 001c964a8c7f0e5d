import type { DomainErrorCode } from '../common/errors/domain-error-code';

/**
 * The HTTP status of every domain error on the download endpoint, whose answers are in the ECR
 * error JSON (the format of the API that handed out the URL). A refused URL is 403; a layer or
 * repository no longer there is 404. A code missing here does not compile.
 */
export const DOWNLOAD_ERROR_STATUS: Record<DomainErrorCode, 403 | 404 | 500> = {
  InvalidParameterException: 404,
  ServerException: 500,
  LimitExceededException: 404,
  AccessDeniedException: 403,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  NoSuchEntityException: 404,
  EntityAlreadyExistsException: 404,
  DeleteConflictException: 404,
  RepositoryNotFoundException: 404,
  RepositoryAlreadyExistsException: 404,
  RepositoryNotEmptyException: 404,
  InvalidTagParameterException: 404,
  TooManyTagsException: 404,
  UploadNotFoundException: 404,
  InvalidLayerPartException: 404,
  EmptyUploadException: 404,
  LayerPartTooSmallException: 404,
  LayerAlreadyExistsException: 404,
  InvalidLayerException: 404,
  LayersNotFoundException: 404,
  LayerInaccessibleException: 404,
  ImageAlreadyExistsException: 404,
  ImageTagAlreadyExistsException: 404,
  ImageDigestDoesNotMatchException: 404,
  ReferencedImagesNotFoundException: 404,
  ImageNotFoundException: 404,
  // Lifecycle policies.
  LifecyclePolicyNotFoundException: 404,
  LifecyclePolicyPreviewNotFoundException: 404,
  LifecyclePolicyPreviewInProgressException: 404,
};
