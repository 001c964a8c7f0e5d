import { parseJsonBody } from './json-body';

describe('parseJsonBody', () => {
  const bytes = Buffer.from('layer bytes '.repeat(1000));
  const blob = bytes.toString('base64');

  it('cuts a base64 blob member out, decodes it, and parses the rest as JSON.parse would', () => {
    const text = JSON.stringify({
      repositoryName: 'a/b',
      partFirstByte: 0,
      layerPartBlob: blob,
      uploadId: 'u',
    });
    const { layerPartBlob, ...rest } = parseJsonBody(Buffer.from(text), 'layerPartBlob');
    expect(rest).toEqual({ repositoryName: 'a/b', partFirstByte: 0, uploadId: 'u' });
    expect(Buffer.isBuffer(layerPartBlob) && layerPartBlob.equals(bytes)).toBe(true);
  });

  it('decodes a blob of several decoding steps, padded or not', () => {
    for (const size of [3 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 2, 3 * 1024 * 1024]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7919) & 0xff;
      for (const encoded of [data.toString('base64'), data.toString('base64').replace(/=+$/, '')]) {
        const body = parseJsonBody(Buffer.from(`{"layerPartBlob":"${encoded}"}`), 'layerPartBlob');
        expect((body.layerPartBlob as Buffer).equals(data)).toBe(true);
      }
    }
  });

  it('accepts whitespace around the colon and the blob first', () => {
    const text = `{ "layerPartBlob" :\n "${blob}" , "repositoryName": "x" }`;
    const body = parseJsonBody(Buffer.from(text), 'layerPartBlob');
    expect(body.repositoryName).toBe('x');
    expect((body.layerPartBlob as Buffer).equals(bytes)).toBe(true);
  });

  it('falls back to the generic parse (a string for validation to decode) when the blob holds an escape', () => {
    const text = '{"layerPartBlob":"ab\\/cd","repositoryName":"x"}';
    expect(parseJsonBody(Buffer.from(text), 'layerPartBlob')).toEqual({
      layerPartBlob: 'ab/cd',
      repositoryName: 'x',
    });
  });

  it('is not fooled by the key text inside another string or a nested object', () => {
    const text = JSON.stringify({ repositoryName: '"layerPartBlob":"zz"', layerPartBlob: 'QUJD' });
    const body = parseJsonBody(Buffer.from(text), 'layerPartBlob');
    expect(body.repositoryName).toBe('"layerPartBlob":"zz"');
    expect(body.layerPartBlob).toEqual(Buffer.from('ABC'));
    const nested = JSON.stringify({ other: { layerPartBlob: 'QUJD' } });
    expect(parseJsonBody(Buffer.from(nested), 'layerPartBlob')).toEqual(JSON.parse(nested));
  });

  it('answers SerializationException for a blob that is not base64', () => {
    for (const bad of ['QU!D', 'QUJDR', 'QQ==QUJD', '@@@@']) {
      expect(() =>
        parseJsonBody(Buffer.from(`{"layerPartBlob":"${bad}"}`), 'layerPartBlob'),
      ).toThrow(expect.objectContaining({ name: 'SerializationException' }) as Error);
    }
  });

  it('keeps a non-string blob member for validation to refuse', () => {
    expect(parseJsonBody(Buffer.from('{"layerPartBlob": 42}'), 'layerPartBlob')).toEqual({
      layerPartBlob: 42,
    });
  });

  it('answers SerializationException for text that is not a JSON object', () => {
    for (const text of ['{"layerPartBlob":"QUJD"', '[1]', 'null', '"s"']) {
      expect(() => parseJsonBody(Buffer.from(text), 'layerPartBlob')).toThrow(
        expect.objectContaining({ name: 'SerializationException' }) as Error,
      );
    }
  });

  it('reads an empty body as {}', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
  });
});
