import type { StreamedBlob } from './blob-stream';
import { SerializationException } from './ecr.errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Characters of base64 decoded per step: a multiple of 4. Each step makes a string of this
 * size; at 64 KiB it is a short-lived young-generation string, where 1 MiB steps (large-object
 * strings) took several times as long per byte.
 */
const DECODE_STEP = 64 * 1024;

/**
 * Parses an ECR request body. For a member that carries a large base64 blob (the 20 MiB
 * `layerPartBlob`), the blob's characters are cut out of the raw bytes and only the rest is
 * parsed as JSON: decoding 27 MB as UTF-8 and running `JSON.parse` over it costs several times
 * what the blob's base64 decoding does. The blob is then decoded in place, step by step, into the
 * raw buffer itself (decoded bytes are fewer than their characters, so the writing never
 * overtakes the reading): a part costs its body's memory and no more. Whenever the cut is not
 * certain (escapes inside the string, the key text appearing elsewhere), the whole body is
 * parsed the ordinary way. The raw body must not be read again afterwards.
 */
export function parseJsonBody(
  raw: Buffer,
  blobMember?: string,
  /** The blob member, already found and decoded while the body arrived (raw is intact). */
  streamed?: StreamedBlob,
): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (blobMember && streamed) {
    const body = parseAround(raw, streamed.start, streamed.end, blobMember);
    if (body) {
      body[blobMember] = streamed.decoded;
      return body;
    }
  }
  if (blobMember) {
    const fast = spliceBlob(raw, blobMember);
    if (fast) return fast;
  }
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

function spliceBlob(raw: Buffer, member: string): Record<string, unknown> | undefined {
  const key = raw.indexOf(`"${member}"`, 0, 'latin1');
  if (key < 0 || raw.indexOf(`"${member}"`, key + 1, 'latin1') >= 0) return undefined;
  let i = key + member.length + 2;
  while (isJsonSpace(raw[i])) i++;
  if (raw[i] !== 0x3a) return undefined; // ':'
  i++;
  while (isJsonSpace(raw[i])) i++;
  if (raw[i] !== QUOTE) return undefined;
  const start = i + 1;
  const end = raw.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  // base64 never needs escapes; one in there (e.g. "\\/") means the generic path.
  const escape = raw.indexOf(BACKSLASH, start);
  if (escape !== -1 && escape < end) return undefined;
  const body = parseAround(raw, start, end, member);
  if (body) body[member] = decodeInPlace(raw, start, end, member);
  return body;
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

function decodeInPlace(raw: Buffer, start: number, end: number, member: string): Buffer {
  let written = 0;
  for (let at = start; at < end; at += DECODE_STEP) {
    const stop = Math.min(at + DECODE_STEP, end);
    const text = raw.toString('latin1', at, stop);
    let chars = text.length;
    if (stop === end && chars % 4 === 1) chars = -1;
    if (stop === end) {
      if (text.endsWith('==')) chars -= 2;
      else if (text.endsWith('=')) chars -= 1;
    }
    const n = raw.write(text, start + written, 'base64');
    // Node's decoder skips what is not base64; fewer bytes than the characters promise means
    // the text was not base64. The buffer is overwritten already: refuse, never fall back.
    if (chars < 0 || n !== Math.floor((chars * 3) / 4) || (stop !== end && text.includes('='))) {
      throw new SerializationException(
        `Unexpected value at '${member}': must be base64-encoded binary data`,
      );
    }
    written += n;
  }
  return raw.subarray(start, start + written);
}
