import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const TEMPLATES_ERROR_CODES = [
  'TemplateNotFoundException',
  'TemplateAlreadyExistsException',
] as const;
export type TemplatesErrorCode = (typeof TEMPLATES_ERROR_CODES)[number];

export class TemplateNotFoundException extends RegistryException {
  override readonly name = 'TemplateNotFoundException';

  static of(registryId: string, prefix: string): TemplateNotFoundException {
    return new TemplateNotFoundException(
      `The repository creation template with prefix '${prefix}' does not exist in the registry with id '${registryId}'`,
    );
  }
}

export class TemplateAlreadyExistsException extends RegistryException {
  override readonly name = 'TemplateAlreadyExistsException';

  static of(registryId: string, prefix: string): TemplateAlreadyExistsException {
    return new TemplateAlreadyExistsException(
      `The repository creation template with prefix '${prefix}' already exists in the registry with id '${registryId}'`,
    );
  }
}
