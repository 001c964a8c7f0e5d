import {
  nextLink,
  parseContentRange,
  parsePageSize,
  uploadLocation,
  uploadRange,
} from './oci-headers';

describe('the /v2 header rules', () => {
  it('answers an upload range as 0-<last byte>, and 0-0 while empty', () => {
    expect(uploadRange(0)).toBe('0-0');
    expect(uploadRange(1)).toBe('0-0');
    expect(uploadRange(1024)).toBe('0-1023');
  });

  it('locates an upload by repository and id, relative to the host', () => {
    expect(uploadLocation('a/b', 'u-1')).toBe('/v2/a/b/blobs/uploads/u-1');
  });

  it('reads a chunk Content-Range in the spec form and the HTTP form', () => {
    expect(parseContentRange('0-99')).toEqual({ start: 0, end: 99 });
    expect(parseContentRange('bytes 100-199/*')).toEqual({ start: 100, end: 199 });
    expect(parseContentRange('bytes=5-5')).toEqual({ start: 5, end: 5 });
  });

  it.each(['', '10', '10-', '-5', '9-3', 'a-b', '0-1,2-3'])('refuses the Content-Range %j', (v) =>
    expect(parseContentRange(v)).toBeNull(),
  );

  it('links the next page with n and last, as RFC 5988 writes it', () => {
    expect(nextLink('/v2/a/tags/list', 2, 'v 1')).toBe(
      '</v2/a/tags/list?n=2&last=v+1>; rel="next"',
    );
  });

  it('reads a page size: absent, a number cut to the maximum, or invalid', () => {
    expect(parsePageSize(undefined, 1000)).toBeUndefined();
    expect(parsePageSize('0', 1000)).toBe(0);
    expect(parsePageSize('5000', 1000)).toBe(1000);
    expect(parsePageSize('-1', 1000)).toBeNull();
    expect(parsePageSize('x', 1000)).toBeNull();
    expect(parsePageSize(['1', '2'], 1000)).toBeNull();
  });
});
