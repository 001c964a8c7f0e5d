import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const LAYERS_ERROR_CODES = [
  'LayerAlreadyExistsException',
  'InvalidLayerException',
  'LayersNotFoundException',
  'LayerInaccessibleException',
] as const;
export type LayersErrorCode = (typeof LAYERS_ERROR_CODES)[number];

export class LayerAlreadyExistsException extends RegistryException {
  override readonly name = 'LayerAlreadyExistsException';

  static of(
    registryId: string,
    repositoryName: string,
    layerDigest: string,
  ): LayerAlreadyExistsException {
    return new LayerAlreadyExistsException(
      `The image layer '${layerDigest}' already exists in the repository with name '${repositoryName}' in registry with id '${registryId}'`,
    );
  }
}

export class InvalidLayerException extends RegistryException {
  override readonly name = 'InvalidLayerException';

  static digestMismatch(): InvalidLayerException {
    return new InvalidLayerException(
      'None of the provided layer digests match the calculated layer digest',
    );
  }
}

export class LayersNotFoundException extends RegistryException {
  override readonly name = 'LayersNotFoundException';
}

export class LayerInaccessibleException extends RegistryException {
  override readonly name = 'LayerInaccessibleException';
}
