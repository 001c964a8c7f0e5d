import { timingSafeEqual } from 'node:crypto';

/** The algorithms a digest may name: those the OCI image spec registers. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A content digest such as `sha256:<64 hex>`, normalised to lowercase. */
export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lowercase hex of the hash. */
  readonly hex: string;
  /** `${algorithm}:${hex}`, the form to store and compare. */
  readonly digest: string;
}

// Only the algorithms registered by the OCI image spec; anything else cannot be verified.
const HEX_LENGTHS = { sha256: 64, sha512: 128 } as const;

const DIGEST_PATTERN = /^(sha256|sha512):([0-9a-f]+)$/;

/**
 * Parses `algorithm:hex`, or returns null when malformed. Clients send uppercase hex now and
 * then, so case is normalised rather than refused.
 */
export function parseDigest(value: string): ParsedDigest | null {
  const match = DIGEST_PATTERN.exec(value.toLowerCase());
  if (!match) return null;
  const algorithm = match[1] as keyof typeof HEX_LENGTHS;
  const hex = match[2];
  if (hex.length !== HEX_LENGTHS[algorithm]) return null;
  return { algorithm, hex, digest: `${algorithm}:${hex}` };
}

export function isSha256Digest(value: string): boolean {
  return parseDigest(value)?.algorithm === 'sha256';
}

/** `sha256:<hex>` for a raw 32-byte hash or a hex string. */
export function formatSha256Digest(hash: Uint8Array | string): string {
  const hex = typeof hash === 'string' ? hash.toLowerCase() : Buffer.from(hash).toString('hex');
  const parsed = parseDigest(`sha256:${hex}`);
  if (!parsed) throw new RangeError(`not a SHA-256 hash: ${hex}`);
  return parsed.digest;
}

/**
 * Whether two digests name the same content; malformed input is never equal. Constant time in the
 * hash bytes, so comparing a client-supplied digest with a computed one reveals nothing about how
 * much of it matched.
 */
export function digestsEqual(a: string, b: string): boolean {
  const pa = parseDigest(a);
  const pb = parseDigest(b);
  if (!pa || !pb || pa.algorithm !== pb.algorithm) return false;
  // Same algorithm, so equal lengths, which timingSafeEqual requires.
  return timingSafeEqual(Buffer.from(pa.hex, 'hex'), Buffer.from(pb.hex, 'hex'));
}
