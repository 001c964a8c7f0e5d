/**
 * A domain error of the registry. Subclasses are named exactly like the ECR error shapes, and
 * `name` is the error's code, listed in its module's `*_ERROR_CODES`. The union of those lists,
 * `DomainErrorCode`, is assembled above the modules (src/errors), which also checks that every
 * class a module exports has a listed code. `details` carries the shape's modelled members beyond
 * `message` (for example `lastValidByteReceived`). No HTTP knowledge lives here: each API surface
 * maps every code once, in an exhaustive `switch` of its own.
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

/** Codes of the errors any module may raise. */
export const COMMON_ERROR_CODES = [
  'InvalidParameterException',
  'ServerException',
  'LimitExceededException',
  'AccessDeniedException',
] as const;
export type CommonErrorCode = (typeof COMMON_ERROR_CODES)[number];

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

/** The caller may not do this. */
export class AccessDeniedException extends RegistryException {
  override readonly name = 'AccessDeniedException';
}
