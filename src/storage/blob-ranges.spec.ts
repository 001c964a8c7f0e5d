import fc from 'fast-check';
import { chunkSlices, partSlices } from './blob-ranges';

/** The object's bytes as (part, offset) pairs, the reference the slices are checked against. */
function bytesOf(partSizes: number[]): { partNo: number; offset: number }[] {
  return partSizes.flatMap((size, partNo) =>
    Array.from({ length: size }, (_, offset) => ({ partNo, offset })),
  );
}

describe('partSlices', () => {
  it('cuts a range that starts and ends inside parts', () => {
    expect(partSlices([10, 10, 10], 5, 24)).toEqual([
      { partNo: 0, from: 5, to: 10 },
      { partNo: 1, from: 0, to: 10 },
      { partNo: 2, from: 0, to: 5 },
    ]);
  });

  it('reads one part alone, and nothing for an empty range', () => {
    expect(partSlices([10, 10], 10, 19)).toEqual([{ partNo: 1, from: 0, to: 10 }]);
    expect(partSlices([10, 10], 0, -1)).toEqual([]);
  });

  it('covers exactly the bytes asked for, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        (sizes, a, b) => {
          const all = bytesOf(sizes);
          const start = a % all.length;
          const end = start + (b % (all.length - start));
          const got = partSlices(sizes, start, end).flatMap((s) =>
            Array.from({ length: s.to - s.from }, (_, i) => ({
              partNo: s.partNo,
              offset: s.from + i,
            })),
          );
          expect(got).toEqual(all.slice(start, end + 1));
        },
      ),
    );
  });
});

describe('chunkSlices', () => {
  it('names the rows of a range inside rows and across a part boundary', () => {
    expect([...chunkSlices([10, 7], 4, 5, 12)]).toEqual([
      { partNo: 0, chunkNo: 1, size: 4, from: 1, to: 4 },
      { partNo: 0, chunkNo: 2, size: 2, from: 0, to: 2 },
      { partNo: 1, chunkNo: 0, size: 4, from: 0, to: 3 },
    ]);
  });

  it('covers exactly the bytes asked for, each row with its stored size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.nat(),
        (sizes, chunkBytes, a, b) => {
          const all = bytesOf(sizes);
          const start = a % all.length;
          const end = start + (b % (all.length - start));
          const slices = [...chunkSlices(sizes, chunkBytes, start, end)];
          for (const s of slices) {
            expect(s.size).toBe(Math.min(chunkBytes, sizes[s.partNo] - s.chunkNo * chunkBytes));
            expect(s.from).toBeLessThan(s.to);
            expect(s.to).toBeLessThanOrEqual(s.size);
          }
          const got = slices.flatMap((s) =>
            Array.from({ length: s.to - s.from }, (_, i) => ({
              partNo: s.partNo,
              offset: s.chunkNo * chunkBytes + s.from + i,
            })),
          );
          expect(got).toEqual(all.slice(start, end + 1));
        },
      ),
    );
  });
});
