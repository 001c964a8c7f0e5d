import fc from 'fast-check';
import { decodeBase64Strict } from '../common/base64';
import { StreamedBlobDecoder } from './blob-stream';
import { SerializationException } from './ecr.errors';
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

/** Decoded bytes as a value that compares fast (Jest walks a Buffer element by element). */
const bytesOf = (bytes: Buffer): { bytes: string } => ({ bytes: bytes.toString('hex') });

/**
 * The reference: what `JSON.parse` and a strict base64 decoding make of a body. A blob member
 * holding a string is kept only when the string is canonical base64, that is, exactly what Node
 * writes for some bytes (`toString('base64')`), with or without the padding of its last group.
 */
function reference(text: string, member: string): { refused: true } | { value: unknown } {
  // An empty body is an input without members, as in AWS's JSON protocols.
  if (text === '') return { value: {} };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { refused: true };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { refused: true };
  const members = body as Record<string, unknown>;
  const blob = members[member];
  if (typeof blob === 'string') {
    const canonical = Buffer.from(blob, 'base64').toString('base64');
    if (blob !== canonical && blob !== canonical.replace(/=+$/, '')) return { refused: true };
    members[member] = bytesOf(Buffer.from(blob, 'base64'));
  }
  return { value: members };
}

/** Berth's path: the scanner fed in `pieces` (or none: parsed in one go), then validation's decoding. */
function berth(
  text: string,
  member: string,
  pieces?: number[],
): { refused: true } | { value: unknown } {
  const raw = Buffer.from(text, 'utf8');
  let scanner: StreamedBlobDecoder | undefined;
  if (pieces) {
    scanner = new StreamedBlobDecoder(
      member,
      Buffer.alloc(Math.ceil((raw.length * 3) / 4)),
      () => undefined,
    );
    for (let at = 0, k = 0; at < raw.length; k++) {
      const next = Math.min(raw.length, at + pieces[k % pieces.length]);
      scanner.push(raw, at, next);
      at = next;
    }
  }
  let body: Record<string, unknown>;
  try {
    body = parseJsonBody(raw, member, scanner);
  } catch (err) {
    expect(err).toBeInstanceOf(SerializationException);
    return { refused: true };
  }
  const blob = body[member];
  if (typeof blob === 'string') {
    const decoded = decodeBase64Strict(blob);
    if (!decoded) return { refused: true };
    body[member] = decoded;
  }
  if (Buffer.isBuffer(body[member])) body[member] = bytesOf(body[member]);
  return { value: body };
}

const MEMBER = 'layerPartBlob';

/** The text of a blob member's JSON string, between its quotes: valid base64, or a variation. */
const blobText = fc.oneof(
  fc.tuple(fc.uint8Array({ maxLength: 1024 }), fc.boolean()).map(([bytes, pad]) => {
    const b64 = Buffer.from(bytes).toString('base64');
    return pad ? b64 : b64.replace(/=+$/, '');
  }),
  // Large enough for several decoding steps of the scanner.
  fc
    .uint8Array({ minLength: 49_000, maxLength: 100_000 })
    .map((b) => Buffer.from(b).toString('base64')),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(
        '=',
        '==',
        '-',
        '_',
        ' ',
        '\\n',
        '!',
        'é',
        '\\/',
        '\\u0041',
        '\\"',
        'A',
        'AB',
      ),
      fc.nat(),
      fc.boolean(),
    )
    .map(([bytes, insert, at, pad]) => {
      let b64 = Buffer.from(bytes).toString('base64');
      if (!pad) b64 = b64.replace(/=+$/, '');
      const i = at % (b64.length + 1);
      return b64.slice(0, i) + insert + b64.slice(i);
    }),
  // The last character's trailing bits changed, or one character dropped.
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 50 }), fc.nat(63)).map(([bytes, bits]) => {
    const b64 = Buffer.from(bytes).toString('base64').replace(/=+$/, '');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    return b64.slice(0, -1) + alphabet[bits];
  }),
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s).slice(1, -1)),
);

const memberJson = fc.oneof(
  { weight: 4, arbitrary: blobText.map((t) => `"${t}"`) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
);

const otherKey = fc
  .oneof(fc.string({ maxLength: 12 }), fc.constantFrom('repositoryName', 'uploadId', 'layerPart'))
  .filter((k) => k !== MEMBER && k !== '__proto__');

const space = fc.constantFrom('', ' ', '\n', '\t ');

/** A body: members in any order, the blob member absent, once or twice, nested, with whitespace. */
const body = fc
  .record({
    others: fc.array(fc.tuple(otherKey, fc.jsonValue({ maxDepth: 3 })), { maxLength: 5 }),
    blobs: fc.array(memberJson, { maxLength: 2 }),
    nested: fc.option(blobText, { nil: undefined }),
    order: fc.array(fc.nat(), { maxLength: 8 }),
    spaces: fc.array(space, { minLength: 4, maxLength: 4 }),
    damage: fc.oneof(
      { weight: 8, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constant('cut' as const) },
      { weight: 1, arbitrary: fc.constant('trailing' as const) },
      { weight: 1, arbitrary: fc.constant('array' as const) },
    ),
  })
  .map(({ others, blobs, nested, order, spaces, damage }) => {
    const [s1, s2, s3, s4] = spaces;
    const members = others.map(([k, v]) => `${JSON.stringify(k)}${s1}:${s2}${JSON.stringify(v)}`);
    if (nested !== undefined) members.push(`"n":{"${MEMBER}":"${nested}"}`);
    for (const [i, value] of blobs.entries()) {
      const at = (order[i] ?? 0) % (members.length + 1);
      members.splice(at, 0, `"${MEMBER}"${s3}:${s4}${value}`);
    }
    let text = `{${s1}${members.join(`,${s2}`)}${s3}}${s4}`;
    if (damage === 'cut') text = text.slice(0, Math.max(0, text.length - 1 - (order[0] ?? 0)));
    if (damage === 'trailing') text += ' x';
    if (damage === 'array') text = `[${text}]`;
    return text;
  });

describe('parseJsonBody over generated bodies', () => {
  it('agrees with JSON.parse and a strict base64 decoding: the same value, or both refused', () => {
    fc.assert(
      fc.property(
        body,
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 4 }),
        (text, pieces) => {
          const expected = reference(text, MEMBER);
          expect(berth(text, MEMBER)).toEqual(expected);
          expect(berth(text, MEMBER, pieces)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses exactly what is not canonical base64, in the strict decoder itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (text) => {
        const canonical = Buffer.from(text, 'base64').toString('base64');
        const accepted = text === canonical || text === canonical.replace(/=+$/, '');
        const decoded = decodeBase64Strict(text);
        expect(decoded !== undefined).toBe(accepted);
        if (decoded) expect(decoded.equals(Buffer.from(text, 'base64'))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
