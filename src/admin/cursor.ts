import { BadRequestException } from '@nestjs/common';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { decodePageToken, encodePageToken } from '../common/page-token';

/**
 * An opaque cursor: the keyset position after the last item of a page. The token itself is the
 * ECR API's (`page-token`); only the error differs, the admin API answering a plain 400.
 */
export function encodeCursor(after: string): string {
  return encodePageToken({ a: after });
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    return decodePageToken(cursor, { a: 'string' }).a;
  } catch (err) {
    // Its InvalidParameterException speaks of `nextToken`; here the parameter is `cursor`.
    if (err instanceof InvalidParameterException) {
      throw new BadRequestException('cursor must be a nextCursor returned by this API');
    }
    throw err;
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `rows` were fetched with `limit + 1`: the extra one tells whether there is a next page. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  key: (row: R) => string,
): Page<T> {
  const page = rows.slice(0, limit);
  return {
    items: page.map(view),
    nextCursor: rows.length > limit ? encodeCursor(key(page[page.length - 1])) : null,
  };
}
