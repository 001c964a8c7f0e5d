import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../errors/domain-error-code';
import { adminErrorStatus } from './admin-error-map';

/** The admin API's answer to each domain error, as it has been on the wire. */
const ANSWERED: Record<DomainErrorCode, number> = {
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
  LifecyclePolicyNotFoundException: 404,
  LifecyclePolicyPreviewNotFoundException: 404,
  LifecyclePolicyPreviewInProgressException: 409,
  TemplateNotFoundException: 404,
  TemplateAlreadyExistsException: 409,
  ValidationException: 400,
  RegistryPolicyNotFoundException: 404,
  ScanNotFoundException: 404,
  ExclusionAlreadyExistsException: 409,
  ExclusionNotFoundException: 404,
  SigningConfigurationNotFoundException: 404,
  PullThroughCacheRuleNotFoundException: 404,
  UnsupportedUpstreamRegistryException: 400,
  ImageStorageClassUpdateNotSupportedException: 400,
  RepositoryPolicyNotFoundException: 404,
  KmsException: 400,
  NotFoundException: 400,
  DisabledException: 400,
  KMSInvalidStateException: 400,
  InvalidCiphertextException: 400,
  IncorrectKeyException: 400,
  AlreadyExistsException: 400,
  InvalidAliasNameException: 400,
  InvalidMarkerException: 400,
  UnsupportedOperationException: 400,
};

describe('the admin API error mapping', () => {
  it.each(DOMAIN_ERROR_CODES.map((code) => [code, ANSWERED[code]]))(
    'answers %s with %d',
    (code, status) => {
      expect(adminErrorStatus(code)).toBe(status);
    },
  );
});
