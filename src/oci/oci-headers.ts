// The headers of the /v2 door, as the OCI Distribution Specification v1.1 writes them (and
// docker's registry v2 where the spec leaves them open).

export const API_VERSION_HEADER = 'Docker-Distribution-Api-Version';
export const API_VERSION = 'registry/2.0';
export const CONTENT_DIGEST_HEADER = 'Docker-Content-Digest';
export const UPLOAD_UUID_HEADER = 'Docker-Upload-UUID';
export const SUBJECT_HEADER = 'OCI-Subject';
export const FILTERS_APPLIED_HEADER = 'OCI-Filters-Applied';

/** Relative locations: the spec allows them, and they survive any proxy in front of Berth. */
export function uploadLocation(name: string, uploadId: string): string {
  return `/v2/${name}/blobs/uploads/${uploadId}`;
}

export function blobLocation(name: string, digest: string): string {
  return `/v2/${name}/blobs/${digest}`;
}

export function manifestLocation(name: string, digest: string): string {
  return `/v2/${name}/manifests/${digest}`;
}

/**
 * The `Range` of an upload that holds `bytesReceived` bytes: `0-<last byte>`. An empty upload
 * answers `0-0`, as CNCF distribution does (docker resumes from the end it reads there).
 */
export function uploadRange(bytesReceived: number): string {
  return `0-${Math.max(bytesReceived - 1, 0)}`;
}

/**
 * A chunk's `Content-Range`: `<start>-<end>`, inclusive, as the spec's `^[0-9]+-[0-9]+$`. The
 * HTTP form `bytes <start>-<end>/<total>` some clients send is read too. Null when malformed.
 */
export function parseContentRange(value: string): { start: number; end: number } | null {
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(value.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return end >= start ? { start, end } : null;
}

/** The `Link` of the next page of a listing, as RFC 5988 writes it. */
export function nextLink(path: string, n: number, last: string): string {
  const query = new URLSearchParams({ n: String(n), last });
  return `<${path}?${query.toString()}>; rel="next"`;
}

/**
 * The page size `n` of a listing: undefined when absent, null when not a non-negative integer.
 * Larger pages than `max` are cut to `max`, with a `Link` to the rest.
 */
export function parsePageSize(value: unknown, max: number): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return null;
  return Math.min(Number(value), max);
}
