import {
  AccessDeniedException,
  InvalidParameterException,
  ServerException,
} from '../common/errors/registry-exception';
import { ImageNotFoundException, ImageTagAlreadyExistsException } from '../images/images.errors';
import { InvalidLayerException, LayersNotFoundException } from '../layers/layers.errors';
import { RepositoryNotFoundException } from '../repositories/repositories.errors';
import { InvalidLayerPartException, UploadNotFoundException } from '../uploads/uploads.errors';
import {
  DOMAIN_ERROR_CODES,
  isDomainError,
  type DomainErrorCode,
} from '../errors/domain-error-code';
import { ociErrorOf, type OciMapping } from './oci-error-map';
import { OCI_ERROR_STATUS, OciError, ociErrorBody } from './oci-errors';

/** The /v2 door's code and status for each domain error, as they have been on the wire. */
const ANSWERED: Record<DomainErrorCode, OciMapping> = {
  InvalidParameterException: { code: 'MANIFEST_INVALID', status: 400 },
  ServerException: { code: 'UNKNOWN', status: 500 },
  LimitExceededException: { code: 'SIZE_INVALID', status: 400 },
  AccessDeniedException: { code: 'DENIED', status: 403 },
  MissingAuthenticationTokenException: { code: 'UNAUTHORIZED', status: 401 },
  IncompleteSignatureException: { code: 'UNAUTHORIZED', status: 401 },
  UnrecognizedClientException: { code: 'UNAUTHORIZED', status: 401 },
  InvalidSignatureException: { code: 'UNAUTHORIZED', status: 401 },
  NoSuchEntityException: { code: 'DENIED', status: 403 },
  EntityAlreadyExistsException: { code: 'DENIED', status: 403 },
  DeleteConflictException: { code: 'DENIED', status: 403 },
  RepositoryNotFoundException: { code: 'NAME_UNKNOWN', status: 404 },
  RepositoryAlreadyExistsException: { code: 'NAME_INVALID', status: 400 },
  RepositoryNotEmptyException: { code: 'DENIED', status: 403 },
  InvalidTagParameterException: { code: 'TAG_INVALID', status: 400 },
  TooManyTagsException: { code: 'TAG_INVALID', status: 400 },
  UploadNotFoundException: { code: 'BLOB_UPLOAD_UNKNOWN', status: 404 },
  InvalidLayerPartException: { code: 'BLOB_UPLOAD_INVALID', status: 416 },
  EmptyUploadException: { code: 'BLOB_UPLOAD_INVALID', status: 400 },
  LayerPartTooSmallException: { code: 'BLOB_UPLOAD_INVALID', status: 400 },
  LayerAlreadyExistsException: { code: 'BLOB_UPLOAD_INVALID', status: 400 },
  InvalidLayerException: { code: 'DIGEST_INVALID', status: 400 },
  LayersNotFoundException: { code: 'MANIFEST_BLOB_UNKNOWN', status: 404 },
  LayerInaccessibleException: { code: 'BLOB_UNKNOWN', status: 404 },
  ImageAlreadyExistsException: { code: 'MANIFEST_INVALID', status: 400 },
  ImageTagAlreadyExistsException: { code: 'TAG_INVALID', status: 400 },
  ImageDigestDoesNotMatchException: { code: 'DIGEST_INVALID', status: 400 },
  ReferencedImagesNotFoundException: { code: 'MANIFEST_BLOB_UNKNOWN', status: 404 },
  ImageNotFoundException: { code: 'MANIFEST_UNKNOWN', status: 404 },
  LifecyclePolicyNotFoundException: { code: 'DENIED', status: 403 },
  LifecyclePolicyPreviewNotFoundException: { code: 'DENIED', status: 403 },
  LifecyclePolicyPreviewInProgressException: { code: 'DENIED', status: 403 },
  TemplateNotFoundException: { code: 'DENIED', status: 403 },
  TemplateAlreadyExistsException: { code: 'DENIED', status: 403 },
  ValidationException: { code: 'DENIED', status: 403 },
  RegistryPolicyNotFoundException: { code: 'DENIED', status: 403 },
  ScanNotFoundException: { code: 'DENIED', status: 403 },
  ExclusionAlreadyExistsException: { code: 'DENIED', status: 403 },
  ExclusionNotFoundException: { code: 'DENIED', status: 403 },
  SigningConfigurationNotFoundException: { code: 'DENIED', status: 403 },
  PullThroughCacheRuleNotFoundException: { code: 'DENIED', status: 403 },
  UnsupportedUpstreamRegistryException: { code: 'DENIED', status: 403 },
  ImageStorageClassUpdateNotSupportedException: { code: 'DENIED', status: 403 },
  RepositoryPolicyNotFoundException: { code: 'DENIED', status: 403 },
  KmsException: { code: 'DENIED', status: 403 },
  NotFoundException: { code: 'DENIED', status: 403 },
  DisabledException: { code: 'DENIED', status: 403 },
  KMSInvalidStateException: { code: 'DENIED', status: 403 },
  InvalidCiphertextException: { code: 'DENIED', status: 403 },
  IncorrectKeyException: { code: 'DENIED', status: 403 },
  AlreadyExistsException: { code: 'DENIED', status: 403 },
  InvalidAliasNameException: { code: 'DENIED', status: 403 },
  InvalidMarkerException: { code: 'DENIED', status: 403 },
  UnsupportedOperationException: { code: 'DENIED', status: 403 },
};

