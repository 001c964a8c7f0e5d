import { BadRequestException } from '@nestjs/common';

/** An opaque cursor: the keyset position after the last item of a page. */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ a: after })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const after = (parsed as { a?: unknown } | null)?.a;
    if (typeof after === 'string') return after;
  } catch {
    // any cursor this API did not issue is a client error
  }
  throw new BadRequestException('cursor must be a nextCursor returned by this API');
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
