import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const REPOSITORIES_ERROR_CODES = [
  'RepositoryNotFoundException',
  'RepositoryAlreadyExistsException',
  'RepositoryNotEmptyException',
  'InvalidTagParameterException',
  'TooManyTagsException',
] as const;
export type RepositoriesErrorCode = (typeof REPOSITORIES_ERROR_CODES)[number];

export class RepositoryNotFoundException extends RegistryException {
  override readonly name = 'RepositoryNotFoundException';

  static of(registryId: string, repositoryName: string): RepositoryNotFoundException {
    return new RepositoryNotFoundException(
      `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
    );
  }
}

export class RepositoryAlreadyExistsException extends RegistryException {
  override readonly name = 'RepositoryAlreadyExistsException';

  static of(registryId: string, repositoryName: string): RepositoryAlreadyExistsException {
    return new RepositoryAlreadyExistsException(
      `The repository with name '${repositoryName}' already exists in the registry with id '${registryId}'`,
    );
  }
}

export class RepositoryNotEmptyException extends RegistryException {
  override readonly name = 'RepositoryNotEmptyException';

  static of(registryId: string, repositoryName: string): RepositoryNotEmptyException {
    return new RepositoryNotEmptyException(
      `The repository with name '${repositoryName}' in registry with id '${registryId}' cannot be deleted because it still contains images`,
    );
  }
}

export class InvalidTagParameterException extends RegistryException {
  override readonly name = 'InvalidTagParameterException';
}

export class TooManyTagsException extends RegistryException {
  override readonly name = 'TooManyTagsException';
}
