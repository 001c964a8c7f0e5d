import type { Request } from 'express';
import type { ParsedDigest } from '../crypto/digest';
import { OciError } from './oci-errors';
import { parseOciDigest } from './oci-grammar';
import { parsePageSize } from './oci-headers';

/** The largest page of tags or repositories; a larger `n` is cut to it, with a `Link`. */
export const MAX_PAGE = 1000;

/** A query parameter given once as a string; undefined when absent. */
export function query(req: Request, key: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** A blob digest Berth can verify (sha256 or sha512); DIGEST_INVALID otherwise. */
export function blobDigest(value: string): ParsedDigest {
  const digest = parseOciDigest(value);
  if (!digest) throw new OciError('DIGEST_INVALID', `Invalid digest '${value.slice(0, 200)}'`);
  return digest;
}

/** The page size `n` of a listing, undefined when absent. */
export function pageSize(req: Request): number | undefined {
  const n = parsePageSize((req.query as Record<string, unknown>).n, MAX_PAGE);
  if (n === null) {
    throw new OciError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer');
  }
  return n;
}
