import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../errors/domain-error-code';
import { ecrErrorStatus } from './ecr-error-map';
import { ECR_DOOR_ERROR_CODES, type EcrDoorErrorCode } from './ecr.errors';

/** The ECR JSON door's status for each error, as it has been on the wire. */
const ANSWERED: Record<DomainErrorCode | EcrDoorErrorCode, number> = {
  UnknownOperationException: 400,
  SerializationException: 400,
  ThrottlingException: 400,
  RequestTimeoutException: 400,
  InvalidParameterException: 400,
  ServerException: 500,
  LimitExceededException: 400,
  AccessDeniedException: 403,
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  UnrecognizedClientException: 400,
  InvalidSignatureException: 400,
  NoSuchEntityException: 400,
  EntityAlreadyExistsException: 400,
  DeleteConflictException: 400,
  RepositoryNotFoundException: 400,
  RepositoryAlreadyExistsException: 400,
  RepositoryNotEmptyException: 400,
  InvalidTagParameterException: 400,
  TooManyTagsException: 400,
  UploadNotFoundException: 400,
  InvalidLayerPartException: 400,
  EmptyUploadException: 400,
  LayerPartTooSmallException: 400,
  LayerAlreadyExistsException: 400,
  InvalidLayerException: 400,
  LayersNotFoundException: 400,
  LayerInaccessibleException: 400,
  ImageAlreadyExistsException: 400,
  ImageTagAlreadyExistsException: 400,
  ImageDigestDoesNotMatchException: 400,
  ReferencedImagesNotFoundException: 400,
  ImageNotFoundException: 400,
  LifecyclePolicyNotFoundException: 400,
  LifecyclePolicyPreviewNotFoundException: 400,
  LifecyclePolicyPreviewInProgressException: 400,
  TemplateNotFoundException: 400,
  TemplateAlreadyExistsException: 400,
  ValidationException: 400,
  RegistryPolicyNotFoundException: 400,
  ScanNotFoundException: 400,
  ExclusionAlreadyExistsException: 400,
  ExclusionNotFoundException: 400,
  SigningConfigurationNotFoundException: 400,
  PullThroughCacheRuleNotFoundException: 400,
  UnsupportedUpstreamRegistryException: 400,
  ImageStorageClassUpdateNotSupportedException: 400,
  RepositoryPolicyNotFoundException: 400,
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

describe('the ECR error mapping', () => {
  it.each([...ECR_DOOR_ERROR_CODES, ...DOMAIN_ERROR_CODES].map((code) => [code, ANSWERED[code]]))(
    'answers %s with %d',
    (code, status) => {
      expect(ecrErrorStatus(code)).toBe(status);
    },
  );
});
