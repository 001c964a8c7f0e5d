/** The STS door's own refusals, before any domain module is called. */
export const STS_DOOR_ERROR_CODES = [
  'InvalidAction',
  'MissingAction',
  'InvalidParameterValue',
  'RequestEntityTooLarge',
] as const;
export type StsDoorErrorCode = (typeof STS_DOOR_ERROR_CODES)[number];

export class StsDoorError extends Error {
  constructor(
    readonly code: StsDoorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
