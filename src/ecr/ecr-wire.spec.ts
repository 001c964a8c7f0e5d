import { encodeResult } from './ecr-wire';

describe('encodeResult (the ECR success body)', () => {
  it('writes timestamps as epoch seconds with the milliseconds as a fraction', () => {
    const createdAt = new Date('2025-11-29T10:20:30.456Z');
    expect(encodeResult({ repository: { createdAt } })).toBe(
      `{"repository":{"createdAt":${createdAt.getTime() / 1000}}}`,
    );
    expect(JSON.parse(encodeResult({ at: createdAt })) as unknown).toEqual({ at: 1764411630.456 });
  });

  it('writes a whole second without a fraction, and the epoch as 0', () => {
    expect(encodeResult({ at: new Date(1_700_000_000_000) })).toBe('{"at":1700000000}');
    expect(encodeResult({ at: new Date(0) })).toBe('{"at":0}');
  });

  it('converts dates inside lists and nested structures', () => {
    const at = new Date(1_500);
    expect(encodeResult({ imageDetails: [{ imagePushedAt: at, tags: ['v1'] }] })).toBe(
      '{"imageDetails":[{"imagePushedAt":1.5,"tags":["v1"]}]}',
    );
  });

  it('leaves every other value as JSON.stringify writes it, and drops undefined members', () => {
    const result = {
      name: 'a/b',
      size: 2 ** 53 - 1,
      flag: false,
      nothing: null,
      absent: undefined,
      text: '"quoted"\u0000\u2028😀',
      list: [1, 'x', null],
    };
    expect(encodeResult(result)).toBe(JSON.stringify(result));
    expect(JSON.parse(encodeResult(result))).not.toHaveProperty('absent');
  });

  it('writes a string that looks like a date as the string', () => {
    expect(encodeResult({ at: '2025-11-29T10:20:30.456Z' })).toBe(
      '{"at":"2025-11-29T10:20:30.456Z"}',
    );
  });

  it('answers an empty result as {}', () => {
    expect(encodeResult({})).toBe('{}');
  });
});
