import {
  AccessDeniedException,
  InvalidParameterException,
  ServerException,
} from '../common/errors/registry-exception';
import { ImageNotFoundException, ImageTagAlreadyExistsException } from '../images/images.errors';
import { InvalidLayerException, LayersNotFoundException } from '../layers/layers.errors';
import { RepositoryNotFoundException } from '../repositories/repositories.errors';
import { InvalidLayerPartException, UploadNotFoundException } from '../uploads/uploads.errors';
import { OCI_ERROR_MAP } from './oci-error-map';
import { OCI_ERROR_STATUS, OciError, ociErrorBody } from './oci-errors';

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
    expect(OCI_ERROR_MAP[error.name]).toEqual({ code, status });
  });

  it('answers only client statuses for every domain error but the server failure', () => {
    for (const [name, { status }] of Object.entries(OCI_ERROR_MAP)) {
      if (name === 'ServerException') continue;
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
