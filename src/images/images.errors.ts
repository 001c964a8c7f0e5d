import { RegistryException } from '../common/errors/registry-exception';

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
