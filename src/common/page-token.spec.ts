import fc from 'fast-check';
import { InvalidParameterException } from './errors/registry-exception';
import { decodePageToken, encodePageToken } from './page-token';

const REFUSAL =
  "Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be a token returned by a previous call'";

const refused = (run: () => unknown): void => {
  expect(run).toThrow(InvalidParameterException);
  expect(run).toThrow(REFUSAL);
};

const token = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('page tokens', () => {
  const members = { id: 'id', tag: 'string' } as const;

  it('is URL-safe text that reads back to the position it was made from', () => {
    const raw = encodePageToken({ id: 42, tag: 'v1.0/ü' });
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(raw, members)).toEqual({ id: 42, tag: 'v1.0/ü' });
  });

  it('reads back every position it can hold', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.string({ unit: 'binary', maxLength: 1024 }).filter((s) => !s.includes('\u0000')),
        (id, tag) => {
          expect(decodePageToken(encodePageToken({ id, tag }), members)).toEqual({ id, tag });
        },
      ),
    );
  });

  it.each([
    ['an id that is a string', { id: '1', tag: 'a' }],
    ['a negative id', { id: -1, tag: 'a' }],
    ['a fractional id', { id: 1.5, tag: 'a' }],
    ['an id past the safe integers', { id: 2 ** 53, tag: 'a' }],
    ['a string that is a number', { id: 1, tag: 5 }],
    ['a string with U+0000', { id: 1, tag: 'a\u0000' }],
    ['a string over 1024 characters', { id: 1, tag: 'a'.repeat(1025) }],
    ['a member missing', { id: 1 }],
    ['a list', [1, 'a']],
    ['null', null],
    ['a bare string', 'token'],
  ])('refuses a token holding %s', (_what, position) => {
    refused(() => decodePageToken(token(position), members));
  });

  it('refuses text that is not base64url JSON', () => {
    for (const raw of ['', '%%%', 'Zm9v', token({ id: 1, tag: 'a' }).slice(0, -3), '{"id":1}']) {
      refused(() => decodePageToken(raw, members));
    }
  });

  it('never throws anything but the nextToken refusal, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.json().map(token)), (raw) => {
        try {
          const position = decodePageToken(raw, members);
          expect(Number.isSafeInteger(position.id) && position.id >= 0).toBe(true);
          expect(typeof position.tag).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidParameterException);
          expect((err as Error).message).toBe(REFUSAL);
        }
      }),
    );
  });
});
