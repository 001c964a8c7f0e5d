import { RegistryException } from '../common/errors/registry-exception';

/** The `X-Amz-Target` names no operation of the service. */
export class UnknownOperationException extends RegistryException {
  override readonly name = 'UnknownOperationException';
}

/** The body could not be read as the operation's JSON input. */
export class SerializationException extends RegistryException {
  override readonly name = 'SerializationException';
}

/**
 * A request beyond what this instance takes at once: ECR's request-rate quotas, or more request
 * bodies than it holds in memory. The SDKs retry it with backoff.
 */
export class ThrottlingException extends RegistryException {
  override readonly name = 'ThrottlingException';
}

/**
 * The request's body did not arrive within `BODY_TIMEOUT`. The SDKs count it among the transient
 * errors they retry.
 */
export class RequestTimeoutException extends RegistryException {
  override readonly name = 'RequestTimeoutException';
}
