/**
 * A domain error of the registry. Subclasses are named exactly like the ECR error shapes, so the
 * protocol layer can send `name` as the error type. `details` carries the shape's modelled members
 * beyond `message` (for example `lastValidByteReceived`). No HTTP knowledge lives here: each API
 * surface maps these once, in its own exception filter.
 */
export abstract class RegistryException extends Error {
  abstract override readonly name: string;

  constructor(
    message: string,
    readonly details: Record<string, string | number | undefined> = {},
  ) {
    super(message);
  }
}

/** The specified parameter is invalid. */
export class InvalidParameterException extends RegistryException {
  override readonly name = 'InvalidParameterException';

  /** ECR's wording for a documented-constraint violation. */
  static constraint(member: string, constraint: string): InvalidParameterException {
    return new InvalidParameterException(
      `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`,
    );
  }
}

/** A server-side failure. Its message never carries the cause. */
export class ServerException extends RegistryException {
  override readonly name = 'ServerException';

  constructor(message = 'An internal error occurred. Retry the request later.') {
    super(message);
  }
}

/** A service limit was exceeded. */
export class LimitExceededException extends RegistryException {
  override readonly name = 'LimitExceededException';
}

/** The caller may not do this (HTTP 403 on the ECR API). */
export class AccessDeniedException extends RegistryException {
  override readonly name = 'AccessDeniedException';
}
