import type { Request } from 'express';
import type { SignedRequest } from '../auth/sigv4';

/** What SigV4 verification reads of a request: method, path and query as sent, headers. */
export function signedRequestOf(req: Request): SignedRequest {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method, path: q < 0 ? url : url.slice(0, q), query, headers };
}
