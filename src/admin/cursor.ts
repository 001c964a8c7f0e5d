import { applyDecorators, BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { InvalidParameterException } from '../common/errors/registry-exception';
import { decodePageToken, encodePageToken } from '../common/page-token';
import { ACCESS_KEY_ID, ACCOUNT_ID, ROW_ID, UUID } from './dto/patterns';

/**
 * An opaque cursor: the keyset position after the last item of a page. The token itself is the
 * ECR API's (`page-token`); only the error differs, the admin API answering a plain 400.
 */
export function encodeCursor(after: string): string {
  return encodePageToken({ a: after });
}

const INVALID_CURSOR = 'cursor must be a nextCursor returned by this API';

function positionOf(cursor: string): string | undefined {
  try {
    return decodePageToken(cursor, { a: 'string' }).a;
  } catch (err) {
    if (err instanceof InvalidParameterException) return undefined;
    throw err;
  }
}

/**
 * The position inside a cursor whose shape its route's query DTO has checked (`@IsCursor`), so
 * the value reaches SQL only in a form the SQL can take.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const after = positionOf(cursor);
  // Its InvalidParameterException speaks of `nextToken`; here the parameter is `cursor`.
  if (after === undefined) throw new BadRequestException(INVALID_CURSOR);
  return after;
}

/** What the position of one route's cursor must be: what that route's `pageOf` key makes. */
export type CursorShape = (after: string) => boolean;

const UPLOAD_POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(.*)$/;

export const CURSOR_SHAPES = {
  /** Keyset by bigint row id: repositories, layers, images. */
  rowId: (after: string): boolean => ROW_ID.test(after),
  accountId: (after: string): boolean => ACCOUNT_ID.test(after),
  accessKeyId: (after: string): boolean => ACCESS_KEY_ID.test(after),
  /** `<created_at as toISOString()>|<upload id>`: a real instant (after 1970) and a UUID. */
  upload: (after: string): boolean => {
    const match = UPLOAD_POSITION.exec(after);
    if (!match || !UUID.test(match[2])) return false;
    const at = new Date(match[1]);
    return at.getTime() >= 0 && at.toISOString() === match[1];
  },
} satisfies Record<string, CursorShape>;

/**
 * A `cursor` query member: a token this API issued for this route, its position of the route's
 * shape. A forged or altered cursor is a 400 here, never a value that fails in SQL.
 */
export function IsCursor(shape: CursorShape): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: 'The nextCursor of the previous page' }),
    IsOptional(),
    IsString(),
    MaxLength(1024),
    ValidateBy({
      name: 'isCursor',
      validator: {
        validate: (value: unknown): boolean => {
          if (typeof value !== 'string') return false;
          const after = positionOf(value);
          return after !== undefined && shape(after);
        },
        defaultMessage: () => INVALID_CURSOR,
      },
    }),
  );
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
