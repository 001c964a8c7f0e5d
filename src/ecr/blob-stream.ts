import { decodeBase64Into } from '../common/base64';

/** Where a body's blob member was, and its decoded bytes. */
export interface StreamedBlob {
  /** Offset in the raw body of the blob's first character (after the opening quote). */
  start: number;
  /** Offset in the raw body of the closing quote. */
  end: number;
  decoded: Buffer;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/**
 * Characters of base64 decoded per step (a multiple of 4). Each step makes a string of this
 * size; at 64 KiB it is a short-lived young-generation string, where 1 MiB steps (large-object
 * strings) took several times as long per byte.
 */
const STEP_CHARS = 64 * 1024;

type Phase =
  | 'start' // before the top-level '{'
  | 'key' // before a member's key, or '}'
  | 'inKey'
  | 'colon'
  | 'value'
  | 'inValue' // any value but the blob: a string, number, literal, object or array
  | 'blob'
  | 'afterValue' // before ',' or '}'
  | 'end' // after the top-level '}'
  | 'unsure';

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Follows a JSON request body while it arrives and decodes the base64 string of one top-level
 * member (`layerPartBlob`) into `out` as its characters come in, reporting the decoded bytes so
 * far after each step: a layer part can be stored while the rest of it is still on the wire.
 *
 * It reads the raw bytes in place (they stay intact for the ordinary parse) and tracks only what
 * it must: strings, escapes, nesting, the top-level keys. Whenever it cannot be certain of the
 * blob (an escape in a key or in the blob, the member twice, a body that is not one object), it
 * stops and `result()` is undefined: the ordinary parse then decides, with the ordinary errors.
 * A blob that is certain but not canonical base64 (see decodeBase64Into) stops the decoding
 * only: `result()` is undefined too, and `notBase64()` says that the body is to be refused.
 */
export class StreamedBlobDecoder {
  private phase: Phase = 'start';
  private readonly memberBytes: Buffer;
  private keyStart = 0;
  private keyEscaped = false;
  private isMember = false;
  private seenMember = false;
  // inside a value other than the blob
  private depth = 0;
  private inString = false;
  private escaped = false;
  // the blob
  private blobStart = -1;
  private blobEnd = -1;
  /** Raw offset of the first blob character not yet decoded. */
  private pending = -1;
  private decodedBytes = 0;
  /** The blob's text was found not to be canonical base64: nothing more is decoded. */
  private badBase64 = false;
  private found?: StreamedBlob;

  constructor(
    member: string,
    private readonly out: Buffer,
    private readonly onProgress: (decoded: Buffer) => void,
  ) {
    this.memberBytes = Buffer.from(member, 'latin1');
  }

  /** Bytes `[from, to)` of `raw` have arrived (everything before them came in earlier calls). */
  push(raw: Buffer, from: number, to: number): void {
    for (let i = from; i < to && this.phase !== 'unsure'; i++) {
      const byte = raw[i];
      switch (this.phase) {
        case 'start':
          if (byte === 0x7b) this.phase = 'key';
          else if (!isSpace(byte)) this.giveUp();
          break;
        case 'key':
          if (byte === QUOTE) {
            this.phase = 'inKey';
            this.keyStart = i + 1;
            this.keyEscaped = false;
          } else if (byte === 0x7d) this.phase = 'end';
          else if (!isSpace(byte)) this.giveUp();
          break;
        case 'inKey':
          if (byte === BACKSLASH) this.keyEscaped = true;
          // An escaped quote would need the escape's own escaping followed: not worth it.
          if (byte === QUOTE) {
            if (this.keyEscaped) {
              this.giveUp();
              break;
            }
            this.isMember =
              i - this.keyStart === this.memberBytes.length &&
              raw.compare(this.memberBytes, 0, this.memberBytes.length, this.keyStart, i) === 0;
            if (this.isMember && this.seenMember) this.giveUp();
            else this.phase = 'colon';
          }
          break;
        case 'colon':
          if (byte === 0x3a) this.phase = 'value';
          else if (!isSpace(byte)) this.giveUp();
          break;
        case 'value':
          if (isSpace(byte)) break;
          if (this.isMember) {
            this.seenMember = true;
            if (byte !== QUOTE) {
              this.giveUp();
              break;
            }
            this.phase = 'blob';
            this.blobStart = this.pending = i + 1;
            break;
          }
          this.phase = 'inValue';
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          i = this.scanValue(raw, i, to) - 1;
          break;
        case 'inValue':
          i = this.scanValue(raw, i, to) - 1;
          break;
        case 'blob': {
          // Only within what has arrived: the buffer behind it holds an earlier body's bytes.
          const arrived = raw.subarray(i, to);
          const quote = arrived.indexOf(QUOTE);
          const stop = quote === -1 ? to : i + quote;
          const escape = arrived.indexOf(BACKSLASH);
          if (escape !== -1 && i + escape < stop) {
            this.giveUp();
            break;
          }
          if (stop === to) {
            this.decode(raw, to - 4, false);
            i = to - 1;
          } else {
            this.blobEnd = stop;
            this.phase = 'afterValue';
            this.decode(raw, stop, true);
            i = stop;
          }
          break;
        }
        case 'afterValue':
          if (byte === 0x2c) this.phase = 'key';
          else if (byte === 0x7d) this.phase = 'end';
          else if (!isSpace(byte)) this.giveUp();
          break;
        case 'end':
          if (!isSpace(byte)) this.giveUp();
          break;
      }
    }
  }

