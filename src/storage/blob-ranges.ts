/**
 * Where the bytes of a read lie in a stored object. Pure, shared by both drivers: an object is a
 * sequence of parts (`partSizes`), and the postgres driver further cuts each part into rows of
 * `chunkBytes` (the last row of a part may be shorter).
 */

/** Bytes `[from, to)` of part `partNo`. */
export interface PartSlice {
  partNo: number;
  from: number;
  to: number;
}

/** Bytes `[from, to)` of row `chunkNo` of part `partNo`, a row that holds `size` bytes. */
export interface ChunkSlice {
  partNo: number;
  chunkNo: number;
  size: number;
  from: number;
  to: number;
}

/** The pieces of parts that make up bytes `[start, end]` (inclusive) of the object, in order. */
export function partSlices(partSizes: readonly number[], start: number, end: number): PartSlice[] {
  const slices: PartSlice[] = [];
  let offset = 0;
  for (let partNo = 0; partNo < partSizes.length && offset <= end; partNo++) {
    const size = partSizes[partNo];
    const partStart = offset;
    offset += size;
    if (size === 0 || offset - 1 < start) continue;
    slices.push({
      partNo,
      from: Math.max(start, partStart) - partStart,
      to: Math.min(end, offset - 1) - partStart + 1,
    });
  }
  return slices;
}

/**
 * The rows that hold bytes `[start, end]` (inclusive) of the object, in storage order (part, then
 * row), each with the piece of it that is read. A generator: a read of a large object never lists
 * every row at once.
 */
export function* chunkSlices(
  partSizes: readonly number[],
  chunkBytes: number,
  start: number,
  end: number,
): Generator<ChunkSlice> {
  for (const part of partSlices(partSizes, start, end)) {
    const partSize = partSizes[part.partNo];
    const first = Math.floor(part.from / chunkBytes);
    const last = Math.floor((part.to - 1) / chunkBytes);
    for (let chunkNo = first; chunkNo <= last; chunkNo++) {
      const chunkStart = chunkNo * chunkBytes;
      const size = Math.min(chunkBytes, partSize - chunkStart);
      yield {
        partNo: part.partNo,
        chunkNo,
        size,
        from: Math.max(part.from - chunkStart, 0),
        to: Math.min(part.to - chunkStart, size),
      };
    }
  }
}
