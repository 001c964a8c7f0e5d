import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../errors/domain-error-code';
import { stsErrorAnswer } from './sts-error-map';
import { STS_DOOR_ERROR_CODES, type StsDoorErrorCode } from './sts.errors';

/** The STS door's status and code for each error. */
const ANSWERED: Record<DomainErrorCode | StsDoorErrorCode, [number, string]> = {
  InvalidAction: [400, 'InvalidAction'],
  MissingAction: [400, 'MissingAction'],
  InvalidParameterValue: [400, 'InvalidParameterValue'],
  RequestEntityTooLarge: [413, 'RequestEntityTooLarge'],
  InvalidParameterException: [400, 'InvalidParameterValue'],
  LimitExceededException: [400, 'Throttling'],
  IncompleteSignatureException: [400, 'IncompleteSignature'],
  MissingAuthenticationTokenException: [403, 'MissingAuthenticationToken'],
  UnrecognizedClientException: [403, 'InvalidClientTokenId'],
  InvalidSignatureException: [403, 'SignatureDoesNotMatch'],
  AccessDeniedException: [403, 'AccessDenied'],
  ServerException: [500, 'InternalFailure'],
  NoSuchEntityException: [500, 'InternalFailure'],
  EntityAlreadyExistsException: [500, 'InternalFailure'],
  DeleteConflictException: [500, 'InternalFailure'],
  RepositoryNotFoundException: [500, 'InternalFailure'],
  RepositoryAlreadyExistsException: [500, 'InternalFailure'],
  RepositoryNotEmptyException: [500, 'InternalFailure'],
  InvalidTagParameterException: [500, 'InternalFailure'],
  TooManyTagsException: [500, 'InternalFailure'],
  UploadNotFoundException: [500, 'InternalFailure'],
  InvalidLayerPartException: [500, 'InternalFailure'],
  EmptyUploadException: [500, 'InternalFailure'],
  LayerPartTooSmallException: [500, 'InternalFailure'],
  LayerAlreadyExistsException: [500, 'InternalFailure'],
  InvalidLayerException: [500, 'InternalFailure'],
  LayersNotFoundException: [500, 'InternalFailure'],
  LayerInaccessibleException: [500, 'InternalFailure'],
  ImageAlreadyExistsException: [500, 'InternalFailure'],
  ImageTagAlreadyExistsException: [500, 'InternalFailure'],
  ImageDigestDoesNotMatchException: [500, 'InternalFailure'],
  ReferencedImagesNotFoundException: [500, 'InternalFailure'],
  ImageNotFoundException: [500, 'InternalFailure'],
  LifecyclePolicyNotFoundException: [500, 'InternalFailure'],
  LifecyclePolicyPreviewNotFoundException: [500, 'InternalFailure'],
  LifecyclePolicyPreviewInProgressException: [500, 'InternalFailure'],
  TemplateNotFoundException: [500, 'InternalFailure'],
  TemplateAlreadyExistsException: [500, 'InternalFailure'],
  ValidationException: [500, 'InternalFailure'],
  RegistryPolicyNotFoundException: [500, 'InternalFailure'],
  ScanNotFoundException: [500, 'InternalFailure'],
  ExclusionAlreadyExistsException: [500, 'InternalFailure'],
  ExclusionNotFoundException: [500, 'InternalFailure'],
  SigningConfigurationNotFoundException: [500, 'InternalFailure'],
  PullThroughCacheRuleNotFoundException: [500, 'InternalFailure'],
  UnsupportedUpstreamRegistryException: [500, 'InternalFailure'],
  ImageStorageClassUpdateNotSupportedException: [500, 'InternalFailure'],
  RepositoryPolicyNotFoundException: [500, 'InternalFailure'],
  KmsException: [500, 'InternalFailure'],
  NotFoundException: [500, 'InternalFailure'],
  DisabledException: [500, 'InternalFailure'],
  KMSInvalidStateException: [500, 'InternalFailure'],
  InvalidCiphertextException: [500, 'InternalFailure'],
  IncorrectKeyException: [500, 'InternalFailure'],
  AlreadyExistsException: [500, 'InternalFailure'],
  InvalidAliasNameException: [500, 'InternalFailure'],
  InvalidMarkerException: [500, 'InternalFailure'],
  UnsupportedOperationException: [500, 'InternalFailure'],
};

describe('the STS error mapping', () => {
  it.each(
    [...STS_DOOR_ERROR_CODES, ...DOMAIN_ERROR_CODES].map((code) => [code, ...ANSWERED[code]]),
  )('answers %s with %d %s', (code, status, wireCode) => {
    const answer = stsErrorAnswer(code);
    expect([answer.status, answer.code]).toEqual([status, wireCode]);
    expect(answer.type).toBe(status === 500 ? 'Receiver' : 'Sender');
  });
});
