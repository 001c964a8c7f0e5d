import { parseDigest, type ParsedDigest } from '../crypto/digest';

// The grammar of the OCI Distribution Specification v1.1 ("Pulling manifests" and the
// image-spec's descriptor digests).

/** `<name>`: path components of lowercase alphanumerics joined by `.`, `_`, `__` or dashes. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** Clients and registries agree that a name stays under 256 characters. */
export const MAX_NAME_LENGTH = 255;
/** A tag: up to 128 characters of `[a-zA-Z0-9_.-]`, not starting with `.` or `-`. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** `algorithm:encoded`, as the image spec writes a digest. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function isTag(reference: string): boolean {
  return TAG.test(reference);
}

export function looksLikeDigest(reference: string): boolean {
  return DIGEST.test(reference);
}

/**
 * A digest Berth can verify (sha256 or sha512, the algorithms the image spec registers, hex in
 * either case), or null: a malformed digest, or one of an algorithm it cannot compute.
 */
export function parseOciDigest(value: string): ParsedDigest | null {
  return looksLikeDigest(value) ? parseDigest(value) : null;
}

export type Reference = { tag: string } | { digest: ParsedDigest };

/** A manifest `<reference>`: a digest when it has the digest form, else a tag; null if neither. */
export function parseReference(reference: string): Reference | null {
  if (reference.includes(':')) {
    const digest = parseOciDigest(reference);
    return digest ? { digest } : null;
  }
  return isTag(reference) ? { tag: reference } : null;
}
