import { RegistryException } from '../common/errors/registry-exception';

/**
 * Codes of this module's errors: KMS's own error shapes, which the KMS door answers as they are,
 * and ECR's `KmsException`, what a repository's unusable key is to the registry's operations.
 * Each API surface maps every one of them.
 */
export const KMS_ERROR_CODES = [
  'KmsException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AlreadyExistsException',
  'InvalidAliasNameException',
  'InvalidMarkerException',
  'UnsupportedOperationException',
] as const;
export type KmsErrorCode = (typeof KMS_ERROR_CODES)[number];

/** The KMS errors that make a key unusable to a repository: `KmsException`'s `kmsError`. */
export type KeyUnusableCode =
  'NotFoundException' | 'DisabledException' | 'KMSInvalidStateException';

/**
 * ECR's error for an operation whose repository key KMS refused: `kmsError` names the KMS error.
 */
export class KmsException extends RegistryException {
  override readonly name = 'KmsException';

  static of(kmsError: KeyUnusableCode | 'AccessDeniedException', kmsMessage: string): KmsException {
    return new KmsException(`The operation failed due to a KMS exception: ${kmsMessage}`, {
      kmsError,
    });
  }
}

/** The key, alias or ARN names nothing in the caller's account. */
export class NotFoundException extends RegistryException {
  override readonly name = 'NotFoundException';
}

/** The key is disabled. */
export class DisabledException extends RegistryException {
  override readonly name = 'DisabledException';
}

/** The key's state does not allow the operation (for example, it is pending deletion). */
export class KMSInvalidStateException extends RegistryException {
  override readonly name = 'KMSInvalidStateException';
}

/** The ciphertext was not made by this service, or was altered. */
export class InvalidCiphertextException extends RegistryException {
  override readonly name = 'InvalidCiphertextException';
}

/** Decrypt named a key other than the one that encrypted the ciphertext. */
export class IncorrectKeyException extends RegistryException {
  override readonly name = 'IncorrectKeyException';
}

/** The alias exists already. */
export class AlreadyExistsException extends RegistryException {
  override readonly name = 'AlreadyExistsException';
}

/** The alias name is malformed or reserved (`alias/aws/`). */
export class InvalidAliasNameException extends RegistryException {
  override readonly name = 'InvalidAliasNameException';
}

/** The paging marker is not one this service gave. */
export class InvalidMarkerException extends RegistryException {
  override readonly name = 'InvalidMarkerException';
}

/** What the built-in key service does not do (asymmetric or HMAC keys, imported material). */
export class UnsupportedOperationException extends RegistryException {
  override readonly name = 'UnsupportedOperationException';
}
