import { StreamedBlobDecoder } from './blob-stream';
import { SerializationException } from './ecr.errors';

/**
 * Parses an ECR request body. The blob member of an operation that has one (the 20 MiB
 * `layerPartBlob`) is found and decoded by the scanner, `StreamedBlobDecoder`, usually while the
 * body arrives: only the rest is parsed as JSON, since decoding 27 MB as UTF-8 and running
 * `JSON.parse` over it costs several times what the blob's base64 decoding does. Whenever the
 * scanner is not certain of the blob (escapes, the key twice, a body that is not one object),
 * the whole body is parsed by `JSON.parse`, and the blob, a string then, is decoded at validation
 * by the same strict decoder (`decodeBase64Strict`). Either way the outcome is what
 * `JSON.parse` and a strict base64 decoding make of the body (src/ecr/json-body.spec.ts proves it
 * over generated bodies).
 *
 * `scanned` is the scanner that followed the body as it arrived; without it, the body is scanned
 * here, in one piece.
 */
export function parseJsonBody(
  raw: Buffer,
  blobMember?: string,
  scanned?: StreamedBlobDecoder,
): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (blobMember) {
    let scanner = scanned;
    if (!scanner) {
      scanner = new StreamedBlobDecoder(
        blobMember,
        Buffer.allocUnsafe(Math.ceil((raw.length * 3) / 4)),
        () => undefined,
      );
      scanner.push(raw, 0, raw.length);
    }
    const blob = scanner.result();
    if (blob) {
      const body = parseAround(raw, blob.start, blob.end, blobMember);
      if (body) {
        body[blobMember] = blob.decoded;
        return body;
      }
    } else if (scanner.notBase64()) {
      throw new SerializationException(
        `Unexpected value at '${blobMember}': must be base64-encoded binary data`,
      );
    }
  }
  return parseWhole(raw);
}

function parseWhole(raw: Buffer): Record<string, unknown> {
  checkElementCount(raw);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SerializationException('The request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SerializationException('The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * Far more objects, lists and list elements than any ECR input has (100 image ids, 50 tags, a
 * manifest's descriptors), while 20 MB of `{},{},…` would make `JSON.parse` build hundreds of
 * megabytes of objects and hold the event loop for seconds.
 */
export const MAX_JSON_ELEMENTS = 200_000;
const ELEMENT_BYTES = [0x7b, 0x5b, 0x2c]; // { [ ,

function checkElementCount(raw: Buffer): void {
  if (raw.length < MAX_JSON_ELEMENTS) return;
  let count = 0;
  for (const byte of ELEMENT_BYTES) {
    for (let at = raw.indexOf(byte); at !== -1; at = raw.indexOf(byte, at + 1)) {
      if (++count > MAX_JSON_ELEMENTS) {
        throw new SerializationException(
          `The request body holds more than ${MAX_JSON_ELEMENTS} JSON objects, lists and list elements`,
        );
      }
    }
  }
}

/**
 * Parses the body without the characters `[start, end)`, the string of top-level `member`:
 * undefined unless that leaves a JSON object whose `member` is the empty string.
 */
function parseAround(
  raw: Buffer,
  start: number,
  end: number,
  member: string,
): Record<string, unknown> | undefined {
  const rest = Buffer.concat([raw.subarray(0, start), raw.subarray(end)]);
  checkElementCount(rest);
  let body: unknown;
  try {
    body = JSON.parse(rest.toString('utf8'));
  } catch {
    return undefined;
  }
  // The cut must have emptied exactly the top-level member, or it was not the member.
  if (
    body === null ||
    typeof body !== 'object' ||
    Array.isArray(body) ||
    (body as Record<string, unknown>)[member] !== ''
  ) {
    return undefined;
  }
  return body as Record<string, unknown>;
}
