import { copyRowsStatement } from './postgres-blob.store';

describe('copyRowsStatement', () => {
  const key = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('selects the rows between two (part, row) pairs in storage order, in binary', () => {
    expect(copyRowsStatement(key, { partNo: 0, chunkNo: 7 }, { partNo: 2, chunkNo: 1 })).toBe(
      `COPY (SELECT part_no, chunk_no, data FROM blob_chunks WHERE storage_key = '${key}'` +
        ' AND (part_no, chunk_no) >= (0, 7) AND (part_no, chunk_no) <= (2, 1)' +
        ' ORDER BY part_no, chunk_no) TO STDOUT (FORMAT binary)',
    );
  });

  it('refuses a key that is not a uuid and row numbers that are not non-negative integers', () => {
    const at = { partNo: 0, chunkNo: 0 };
    expect(() => copyRowsStatement("x' OR '1'='1", at, at)).toThrow(/not a uuid/);
    expect(() => copyRowsStatement(key, { partNo: -1, chunkNo: 0 }, at)).toThrow(/integers/);
    expect(() => copyRowsStatement(key, at, { partNo: 0, chunkNo: 1.5 })).toThrow(/integers/);
  });
});
