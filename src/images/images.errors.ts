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
