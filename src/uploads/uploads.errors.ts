import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const UPLOADS_ERROR_CODES = [
  'UploadNotFoundException',
  'InvalidLayerPartException',
  'EmptyUploadException',
  'LayerPartTooSmallException',
] as const;
export type UploadsErrorCode = (typeof UPLOADS_ERROR_CODES)[number];

export class UploadNotFoundException extends RegistryException {
  override readonly name = 'UploadNotFoundException';

  static of(registryId: string, repositoryName: string, uploadId: string): UploadNotFoundException {
    return new UploadNotFoundException(
      `Upload with id '${uploadId}' could not be found for the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
    );
  }
}

/** Its body carries where the upload stands, so a client can resume from there. */
export class InvalidLayerPartException extends RegistryException {
  override readonly name = 'InvalidLayerPartException';

  constructor(
    message: string,
    where: {
      registryId: string;
      repositoryName: string;
      uploadId: string;
      /** Left out while no byte is stored. */
      lastValidByteReceived?: number;
    },
  ) {
    super(message, { ...where });
  }
}

export class EmptyUploadException extends RegistryException {
  override readonly name = 'EmptyUploadException';

  static of(registryId: string, repositoryName: string, uploadId: string): EmptyUploadException {
    return new EmptyUploadException(
      `The upload with id '${uploadId}' in the repository with name '${repositoryName}' in registry with id '${registryId}' cannot be completed because it does not have any parts`,
    );
  }
}

export class LayerPartTooSmallException extends RegistryException {
  override readonly name = 'LayerPartTooSmallException';

  constructor() {
    super('All layer parts except the last part should be at least 5MB');
  }
}
