import type { AuthErrorCode } from '../../auth/auth.errors';
import type { ImagesErrorCode } from '../../images/images.errors';
import type { LayersErrorCode } from '../../layers/layers.errors';
import type { LifecycleErrorCode } from '../../lifecycle/lifecycle.errors';
import type { RepositoriesErrorCode } from '../../repositories/repositories.errors';
import type { UploadsErrorCode } from '../../uploads/uploads.errors';
import type { CommonErrorCode } from './registry-exception';

/**
 * Every code a domain error can carry: the union of each module's code list. Each API surface
 * maps it with a `Record<DomainErrorCode, …>`, so a code added to a module's list is a compile
 * error on every surface until it is mapped there.
 */
export type DomainErrorCode =
  | CommonErrorCode
  | AuthErrorCode
  | RepositoriesErrorCode
  | UploadsErrorCode
  | LayersErrorCode
  | ImagesErrorCode
  | LifecycleErrorCode;
