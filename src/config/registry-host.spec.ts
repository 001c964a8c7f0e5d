import { accountHost, accountOfHost, registryHostProblem } from './registry-host';

describe('REGISTRY_HOST', () => {
  it('accepts a host pattern with <account> once, with or without a port', () => {
    expect(registryHostProblem('<account>.registry.example.com')).toBeUndefined();
    expect(registryHostProblem('<account>.localhost:5000')).toBeUndefined();
  });

  it.each([
    'registry.example.com',
    '<account>.<account>.example.com',
    '<account>.Example.com',
    'https://<account>.x',
    '<account>.x/path',
  ])('refuses %s', (pattern) => {
    expect(registryHostProblem(pattern)).toBeDefined();
  });

  it('names an account host and reads the account back from a Host header', () => {
    const pattern = '<account>.registry.example.com';
    expect(accountHost(pattern, '111111111111')).toBe('111111111111.registry.example.com');
    expect(accountOfHost(pattern, '111111111111.registry.example.com')).toBe('111111111111');
    expect(accountOfHost(pattern, '111111111111.Registry.example.com:443')).toBe('111111111111');
    expect(accountOfHost(pattern, 'registry.example.com')).toBeUndefined();
    expect(accountOfHost(pattern, '11111111111x.registry.example.com')).toBeUndefined();
    expect(accountOfHost(pattern, 'x111111111111.registry.example.com')).toBeUndefined();
    expect(accountOfHost(pattern, undefined)).toBeUndefined();
    expect(
      accountOfHost('<account>.localhost:5000', '111111111111.localhost:5001'),
    ).toBeUndefined();
    expect(accountOfHost('<account>.localhost:5000', '111111111111.localhost:5000')).toBe(
      '111111111111',
    );
  });
});
