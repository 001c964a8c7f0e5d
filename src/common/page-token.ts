import { InvalidParameterException } from './errors/registry-exception';

/**
 * Opaque `nextToken`s: the keyset position after the last item of a page, so pages stay correct
 * while items are added or removed between calls, on any instance.
 */
export function encodePageToken(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** What a position member holds: a row id (a non-negative safe integer) or a short string. */
export type PositionMember = 'id' | 'string';

/** A decoded position: numbers for ids, strings for the rest. */
export type Position<M extends Record<string, PositionMember>> = {
  [P in keyof M]: M[P] extends 'id' ? number : string;
};

/** Longer than any name or tag a position can hold. */
const MAX_POSITION_STRING = 1024;

function isMember(value: unknown, kind: PositionMember): boolean {
  if (kind === 'id') return Number.isSafeInteger(value) && (value as number) >= 0;
  // PostgreSQL text cannot hold U+0000.
  return (
    typeof value === 'string' && value.length <= MAX_POSITION_STRING && !value.includes('\u0000')
  );
}

/**
 * Reads a token back into its position. Anything but a token this service issued (whose members
 * have exactly the kinds `members` says) is InvalidParameterException, never a value that would
 * reach SQL and fail there.
 */
export function decodePageToken<M extends Record<string, PositionMember>>(
  raw: string,
  members: M,
): Position<M> {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.entries(members).every(([k, kind]) =>
        isMember((parsed as Record<string, unknown>)[k], kind),
      )
    ) {
      return parsed as Position<M>;
    }
  } catch {
    // fall through: any token we did not issue is a client error
  }
  throw InvalidParameterException.constraint(
    'nextToken',
    'must be a token returned by a previous call',
  );
}
