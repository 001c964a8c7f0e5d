import type * as authErrors from '../auth/auth.errors';
import { AUTH_ERROR_CODES, type AuthErrorCode } from '../auth/auth.errors';
import type * as commonErrors from '../common/errors/registry-exception';
import {
  COMMON_ERROR_CODES,
  RegistryException,
  type CommonErrorCode,
} from '../common/errors/registry-exception';
import type * as imagesErrors from '../images/images.errors';
import { IMAGES_ERROR_CODES, type ImagesErrorCode } from '../images/images.errors';
import type * as kmsErrors from '../kms/kms.errors';
import { KMS_ERROR_CODES, type KmsErrorCode } from '../kms/kms.errors';
import type * as layersErrors from '../layers/layers.errors';
import { LAYERS_ERROR_CODES, type LayersErrorCode } from '../layers/layers.errors';
import type * as lifecycleErrors from '../lifecycle/lifecycle.errors';
import { LIFECYCLE_ERROR_CODES, type LifecycleErrorCode } from '../lifecycle/lifecycle.errors';
import type * as registrySettingsErrors from '../registry-settings/registry-settings.errors';
import {
  REGISTRY_SETTINGS_ERROR_CODES,
  type RegistrySettingsErrorCode,
} from '../registry-settings/registry-settings.errors';
import type * as policiesErrors from '../policies/policies.errors';
import { POLICIES_ERROR_CODES, type PoliciesErrorCode } from '../policies/policies.errors';
import type * as repositoriesErrors from '../repositories/repositories.errors';
import {
  REPOSITORIES_ERROR_CODES,
  type RepositoriesErrorCode,
} from '../repositories/repositories.errors';
import type * as templatesErrors from '../templates/templates.errors';
import { TEMPLATES_ERROR_CODES, type TemplatesErrorCode } from '../templates/templates.errors';
import type * as uploadsErrors from '../uploads/uploads.errors';
import { UPLOADS_ERROR_CODES, type UploadsErrorCode } from '../uploads/uploads.errors';

/**
 * Every code a domain error can carry: each module's code list, assembled here, above the
 * modules, because each API surface maps all of them. A surface maps it with one exhaustive
 * `switch`, so a code added to a module's list is a compile error on every surface until it is
 * mapped there.
 */
export const DOMAIN_ERROR_CODES = [
  ...COMMON_ERROR_CODES,
  ...AUTH_ERROR_CODES,
  ...REPOSITORIES_ERROR_CODES,
  ...UPLOADS_ERROR_CODES,
  ...LAYERS_ERROR_CODES,
  ...IMAGES_ERROR_CODES,
  ...LIFECYCLE_ERROR_CODES,
  ...TEMPLATES_ERROR_CODES,
  ...REGISTRY_SETTINGS_ERROR_CODES,
  ...POLICIES_ERROR_CODES,
  ...KMS_ERROR_CODES,
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** A domain error as the API surfaces see it: its code is one they all map. */
export type DomainError = RegistryException & { readonly name: DomainErrorCode };

/**
 * Whether `value` is a domain error. Every `RegistryException` is one: the check below makes each
 * class a module exports carry a code of its module's list, and so of `DomainErrorCode`.
 */
export function isDomainError(value: unknown): value is DomainError {
  return value instanceof RegistryException;
}

/** The codes of the `RegistryException` classes among a module's exports. */
type CodesOf<Module> = {
  [Name in keyof Module]: Module[Name] extends abstract new (...args: never[]) => infer Instance
    ? Instance extends RegistryException
      ? string extends Instance['name']
        ? never // the abstract base itself
        : Instance['name']
      : never
    : never;
}[keyof Module];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * Each module's list names exactly the codes of its classes: a class whose code is missing from
 * the list (and so from every surface's `switch`) does not compile.
 */
export const CODE_LISTS_MATCH_CLASSES: [
  Same<CodesOf<typeof commonErrors>, CommonErrorCode>,
  Same<CodesOf<typeof authErrors>, AuthErrorCode>,
  Same<CodesOf<typeof repositoriesErrors>, RepositoriesErrorCode>,
  Same<CodesOf<typeof uploadsErrors>, UploadsErrorCode>,
  Same<CodesOf<typeof layersErrors>, LayersErrorCode>,
  Same<CodesOf<typeof imagesErrors>, ImagesErrorCode>,
  Same<CodesOf<typeof lifecycleErrors>, LifecycleErrorCode>,
  Same<CodesOf<typeof templatesErrors>, TemplatesErrorCode>,
  Same<CodesOf<typeof registrySettingsErrors>, RegistrySettingsErrorCode>,
  Same<CodesOf<typeof policiesErrors>, PoliciesErrorCode>,
  Same<CodesOf<typeof kmsErrors>, KmsErrorCode>,
] = [true, true, true, true, true, true, true, true, true, true, true];
