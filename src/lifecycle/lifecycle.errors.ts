import { RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const LIFECYCLE_ERROR_CODES = [
  'LifecyclePolicyNotFoundException',
  'LifecyclePolicyPreviewNotFoundException',
  'LifecyclePolicyPreviewInProgressException',
] as const;
export type LifecycleErrorCode = (typeof LIFECYCLE_ERROR_CODES)[number];

function where(registryId: string, repositoryName: string): string {
  return `the repository with name '${repositoryName}' in the registry with id '${registryId}'`;
}

/** The repository has no lifecycle policy. */
export class LifecyclePolicyNotFoundException extends RegistryException {
  override readonly name = 'LifecyclePolicyNotFoundException';

  static of(registryId: string, repositoryName: string): LifecyclePolicyNotFoundException {
    return new LifecyclePolicyNotFoundException(
      `Lifecycle policy does not exist for ${where(registryId, repositoryName)}`,
    );
  }
}

/** No preview was started for the repository (or it went with its policy). */
export class LifecyclePolicyPreviewNotFoundException extends RegistryException {
  override readonly name = 'LifecyclePolicyPreviewNotFoundException';

  static of(registryId: string, repositoryName: string): LifecyclePolicyPreviewNotFoundException {
    return new LifecyclePolicyPreviewNotFoundException(
      `Lifecycle policy preview does not exist for ${where(registryId, repositoryName)}`,
    );
  }
}

/** A preview of the repository is still being computed. */
export class LifecyclePolicyPreviewInProgressException extends RegistryException {
  override readonly name = 'LifecyclePolicyPreviewInProgressException';

  static of(registryId: string, repositoryName: string): LifecyclePolicyPreviewInProgressException {
    return new LifecyclePolicyPreviewInProgressException(
      `Lifecycle policy preview is already in progress for ${where(registryId, repositoryName)}`,
    );
  }
}
