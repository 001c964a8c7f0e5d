import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const IMAGES_ERROR_CODES = [
  'ImageAlreadyExistsException',
  'ImageTagAlreadyExistsException',
  'ImageDigestDoesNotMatchException',
  'ReferencedImagesNotFoundException',
  'ImageNotFoundException',
] as const;
export type ImagesErrorCode = (typeof IMAGES_ERROR_CODES)[number];

export class ImageAlreadyExistsException extends RegistryException {
  override readonly name = 'ImageAlreadyExistsException';

  static of(
    registryId: string,
    repositoryName: string,
    digest: string,
    tag?: string,
  ): ImageAlreadyExistsException {
    return new ImageAlreadyExistsException(
      `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ''} already exists in the repository with name '${repositoryName}' in registry with id '${registryId}'`,
    );
  }
}

export class ImageTagAlreadyExistsException extends RegistryException {
  override readonly name = 'ImageTagAlreadyExistsException';
}

export class ImageDigestDoesNotMatchException extends RegistryException {
  override readonly name = 'ImageDigestDoesNotMatchException';
}

export class ReferencedImagesNotFoundException extends RegistryException {
  override readonly name = 'ReferencedImagesNotFoundException';
}

export class ImageNotFoundException extends RegistryException {
  override readonly name = 'ImageNotFoundException';
}
