import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const REGISTRY_SETTINGS_ERROR_CODES = [
  'ValidationException',
  'RegistryPolicyNotFoundException',
  'ScanNotFoundException',
  'ExclusionAlreadyExistsException',
  'ExclusionNotFoundException',
  'SigningConfigurationNotFoundException',
  'PullThroughCacheRuleNotFoundException',
  'UnsupportedUpstreamRegistryException',
  'ImageStorageClassUpdateNotSupportedException',
] as const;
export type RegistrySettingsErrorCode = (typeof REGISTRY_SETTINGS_ERROR_CODES)[number];

/** A request the model accepts but the service refuses (an unknown setting, a feature Berth lacks). */
export class ValidationException extends RegistryException {
  override readonly name = 'ValidationException';
}

/** The registry has no registry policy. */
export class RegistryPolicyNotFoundException extends RegistryException {
  override readonly name = 'RegistryPolicyNotFoundException';

  static of(registryId: string): RegistryPolicyNotFoundException {
    return new RegistryPolicyNotFoundException(
      `Registry policy does not exist in the registry with id '${registryId}'`,
    );
  }
}

/** No scan exists for the image: Berth has no scanner, so none ever does. */
export class ScanNotFoundException extends RegistryException {
  override readonly name = 'ScanNotFoundException';
}

/** The principal is already excluded from pull time updates. */
export class ExclusionAlreadyExistsException extends RegistryException {
  override readonly name = 'ExclusionAlreadyExistsException';
}

/** The principal is not excluded from pull time updates. */
export class ExclusionNotFoundException extends RegistryException {
  override readonly name = 'ExclusionNotFoundException';
}

/** The registry has no signing configuration. */
export class SigningConfigurationNotFoundException extends RegistryException {
  override readonly name = 'SigningConfigurationNotFoundException';
}

/** No pull through cache rule has the prefix: Berth has none. */
export class PullThroughCacheRuleNotFoundException extends RegistryException {
  override readonly name = 'PullThroughCacheRuleNotFoundException';
}

/** Berth caches no upstream registry. */
export class UnsupportedUpstreamRegistryException extends RegistryException {
  override readonly name = 'UnsupportedUpstreamRegistryException';
}

/** Berth keeps every image in one storage class. */
export class ImageStorageClassUpdateNotSupportedException extends RegistryException {
  override readonly name = 'ImageStorageClassUpdateNotSupportedException';
}
