/**
 * A reader of PostgreSQL's binary COPY output (`COPY ... TO STDOUT (FORMAT binary)`) for rows
 * whose last field is large: the other fields are collected whole (they are small), the last is
 * handed on in the pieces it arrives in, as views of the input (nothing is copied), so a row of
 * any size never has to be held in memory.
 *
 * The format (PostgreSQL docs, "COPY", Binary Format): an 11-byte signature, a 32-bit flags
 * field, a 32-bit header extension length and that many bytes; then per row a 16-bit field count
 * and each field as a 32-bit length (-1 for NULL) and its bytes; then a field count of -1.
 */
export interface BinaryCopyHandlers {
  /** A row starts: its fields but the last, and the length of the last (which follows). */
  row(fields: Buffer[], lastLength: number): void;
  /** The next piece of the current row's last field. */
  data(piece: Buffer): void;
}

export const BINARY_COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_FIXED = BINARY_COPY_SIGNATURE.length + 8;

type State = 'header' | 'extension' | 'fieldCount' | 'fieldLength' | 'field' | 'last' | 'done';

export class BinaryCopyRows {
  private state: State = 'header';
  /** Bytes of a fixed-size item (header, count, length, small field) that arrived split. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes still to come of the header extension, the current field or the last field. */
  private remaining = 0;
  private fields: Buffer[] = [];
  /** Rows read completely. */
  rows = 0;

  constructor(
    private readonly fieldCount: number,
    private readonly handlers: BinaryCopyHandlers,
  ) {
    if (fieldCount < 1) throw new Error('a row has at least one field');
  }

  /** Reads the next bytes of the output; throws on anything that is not the expected format. */
  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'header': {
          const header = this.take(chunk, at, HEADER_FIXED);
          at = header.at;
          if (!header.bytes) break;
          if (
            !header.bytes.subarray(0, BINARY_COPY_SIGNATURE.length).equals(BINARY_COPY_SIGNATURE)
          ) {
            throw new Error('not the binary COPY format: the signature does not match');
          }
          this.remaining = header.bytes.readUInt32BE(HEADER_FIXED - 4);
          this.state = 'extension';
          break;
        }
        case 'extension': {
          const n = Math.min(this.remaining, chunk.length - at);
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'fieldCount';
          break;
        }
        case 'fieldCount': {
          const count = this.take(chunk, at, 2);
          at = count.at;
          if (!count.bytes) break;
          const n = count.bytes.readInt16BE(0);
          if (n === -1) {
            this.state = 'done';
          } else if (n !== this.fieldCount) {
            throw new Error(`a row of ${n} fields, where ${this.fieldCount} were expected`);
          } else {
            this.fields = [];
            this.state = 'fieldLength';
          }
          break;
        }
        case 'fieldLength': {
          const length = this.take(chunk, at, 4);
          at = length.at;
          if (!length.bytes) break;
          const n = length.bytes.readInt32BE(0);
          if (n < 0) throw new Error('a NULL field, where a value was expected');
          this.remaining = n;
          if (this.fields.length === this.fieldCount - 1) {
            this.state = 'last';
            this.handlers.row(this.fields, n);
            if (n === 0) this.endRow();
          } else {
            this.state = 'field';
            if (n === 0) this.endField(Buffer.alloc(0));
          }
          break;
        }
        case 'field': {
          const field = this.take(chunk, at, this.remaining);
          at = field.at;
          if (field.bytes) this.endField(field.bytes);
          break;
        }
        case 'last': {
          const n = Math.min(this.remaining, chunk.length - at);
          this.handlers.data(chunk.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.endRow();
          break;
        }
        case 'done':
          throw new Error('bytes after the end of the binary COPY output');
      }
    }
  }

  /** The output has ended: throws unless it ended where the format says it does. */
  end(): void {
    if (this.state !== 'done') throw new Error('the binary COPY output ended early');
  }

  private endField(bytes: Buffer): void {
    this.fields.push(bytes);
    this.state = 'fieldLength';
  }

  private endRow(): void {
    this.rows++;
    this.state = 'fieldCount';
  }

  /**
   * `size` bytes from `chunk` at `at`, joined to what an earlier chunk left, or none yet (what
   * there is is kept for the next chunk).
   */
  private take(chunk: Buffer, at: number, size: number): { bytes?: Buffer; at: number } {
    const wanted = size - this.pendingBytes;
    if (this.pendingBytes === 0 && chunk.length - at >= size) {
      return { bytes: chunk.subarray(at, at + size), at: at + size };
    }
    const n = Math.min(wanted, chunk.length - at);
    this.pending.push(chunk.subarray(at, at + n));
    this.pendingBytes += n;
    if (this.pendingBytes < size) return { at: at + n };
    const bytes = Buffer.concat(this.pending, size);
    this.pending = [];
    this.pendingBytes = 0;
    return { bytes, at: at + n };
  }
}
