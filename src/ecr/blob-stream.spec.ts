import { StreamedBlobDecoder } from './blob-stream';

/** Feeds `text` in pieces of the given sizes (cycling), as a body arriving in chunks would. */
function scan(text: string, pieces: number[] = [text.length]) {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(raw.length);
  const progress: number[] = [];
  const decoder = new StreamedBlobDecoder('layerPartBlob', out, (d) => progress.push(d.length));
  for (let at = 0, k = 0; at < raw.length; k++) {
    const next = Math.min(raw.length, at + Math.max(1, pieces[k % pieces.length]));
    decoder.push(raw, at, next);
    at = next;
  }
  return { raw, result: decoder.result(), progress };
}

function pseudoRandom(length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 7919 + (i >> 7)) & 0xff;
  return data;
}

describe('StreamedBlobDecoder', () => {
  const data = pseudoRandom(300_001);
  const blob = data.toString('base64');
  const body = JSON.stringify({
    layerPartBlob: blob,
    partFirstByte: 0,
    partLastByte: data.length - 1,
    repositoryName: 'a/b',
    uploadId: 'u',
  });

  it.each([
    ['in one piece', [body.length]],
    ['in 64 KiB pieces', [65536]],
    ['in odd pieces', [1, 7, 3, 1000, 13, 4096, 2]],
  ])('decodes the blob as it arrives, %s', (_name, pieces) => {
    const { raw, result, progress } = scan(body, pieces);
    expect(result).toBeDefined();
    expect(result!.decoded.equals(data)).toBe(true);
    expect(raw.toString('latin1', result!.start, result!.end)).toBe(blob);
    expect(progress[progress.length - 1]).toBe(data.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('finds the blob anywhere among other members, nested values and whitespace', () => {
    const text = `{ "a" : {"x":[1,{"layerPartBlob":"q"}],"s":"\\"}"}, "n": -1.5e3 ,"t":true,\n "layerPartBlob" :\t"${blob}" , "z":null }  `;
    for (const pieces of [[text.length], [5, 1, 3]]) {
      const { result } = scan(text, pieces);
      expect(result!.decoded.equals(data)).toBe(true);
    }
  });

  it('decodes padded, unpadded and empty blobs', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 65536 * 3 + 1]) {
      const bytes = pseudoRandom(length);
      for (const encoded of [
        bytes.toString('base64'),
        bytes.toString('base64').replace(/=+$/, ''),
      ]) {
        const { result } = scan(`{"layerPartBlob":"${encoded}"}`, [3, 65536]);
        expect(result!.decoded.equals(bytes)).toBe(true);
      }
    }
  });

  it.each([
    ['an escape in the blob', `{"layerPartBlob":"ab\\/cd"}`],
    ['an escape in a key', `{"layerPart\\u0042lob":"abcd"}`],
    ['the member twice', `{"layerPartBlob":"abcd","layerPartBlob":"abcd"}`],
    ['a blob that is not a string', `{"layerPartBlob":42}`],
    ['a body that is not an object', `["layerPartBlob","abcd"]`],
    ['bytes after the object', `{"layerPartBlob":"abcd"} x`],
    ['a body cut short', `{"layerPartBlob":"abcd"`],
    ['characters that are not base64', `{"layerPartBlob":"ab*d"}`],
    ['padding before the end', `{"layerPartBlob":"ab==abcd"}`],
    ['a lone last character', `{"layerPartBlob":"abcde"}`],
    ['no blob member', `{"repositoryName":"x"}`],
  ])('gives up on %s, leaving the body to the ordinary parse', (_name, text) => {
    expect(scan(text).result).toBeUndefined();
    expect(scan(text, [1]).result).toBeUndefined();
  });

  it('looks only at bytes that have arrived, never at stale bytes behind them', () => {
    const text = `{"layerPartBlob":"${Buffer.from('hello world!').toString('base64')}"}`;
    const raw = Buffer.alloc(text.length, '"\\');
    const out = Buffer.alloc(text.length);
    const decoder = new StreamedBlobDecoder('layerPartBlob', out, () => undefined);
    for (let at = 0; at < text.length; at += 5) {
      const next = Math.min(text.length, at + 5);
      raw.write(text.slice(at, next), at, 'latin1');
      decoder.push(raw, at, next);
    }
    expect(decoder.result()!.decoded.toString()).toBe('hello world!');
  });
});
