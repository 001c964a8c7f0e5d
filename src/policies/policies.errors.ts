import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const POLICIES_ERROR_CODES = ['RepositoryPolicyNotFoundException'] as const;
export type PoliciesErrorCode = (typeof POLICIES_ERROR_CODES)[number];

/** The repository has no repository policy. */
export class RepositoryPolicyNotFoundException extends RegistryException {
  override readonly name = 'RepositoryPolicyNotFoundException';

  static of(registryId: string, repositoryName: string): RepositoryPolicyNotFoundException {
    return new RepositoryPolicyNotFoundException(
      `Repository policy does not exist for the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
    );
  }
}
