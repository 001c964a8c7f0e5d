const EQUALS = 0x3d;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The 6-bit value of each base64 character, -1 for anything else. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * Berth's one base64 decoder, for every `blob` member however it arrives (streamed in steps, or
 * as a string JSON.parse made). It accepts exactly canonical base64 (RFC 4648, section 4: the
 * standard alphabet, zero bits after the last byte), with or without the padding of the last
 * group, and refuses everything else: whitespace, the URL-safe alphabet, `=` anywhere but at the
 * end, a lone last character, and non-zero trailing bits. Refused means: the text is not what
 * `Buffer.from(bytes).toString('base64')` (padding dropped or not) makes of any bytes.
 *
 * It decodes `text` into `out` at `offset` and returns the bytes written, or -1 when the text is
 * refused. Unless `final`, the text must be whole 4-character groups with no padding: a step of
 * a longer text, whose last group comes in a later call.
 *
 * Node's decoder does the work, without a regular expression over a 27 MB string: it skips or
 * stops at what is not in its alphabet, so a decoded length short of what the text's length
 * promises exposes such characters; the checks before it cover what Node accepts but canonical
 * base64 does not (`-`, `_`, `=` inside, trailing bits).
 */
export function decodeBase64Into(
  text: string,
  out: Buffer,
  offset: number,
  final: boolean,
): number {
  const length = text.length;
  let data = length;
  if (final && length % 4 === 0 && length > 0 && text.charCodeAt(length - 1) === EQUALS) {
    data -= text.charCodeAt(length - 2) === EQUALS ? 2 : 1;
  }
  const tail = data % 4;
  if (tail === 1 || (!final && tail !== 0)) return -1;
  const equals = text.indexOf('=');
  if ((equals !== -1 && equals < data) || text.includes('-') || text.includes('_')) return -1;
  // The bits of the last character that fall after the last byte must be zero.
  if (tail > 1) {
    const last = VALUE[text.charCodeAt(data - 1)] ?? -1;
    if (last < 0 || (last & (tail === 2 ? 0x0f : 0x03)) !== 0) return -1;
  }
  const expected = Math.floor((data * 3) / 4);
  if (out.length - offset < expected) return -1;
  const written = expected === 0 ? 0 : out.write(text, offset, expected, 'base64');
  return written === expected ? written : -1;
}

/** The bytes of canonical base64 `text` (see decodeBase64Into), or undefined when refused. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.floor((text.length * 3) / 4));
  const written = decodeBase64Into(text, out, 0, true);
  return written < 0 ? undefined : out.subarray(0, written);
}