describe('the OCI error mapping', () => {
  it.each([
    [RepositoryNotFoundException.of('123456789012', 'a'), 'NAME_UNKNOWN', 404],
    [UploadNotFoundException.of('123456789012', 'a', 'u'), 'BLOB_UPLOAD_UNKNOWN', 404],
    [InvalidLayerException.digestMismatch(), 'DIGEST_INVALID', 400],
    [new LayersNotFoundException('x'), 'MANIFEST_BLOB_UNKNOWN', 404],
    [new ImageNotFoundException('x'), 'MANIFEST_UNKNOWN', 404],
    [new ImageTagAlreadyExistsException('x'), 'TAG_INVALID', 400],
    [new InvalidParameterException('x'), 'MANIFEST_INVALID', 400],
    [new AccessDeniedException('x'), 'DENIED', 403],
    [new ServerException(), 'UNKNOWN', 500],
    [
      new InvalidLayerPartException('x', { registryId: 'r', repositoryName: 'a', uploadId: 'u' }),
      'BLOB_UPLOAD_INVALID',
      416,
    ],
  ])('maps %s to its OCI code and status', (error, code, status) => {
    expect(isDomainError(error)).toBe(true);
    expect(ociErrorOf(error.name)).toEqual({ code, status });
  });

  it.each(DOMAIN_ERROR_CODES.map((code) => [code, ANSWERED[code]]))(
    'answers %s with %j',
    (code, mapping) => {
      expect(ociErrorOf(code)).toEqual(mapping);
    },
  );

  it('answers only client statuses for every domain error but the server failure', () => {
    for (const name of DOMAIN_ERROR_CODES) {
      if (name === 'ServerException') continue;
      const { status } = ociErrorOf(name);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });

  it("gives each code the spec's status, and codes only of uppercase letters and underscores", () => {
    expect(OCI_ERROR_STATUS).toMatchObject({
      BLOB_UNKNOWN: 404,
      MANIFEST_UNKNOWN: 404,
      NAME_UNKNOWN: 404,
      UNAUTHORIZED: 401,
      DENIED: 403,
      UNSUPPORTED: 405,
      TOOMANYREQUESTS: 429,
    });
    for (const code of Object.keys(OCI_ERROR_STATUS)) expect(code).toMatch(/^[A-Z_]+$/);
  });

  it('writes the errors body, with detail only when there is one', () => {
    expect(ociErrorBody('BLOB_UNKNOWN', 'gone')).toEqual({
      errors: [{ code: 'BLOB_UNKNOWN', message: 'gone' }],
    });
    expect(ociErrorBody('SIZE_INVALID', 'x', { max: 1 }).errors[0].detail).toEqual({ max: 1 });
  });

  it("takes a door error's status from its code unless it names another", () => {
    expect(new OciError('NAME_INVALID', 'x').status).toBe(400);
    expect(new OciError('UNSUPPORTED', 'x', undefined, 404).status).toBe(404);
  });
});
