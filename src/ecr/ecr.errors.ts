/**
 * Codes of the errors only the ECR JSON door raises: they are about its wire format and its
 * admission of requests, not about the registry.
 */
export const ECR_DOOR_ERROR_CODES = [
  'UnknownOperationException',
  'SerializationException',
  'ThrottlingException',
  'RequestTimeoutException',
] as const;
export type EcrDoorErrorCode = (typeof ECR_DOOR_ERROR_CODES)[number];

/** An error of the ECR JSON protocol itself, before any domain module is called. */
export abstract class EcrProtocolException extends Error {
  abstract override readonly name: EcrDoorErrorCode;
  readonly details: Record<string, string | number | undefined> = {};
}

/** The `X-Amz-Target` names no operation of the service. */
export class UnknownOperationException extends EcrProtocolException {
  override readonly name = 'UnknownOperationException';
}

/** The body could not be read as the operation's JSON input. */
export class SerializationException extends EcrProtocolException {
  override readonly name = 'SerializationException';
}

/**
 * A request beyond what this instance takes at once: ECR's request-rate quotas, or more request
 * bodies than it holds in memory. The SDKs retry it with backoff.
 */
export class ThrottlingException extends EcrProtocolException {
  override readonly name = 'ThrottlingException';
}

/**
 * The request's body did not arrive within `BODY_TIMEOUT`. The SDKs count it among the transient
 * errors they retry.
 */
export class RequestTimeoutException extends EcrProtocolException {
  override readonly name = 'RequestTimeoutException';
}
