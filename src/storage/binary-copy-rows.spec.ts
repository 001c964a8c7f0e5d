import fc from 'fast-check';
import { BINARY_COPY_SIGNATURE, BinaryCopyRows } from './binary-copy-rows';

/** The binary COPY output of rows of (int4, int4, bytea), as PostgreSQL writes it. */
function copyOutput(rows: { a: number; b: number; data: Buffer }[], extension = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(extension, 4);
  const parts = [BINARY_COPY_SIGNATURE, header, Buffer.alloc(extension, 7)];
  for (const row of rows) {
    const prefix = Buffer.alloc(2 + 8 + 8 + 4);
    let at = prefix.writeInt16BE(3, 0);
    at = prefix.writeInt32BE(4, at);
    at = prefix.writeInt32BE(row.a, at);
    at = prefix.writeInt32BE(4, at);
    at = prefix.writeInt32BE(row.b, at);
    prefix.writeInt32BE(row.data.length, at);
    parts.push(prefix, row.data);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

function parse(output: Buffer, cuts: number[]) {
  const rows: { a: number; b: number; length: number; data: Buffer[] }[] = [];
  const parser = new BinaryCopyRows(3, {
    row: (fields, length) =>
      rows.push({ a: fields[0].readInt32BE(0), b: fields[1].readInt32BE(0), length, data: [] }),
    data: (piece) => rows[rows.length - 1].data.push(Buffer.from(piece)),
  });
  let at = 0;
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    parser.write(output.subarray(at, cut));
    at = cut;
  }
  parser.write(output.subarray(at));
  parser.end();
  return { rows, count: parser.rows };
}

describe('BinaryCopyRows', () => {
  const rows = [
    { a: 0, b: 0, data: Buffer.from('hello') },
    { a: 0, b: 1, data: Buffer.alloc(0) },
    { a: 2, b: 9, data: Buffer.alloc(300, 1) },
  ];

  it('reads the rows, the last field in the pieces it arrived in, however the input is cut', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(fc.nat()), (extension, raw) => {
        const output = copyOutput(rows, extension);
        const { rows: got, count } = parse(
          output,
          raw.map((n) => n % (output.length + 1)),
        );
        expect(count).toBe(3);
        expect(
          got.map((r) => ({ a: r.a, b: r.b, length: r.length, data: Buffer.concat(r.data) })),
        ).toEqual(rows.map((r) => ({ ...r, length: r.data.length })));
      }),
    );
  });

  it('refuses another format, another row shape, a NULL and output cut short', () => {
    const parser = (): BinaryCopyRows => new BinaryCopyRows(3, { row: () => {}, data: () => {} });
    expect(() => parser().write(Buffer.alloc(19))).toThrow(/signature/);
    const two = new BinaryCopyRows(2, { row: () => {}, data: () => {} });
    expect(() => two.write(copyOutput(rows))).toThrow(/3 fields/);
    const withNull = copyOutput([rows[0]]);
    withNull.writeInt32BE(-1, 19 + 2 + 8 + 4 + 4);
    expect(() => parser().write(withNull)).toThrow(/NULL/);
    const full = copyOutput(rows);
    const short = parser();
    short.write(full.subarray(0, full.length - 2));
    expect(() => short.end()).toThrow(/ended early/);
    expect(() => parser().write(Buffer.concat([full, Buffer.from([0])]))).toThrow(/after the end/);
  });
});
