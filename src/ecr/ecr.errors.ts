import { RegistryException } from '../common/errors/registry-exception';

/** The `X-Amz-Target` names no operation of the service. */
export class UnknownOperationException extends RegistryException {
  override readonly name = 'UnknownOperationException';
}

/** The body could not be read as the operation's JSON input. */
export class SerializationException extends RegistryException {
  override readonly name = 'SerializationException';
}
