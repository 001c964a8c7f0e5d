/** The KMS door's own refusals, before any domain module is called. */
export const KMS_DOOR_ERROR_CODES = [
  'UnknownOperationException',
  'SerializationException',
] as const;
export type KmsDoorErrorCode = (typeof KMS_DOOR_ERROR_CODES)[number];

export class KmsDoorError extends Error {
  constructor(
    readonly code: KmsDoorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
