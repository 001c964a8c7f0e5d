import { assertUnreachable } from '../common/assert-unreachable';
import type { DomainErrorCode } from '../errors/domain-error-code';
import type { StsDoorErrorCode } from './sts.errors';

export interface StsErrorAnswer {
  status: 400 | 403 | 413 | 500;
  /** The error code STS writes in `<Code>`. */
  code: string;
  type: 'Sender' | 'Receiver';
}

const sender = (status: 400 | 403 | 413, code: string): StsErrorAnswer => ({
  status,
  code,
  type: 'Sender',
});
const INTERNAL: StsErrorAnswer = { status: 500, code: 'InternalFailure', type: 'Receiver' };

/**
 * How the STS door answers every error, in STS's own codes: its authentication failures are 403
 * with the query protocol's names (`InvalidClientTokenId`, `SignatureDoesNotMatch`). The door
 * calls only authentication, so the other modules' codes cannot reach it; were one to, it is the
 * service's fault. A code missing here does not compile.
 */
export function stsErrorAnswer(code: DomainErrorCode | StsDoorErrorCode): StsErrorAnswer {
  switch (code) {
    case 'InvalidAction':
    case 'MissingAction':
    case 'InvalidParameterValue':
      return sender(400, code);
    case 'RequestEntityTooLarge':
      return sender(413, code);
    case 'InvalidParameterException':
      return sender(400, 'InvalidParameterValue');
    case 'LimitExceededException':
      return sender(400, 'Throttling');
    case 'IncompleteSignatureException':
      return sender(400, 'IncompleteSignature');
    case 'MissingAuthenticationTokenException':
      return sender(403, 'MissingAuthenticationToken');
    case 'UnrecognizedClientException':
      return sender(403, 'InvalidClientTokenId');
    case 'InvalidSignatureException':
      return sender(403, 'SignatureDoesNotMatch');
    case 'AccessDeniedException':
      return sender(403, 'AccessDenied');
    // The service's fault, then codes of modules this door never calls.
    case 'ServerException':
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
      return INTERNAL;
    default:
      return assertUnreachable(code);
  }
}
