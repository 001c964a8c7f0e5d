import { parseJsonBody } from './json-body';

describe('parseJsonBody', () => {
  const blob = Buffer.from('layer bytes '.repeat(1000)).toString('base64');

  it('cuts a base64 blob member out and parses the rest, as JSON.parse would', () => {
    const text = JSON.stringify({
      repositoryName: 'a/b',
      partFirstByte: 0,
      layerPartBlob: blob,
      uploadId: 'u',
    });
    expect(parseJsonBody(Buffer.from(text), 'layerPartBlob')).toEqual(JSON.parse(text));
  });

  it('accepts whitespace around the colon and the blob first or last', () => {
    const text = `{ "layerPartBlob" :\n "${blob}" , "repositoryName": "x" }`;
    expect(parseJsonBody(Buffer.from(text), 'layerPartBlob')).toEqual({
      layerPartBlob: blob,
      repositoryName: 'x',
    });
  });

  it('falls back to the generic parse when the blob holds an escape', () => {
    const text = '{"layerPartBlob":"ab\\/cd","repositoryName":"x"}';
    expect(parseJsonBody(Buffer.from(text), 'layerPartBlob')).toEqual({
      layerPartBlob: 'ab/cd',
      repositoryName: 'x',
    });
  });

  it('is not fooled by the key text inside another string', () => {
    const text = JSON.stringify({ repositoryName: '"layerPartBlob":"zz"', layerPartBlob: 'QUJD' });
    expect(parseJsonBody(Buffer.from(text), 'layerPartBlob')).toEqual(JSON.parse(text));
    const nested = JSON.stringify({ other: { layerPartBlob: 'QUJD' } });
    expect(parseJsonBody(Buffer.from(nested), 'layerPartBlob')).toEqual(JSON.parse(nested));
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
