/**
 * What a GET of a `size`-byte entity answers for its `Range` header: the whole entity (200), one
 * byte range of it (206), or 416 when the header asks for nothing that can be served. Pure, so
 * that every door serving blobs (the download endpoint, later /v2) answers ranges alike.
 *
 * One range only: `bytes=<first>-<last>` (the last byte clamped to the end), `bytes=<first>-`
 * and `bytes=-<suffix length>`. Anything else, a list of ranges included, is answered 416 rather
 * than silently served whole, so a client that asked for a part never mistakes the whole entity
 * for it.
 */
export type RangeAnswer =
  | { status: 200; start: number; end: number }
  | { status: 206; start: number; end: number; contentRange: string }
  | { status: 416; contentRange: string };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function answerRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { status: 200, start: 0, end: size - 1 };
  const match = SINGLE_RANGE.exec(header.trim());
  const [first, last] = match ? [match[1], match[2]] : ['', ''];
  let start = 0;
  let end = size - 1;
  if (first !== '') {
    start = Number(first);
    if (last !== '') end = Math.min(Number(last), size - 1);
  } else if (last !== '') {
    start = Math.max(size - Number(last), 0);
  }
  if (!match || (first === '' && last === '') || start > end || start >= size) {
    return { status: 416, contentRange: `bytes */${size}` };
  }
  return { status: 206, start, end, contentRange: `bytes ${start}-${end}/${size}` };
}
