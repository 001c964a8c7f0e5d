/**
 * The error format of the OCI Distribution API: `{"errors":[{"code","message","detail"}]}`, with
 * the spec's codes. Each code has the status the spec (or, where it is silent, CNCF distribution)
 * answers it with; a door error may override the status where the spec names another one (a
 * chunk out of order is 416 BLOB_UPLOAD_INVALID).
 */
export const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 404,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  // Not in the spec's table; CNCF distribution and docker know them.
  TAG_INVALID: 400,
  PAGINATION_NUMBER_INVALID: 400,
  RANGE_INVALID: 416,
  UNKNOWN: 500,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

export interface OciErrorBody {
  errors: { code: OciErrorCode; message: string; detail?: unknown }[];
}

/** A refusal of the /v2 door itself (a malformed name, digest or range): no domain error. */
export class OciError extends Error {
  override readonly name = 'OciError';

  constructor(
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
    readonly status: number = OCI_ERROR_STATUS[code],
  ) {
    super(message);
  }
}

export function ociErrorBody(code: OciErrorCode, message: string, detail?: unknown): OciErrorBody {
  return { errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] };
}
