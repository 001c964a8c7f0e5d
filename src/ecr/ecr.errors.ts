/** Codes of the errors only the ECR JSON door raises: they are about its wire format. */
export const ECR_DOOR_ERROR_CODES = [
  'UnknownOperationException',
  'SerializationException',
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
