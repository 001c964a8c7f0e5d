import { InvalidParameterException } from './errors/registry-exception';

/**
 * Opaque `nextToken`s: the keyset position after the last item of a page, so pages stay correct
 * while items are added or removed between calls, on any instance.
 */
export function encodePageToken(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodePageToken<K extends string>(
  raw: string,
  keys: readonly K[],
): Record<K, string | number> {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (
      parsed &&
      typeof parsed === 'object' &&
      keys.every((k) =>
        ['string', 'number'].includes(typeof (parsed as Record<string, unknown>)[k]),
      )
    ) {
      return parsed as Record<K, string | number>;
    }
  } catch {
    // fall through: any token we did not issue is a client error
  }
  throw InvalidParameterException.constraint(
    'nextToken',
    'must be a token returned by a previous call',
  );
}
