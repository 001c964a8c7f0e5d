import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';
import type { KmsDoorErrorCode } from './kms-door.errors';

export interface KmsErrorAnswer {
  status: 400 | 500;
  /** The error type KMS writes in `__type`. */
  type: string;
}

const client = (type: string): KmsErrorAnswer => ({ status: 400, type });
const INTERNAL: KmsErrorAnswer = { status: 500, type: 'KMSInternalException' };

/**
 * How the KMS door answers every error, in KMS's own names: as in its JSON protocol every client
 * error is 400, an access refusal included; an invalid input is `ValidationException`. The door
 * calls only authentication and the key service, so the registry's codes cannot reach it; were
 * one to, it is the service's fault. A code missing here does not compile.
 */
export function kmsErrorAnswer(code: DomainErrorCode | KmsDoorErrorCode): KmsErrorAnswer {
  switch (code) {
    case 'UnknownOperationException':
    case 'SerializationException':
    case 'LimitExceededException':
    case 'AccessDeniedException':
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ValidationException':
    case 'NotFoundException':
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
    case 'AlreadyExistsException':
    case 'InvalidAliasNameException':
    case 'InvalidMarkerException':
    case 'UnsupportedOperationException':
      return client(code);
    case 'InvalidParameterException':
      return client('ValidationException');
    // The service's fault, then codes of modules this door never calls.
    case 'ServerException':
    case 'KmsException':
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
    case 'RegistryPolicyNotFoundException':
    case 'ScanNotFoundException':
    case 'ExclusionAlreadyExistsException':
    case 'ExclusionNotFoundException':
    case 'SigningConfigurationNotFoundException':
    case 'PullThroughCacheRuleNotFoundException':
    case 'UnsupportedUpstreamRegistryException':
    case 'ImageStorageClassUpdateNotSupportedException':
    case 'RepositoryPolicyNotFoundException':
      return INTERNAL;
    default:
      return assertUnreachable(code);
  }
}
