import { AccessDeniedException, RegistryException } from '../common/errors/registry-exception';

/** Codes of this module's errors: each API surface maps every one of them. */
export const AUTH_ERROR_CODES = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'NoSuchEntityException',
  'EntityAlreadyExistsException',
  'DeleteConflictException',
] as const;
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

// The SigV4 failures, named and worded as AWS JSON services answer them.

/** The request carries no signature at all. */
export class MissingAuthenticationTokenException extends RegistryException {
  override readonly name = 'MissingAuthenticationTokenException';

  constructor() {
    super('Missing Authentication Token');
  }
}

/** The signature is there but cannot be read: a missing part, a malformed date. */
export class IncompleteSignatureException extends RegistryException {
  override readonly name = 'IncompleteSignatureException';
}

/** The access key is unknown, or not active: both read the same, as in AWS. */
export class UnrecognizedClientException extends RegistryException {
  override readonly name = 'UnrecognizedClientException';

  constructor() {
    super('The security token included in the request is invalid.');
  }
}

/** The signature does not match, or was made outside the allowed clock skew. */
export class InvalidSignatureException extends RegistryException {
  override readonly name = 'InvalidSignatureException';

  static mismatch(): InvalidSignatureException {
    return new InvalidSignatureException(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

/**
 * The refusal of a call that names a registry other than the caller's, in the wording of an IAM
 * refusal: who, which action, on which resource.
 */
export function accessDenied(
  callerAccountId: string,
  accessKeyId: string,
  operation: string,
  resourceArn: string,
): AccessDeniedException {
  return new AccessDeniedException(
    `User: arn:aws:iam::${callerAccountId}:user/${accessKeyId} is not authorized to perform: ecr:${operation} on resource: ${resourceArn} because no resource-based policy allows the ecr:${operation} action`,
  );
}

// Errors of accounts and access keys, named like their IAM counterparts.

/** The account or access key does not exist. */
export class NoSuchEntityException extends RegistryException {
  override readonly name = 'NoSuchEntityException';
}

/** An account or access key with that id exists already. */
export class EntityAlreadyExistsException extends RegistryException {
  override readonly name = 'EntityAlreadyExistsException';
}

/** The account still holds repositories. */
export class DeleteConflictException extends RegistryException {
  override readonly name = 'DeleteConflictException';
}
