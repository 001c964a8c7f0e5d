import { parseBasicAuthorization, wwwAuthenticate } from './basic-auth';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('HTTP Basic of the /v2 door', () => {
  it('reads the user and the password, which may hold colons', () => {
    expect(parseBasicAuthorization(basic('AWS:abc.def'))).toEqual({
      username: 'AWS',
      password: 'abc.def',
    });
    expect(parseBasicAuthorization(basic('AWS:a:b'))?.password).toBe('a:b');
    expect(parseBasicAuthorization(`basic ${Buffer.from('AWS:x').toString('base64')}`)).toEqual({
      username: 'AWS',
      password: 'x',
    });
  });

  it.each([undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', basic('no-colon')])(
    'finds no credentials in %j',
    (header) => expect(parseBasicAuthorization(header)).toBeUndefined(),
  );

  it("challenges with ECR's realm (the registry's URL) and service", () => {
    expect(wwwAuthenticate('https://berth.example:5000')).toBe(
      'Basic realm="https://berth.example:5000/",service="ecr.amazonaws.com"',
    );
    expect(wwwAuthenticate('http://h/')).toBe(
      'Basic realm="http://h/",service="ecr.amazonaws.com"',
    );
  });
});
