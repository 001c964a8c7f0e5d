import fc from 'fast-check';
import { answerRange } from './http-range';

describe('answerRange', () => {
  it('answers the whole entity without a Range header', () => {
    expect(answerRange(undefined, 100)).toEqual({ status: 200, start: 0, end: 99 });
    expect(answerRange(undefined, 0)).toEqual({ status: 200, start: 0, end: -1 });
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=10-19', 10, 19],
    ['bytes=10-', 10, 99],
    ['bytes=90-1000', 90, 99],
    ['bytes=99-99', 99, 99],
    ['bytes=-10', 90, 99],
    ['bytes=-1000', 0, 99],
    [' bytes=5-6 ', 5, 6],
  ])('serves %j of 100 bytes as bytes %i-%i', (header, start, end) => {
    expect(answerRange(header, 100)).toEqual({
      status: 206,
      start,
      end,
      contentRange: `bytes ${start}-${end}/100`,
    });
  });

  it.each([
    'bytes=100-',
    'bytes=100-200',
    'bytes=20-10',
    'bytes=-0',
    'bytes=-',
    'bytes=0-1,5-6',
    'bytes=a-b',
    'bytes=1.5-2',
    'items=0-1',
    'bytes 0-1',
    '',
    'bytes=99999999999999999999-',
  ])('answers %j of 100 bytes with 416 and the entity size', (header) => {
    expect(answerRange(header, 100)).toEqual({ status: 416, contentRange: 'bytes */100' });
  });

  it('has nothing to serve of an empty entity', () => {
    expect(answerRange('bytes=0-', 0).status).toBe(416);
    expect(answerRange('bytes=-5', 0).status).toBe(416);
  });

  it('serves bytes first..min(last, size-1) whenever first lies inside the entity', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (size, first, length) => {
        const last = first + length;
        const answer = answerRange(`bytes=${first}-${last}`, size);
        if (first >= size) {
          expect(answer).toEqual({ status: 416, contentRange: `bytes */${size}` });
        } else {
          const end = Math.min(last, size - 1);
          expect(answer).toEqual({
            status: 206,
            start: first,
            end,
            contentRange: `bytes ${first}-${end}/${size}`,
          });
        }
      }),
    );
  });

  it('serves the last n bytes (all of them when n exceeds the size) for a suffix range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 2e9 }), (size, n) => {
        const answer = answerRange(`bytes=-${n}`, size);
        const start = Math.max(size - n, 0);
        expect(answer).toEqual({
          status: 206,
          start,
          end: size - 1,
          contentRange: `bytes ${start}-${size - 1}/${size}`,
        });
      }),
    );
  });
});
