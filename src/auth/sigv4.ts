// SigV4 verification. The arithmetic (canonical request, signing key, HMACs) is
// `@smithy/signature-v4`'s, the library the AWS SDK signs with: Berth only reads what the client
// says it signed, recomputes it, and compares.

import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from './auth.errors';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNED_HEADERS = /^[a-z0-9!#$%&'*+.^_`|~-]+(;[a-z0-9!#$%&'*+.^_`|~-]+)*$/;
const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
// A week, the longest validity of a pre-signed request.
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const QUERY_AUTH_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
];

/** What verification needs of an HTTP request, free of any framework. */
export interface SignedRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** The decoded query parameters. */
  query: Record<string, string | string[]>;
  /** Lowercase names; repeated headers joined with ', ' (as Node does). */
  headers: Record<string, string | undefined>;
}

/** A signature as the client presented it, checked for form but not yet verified. */
export interface PresentedSignature {
  form: 'header' | 'query';
  accessKeyId: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `YYYYMMDDTHHMMSSZ`, as sent. */
  amzDate: string;
  signedAt: Date;
  /** Query form only: how long the pre-signed request is valid. */
  expiresSeconds?: number;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseAmzDate(value: string): Date {
  const m = AMZ_DATE.exec(value);
  const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
  // A date such as 20250231 parses, but does not print back the same: it is not a date.
  if (!date || formatAmzDate(date) !== value) {
    throw new IncompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${value.slice(0, 64)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  return date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** `<key>/<date>/<region>/<service>/aws4_request`, checked against the date and service. */
function parseCredential(
  credential: string,
  amzDate: string,
  service: string,
): { accessKeyId: string; region: string } {
  const parts = credential.split('/');
  if (parts.length !== 5) {
    throw new IncompleteSignatureException(
      `Credential should have 5 slash-separated parts (<access key id>/<date>/<region>/${service}/${TERMINATOR}), not ${parts.length}.`,
    );
  }
  const [accessKeyId, date, region, scopeService, terminator] = parts;
  if (!ACCESS_KEY_ID.test(accessKeyId)) throw new UnrecognizedClientException();
  if (terminator !== TERMINATOR) {
    throw new InvalidSignatureException(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator.slice(0, 64)}'.`,
    );
  }
  if (scopeService !== service) {
    throw new InvalidSignatureException(
      `Credential should be scoped to correct service: '${service}'.`,
    );
  }
  if (!REGION.test(region) || region.length > 64) {
    throw new InvalidSignatureException('Credential should be scoped to a valid region.');
  }
  if (date !== amzDate.slice(0, 8)) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date.slice(0, 16)}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  return { accessKeyId, region };
}

function parseSignedHeaders(value: string): string[] {
  if (!SIGNED_HEADERS.test(value)) {
    throw new IncompleteSignatureException(
      'SignedHeaders must be lowercase header names separated by semicolons.',
    );
  }
  const names = value.split(';');
  if (!names.includes('host')) {
    throw new IncompleteSignatureException(
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  return names;
}

function fromHeader(
  authorization: string,
  req: SignedRequest,
  service: string,
): PresentedSignature {
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm.startsWith('AWS4-') && algorithm !== ALGORITHM) {
    throw new IncompleteSignatureException(
      `Unsupported AWS 'algorithm': '${algorithm.slice(0, 64)}'.`,
    );
  }
  const params = new Map<string, string>();
  if (algorithm === ALGORITHM) {
    for (const part of authorization.slice(space + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  const amzDate = req.headers['x-amz-date'];
  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!amzDate) {
    missing.push(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (missing.length > 0) throw new IncompleteSignatureException(missing.join(' '));
  const signedAt = parseAmzDate(amzDate!);
  return {
    form: 'header',
    ...parseCredential(params.get('Credential')!, amzDate!, service),
    service,
    signedHeaders: parseSignedHeaders(params.get('SignedHeaders')!),
    signature: params.get('Signature')!,
    amzDate: amzDate!,
    signedAt,
  };
}

function fromQuery(req: SignedRequest, service: string): PresentedSignature {
  const get = (name: string): string | undefined => single(req.query[name]);
  const algorithm = get('X-Amz-Algorithm')!;
  if (algorithm !== ALGORITHM) {
    throw new IncompleteSignatureException(
      `Unsupported AWS 'algorithm': '${algorithm.slice(0, 64)}'.`,
    );
  }
  const missing = QUERY_AUTH_PARAMS.filter((name) => !get(name)).map(
    (name) => `AWS query-string parameters must include '${name}'.`,
  );
  if (missing.length > 0) throw new IncompleteSignatureException(missing.join(' '));
  const amzDate = get('X-Amz-Date')!;
  const signedAt = parseAmzDate(amzDate);
  const expires = get('X-Amz-Expires')!;
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_EXPIRES_SECONDS) {
    throw new IncompleteSignatureException(
      `X-Amz-Expires must be a number of seconds from 1 to ${MAX_EXPIRES_SECONDS}.`,
    );
  }
  return {
    form: 'query',
    ...parseCredential(get('X-Amz-Credential')!, amzDate, service),
    service,
    signedHeaders: parseSignedHeaders(get('X-Amz-SignedHeaders')!),
    signature: get('X-Amz-Signature')!,
    amzDate,
    signedAt,
    expiresSeconds: Number(expires),
  };
}

/**
 * Reads the signature of `req` (the Authorization header, or the query-string form) without
 * verifying it: `MissingAuthenticationTokenException` when there is none,
 * `IncompleteSignatureException` when it cannot be read, `InvalidSignatureException` when its
 * scope is not this service's.
 */
export function readSignature(req: SignedRequest, service: string): PresentedSignature {
  const authorization = req.headers.authorization;
  const inQuery = single(req.query['X-Amz-Algorithm']) !== undefined;
  if (authorization !== undefined && inQuery) {
    throw new IncompleteSignatureException(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
    );
  }
  // Temporary credentials are not something Berth issues, so no session token is valid.
  if (req.headers['x-amz-security-token'] || single(req.query['X-Amz-Security-Token'])) {
    throw new UnrecognizedClientException();
  }
  if (inQuery) return fromQuery(req, service);
  if (authorization === undefined || authorization.trim() === '') {
    throw new MissingAuthenticationTokenException();
  }
  return fromHeader(authorization.trim(), req, service);
}

function describeSkew(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min.` : `${seconds} sec.`;
}

/** Refuses a signature made too long ago, or too far in the future, in AWS's wording. */
export function checkSigningTime(sig: PresentedSignature, now: Date, skewSeconds: number): void {
  const skewMs = skewSeconds * 1000;
  const nowText = formatAmzDate(now);
  const lastValid = sig.signedAt.getTime() + (sig.expiresSeconds ?? 0) * 1000;
  if (lastValid < now.getTime() - skewMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${formatAmzDate(new Date(lastValid))} is now earlier than ${formatAmzDate(new Date(now.getTime() - skewMs))} (${nowText} - ${describeSkew(skewSeconds)})`,
    );
  }
  if (sig.signedAt.getTime() > now.getTime() + skewMs) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${sig.amzDate} is still later than ${formatAmzDate(new Date(now.getTime() + skewMs))} (${nowText} + ${describeSkew(skewSeconds)})`,
    );
  }
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Verifies `sig` over `req` and its raw `body` with the secret of its access key. A sent
 * `x-amz-content-sha256` must be the body's hash (botocore does not send it: then the body is
 * hashed here). Throws `InvalidSignatureException` on any difference.
 */
export async function verifySignature(
  req: SignedRequest,
  body: Buffer,
  sig: PresentedSignature,
  secretAccessKey: string,
  /** The body's hex SHA-256 when already known (hashed while it arrived). */
  bodySha256: string = sha256Hex(body),
): Promise<void> {
  const payloadHash = bodySha256;
  const sentHash = req.headers[PAYLOAD_HASH_HEADER];
  if (sentHash !== undefined && !constantTimeEqual(sentHash.trim().toLowerCase(), payloadHash)) {
    throw new InvalidSignatureException(
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const signed = new Set(sig.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of sig.signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  // The library takes the payload hash from this header when there is one: giving it the hash
  // computed above saves hashing a large body twice. Unless the client signed the header, it
  // stays out of the canonical headers.
  headers[PAYLOAD_HASH_HEADER] = payloadHash;
  const unsignableHeaders = signed.has(PAYLOAD_HASH_HEADER)
    ? undefined
    : new Set([PAYLOAD_HASH_HEADER]);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (sig.form === 'query' && QUERY_AUTH_PARAMS.includes(name)) continue;
    query[name] = value;
  }
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: req.headers.host ?? '',
    path: req.path,
    query,
    headers,
    body,
  });
  const signer = new SignatureV4({
    service: sig.service,
    region: sig.region,
    credentials: { accessKeyId: sig.accessKeyId, secretAccessKey },
    sha256: Sha256,
    // The client decided whether the payload hash is a signed header; never add it.
    applyChecksum: false,
    uriEscapePath: true,
  });
  const options = {
    signingDate: sig.signedAt,
    signingRegion: sig.region,
    signingService: sig.service,
    signableHeaders: signed,
    unsignableHeaders,
  };
  let expectedHeaders: string;
  let expectedSignature: string;
  if (sig.form === 'header') {
    const out = await signer.sign(request, options);
    const authorization = String(out.headers.authorization);
    expectedHeaders = /SignedHeaders=([^,]*)/.exec(authorization)?.[1] ?? '';
    expectedSignature = /Signature=([0-9a-f]*)/.exec(authorization)?.[1] ?? '';
  } else {
    const out = await signer.presign(request, {
      ...options,
      expiresIn: sig.expiresSeconds,
      // Every header stays a header: the client signed them where they are.
      unhoistableHeaders: new Set(Object.keys(headers)),
    });
    expectedHeaders = String(single(out.query?.['X-Amz-SignedHeaders'] ?? undefined));
    expectedSignature = String(single(out.query?.['X-Amz-Signature'] ?? undefined));
  }
  // A header the client listed but did not send drops out of the recomputed list.
  const headersMatch = expectedHeaders === sig.signedHeaders.join(';');
  const signatureMatches = constantTimeEqual(expectedSignature, sig.signature);
  if (!headersMatch || !signatureMatches) throw InvalidSignatureException.mismatch();
}