  /** The blob, when the whole body was one object with the blob member exactly once. */
  result(): StreamedBlob | undefined {
    if (this.phase !== 'end' || this.blobEnd < 0 || this.badBase64) return undefined;
    // The same object every time: callers tell the streamed blob by its identity.
    this.found ??= {
      start: this.blobStart,
      end: this.blobEnd,
      decoded: this.out.subarray(0, this.decodedBytes),
    };
    return this.found;
  }

  /**
   * The whole body was one object with the blob member exactly once, as a string without escapes
   * that is not canonical base64: its JSON value is its raw text, which the strict decoder
   * refuses, so the body is refused without parsing it.
   */
  notBase64(): boolean {
    return this.phase === 'end' && this.blobEnd >= 0 && this.badBase64;
  }

  private giveUp(): void {
    this.phase = 'unsure';
  }

  /**
   * Scans a value other than the blob from `from`; returns where it stopped: at `to` (the value
   * goes on), or at the byte after the value (the phase is then `afterValue`).
   */
  private scanValue(raw: Buffer, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const byte = raw[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) {
          this.inString = false;
          if (this.depth === 0) {
            this.phase = 'afterValue';
            return i + 1;
          }
        }
        continue;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === 0x7b || byte === 0x5b) this.depth++;
      else if (byte === 0x7d || byte === 0x5d) {
        if (this.depth === 0) {
          // The end of the top-level object, right after a number or literal.
          this.phase = 'afterValue';
          return i;
        }
        this.depth--;
        if (this.depth === 0) {
          this.phase = 'afterValue';
          return i + 1;
        }
      } else if (this.depth === 0 && (byte === 0x2c || isSpace(byte))) {
        this.phase = 'afterValue';
        return i;
      }
    }
    return to;
  }

  /**
   * Decodes the blob's characters from `pending` up to `until` (exclusive), in whole quads; the
   * last call (`final`) also decodes a padded or unpadded last quad.
   */
  private decode(raw: Buffer, until: number, final: boolean): void {
    while (this.phase !== 'unsure' && !this.badBase64) {
      let stop = Math.min(until, this.pending + STEP_CHARS);
      const lastStep = final && stop === until;
      if (!lastStep) stop = this.pending + Math.floor((stop - this.pending) / 4) * 4;
      if (stop <= this.pending && !lastStep) return;
      const text = raw.toString('latin1', this.pending, stop);
      const n = decodeBase64Into(text, this.out, this.decodedBytes, lastStep);
      if (n < 0) {
        this.badBase64 = true;
        return;
      }
      this.decodedBytes += n;
      this.pending = stop;
      this.onProgress(this.out.subarray(0, this.decodedBytes));
      if (lastStep) return;
    }
  }
}
