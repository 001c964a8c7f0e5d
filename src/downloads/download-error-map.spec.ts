import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../errors/domain-error-code';
import { downloadErrorStatus } from './download-error-map';

/** The download endpoint's answer to each domain error, as it has been on the wire. */
const ANSWERED: Record<DomainErrorCode, number> = {
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
  LifecyclePolicyNotFoundException: 404,
  LifecyclePolicyPreviewNotFoundException: 404,
  LifecyclePolicyPreviewInProgressException: 404,
  TemplateNotFoundException: 404,
  TemplateAlreadyExistsException: 404,
  ValidationException: 404,
  RegistryPolicyNotFoundException: 404,
  ScanNotFoundException: 404,
  ExclusionAlreadyExistsException: 404,
  ExclusionNotFoundException: 404,
  SigningConfigurationNotFoundException: 404,
  PullThroughCacheRuleNotFoundException: 404,
  UnsupportedUpstreamRegistryException: 404,
  ImageStorageClassUpdateNotSupportedException: 404,
  RepositoryPolicyNotFoundException: 404,
  KmsException: 403,
  NotFoundException: 404,
  DisabledException: 404,
  KMSInvalidStateException: 404,
  InvalidCiphertextException: 404,
  IncorrectKeyException: 404,
  AlreadyExistsException: 404,
  InvalidAliasNameException: 404,
  InvalidMarkerException: 404,
  UnsupportedOperationException: 404,
};

describe('the download endpoint error mapping', () => {
  it.each(DOMAIN_ERROR_CODES.map((code) => [code, ANSWERED[code]]))(
    'answers %s with %d',
    (code, status) => {
      expect(downloadErrorStatus(code)).toBe(status);
    },
  );
});
