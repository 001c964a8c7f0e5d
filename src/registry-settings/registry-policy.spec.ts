import { checkRegistryPolicy } from './registry-policy';

const statement = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::210987654321:root' },
  Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
  Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*',
  ...extra,
});
const doc = (statements: unknown, version = '2012-10-17'): string =>
  JSON.stringify({ Version: version, Statement: statements });

describe('checkRegistryPolicy', () => {
  it.each([
    ['a list of statements', doc([statement(), statement({ Effect: 'Deny' })])],
    ['one statement', doc(statement())],
    ['an account id, a role and *', doc(statement({ Principal: { AWS: ['210987654321', '*'] } }))],
    ['wildcards in actions', doc(statement({ Action: 'ecr:*' }))],
    ['a condition', doc(statement({ Condition: { StringEquals: { 'aws:SourceAccount': 'x' } } }))],
    ['the older version', doc(statement(), '2008-10-17')],
  ])('accepts %s', (_what, text) => {
    expect(() => checkRegistryPolicy(text)).not.toThrow();
  });

  it.each([
    ['empty text', ''],
    ['no JSON', '{'],
    ['a list', '[]'],
    ['no version', JSON.stringify({ Statement: [statement()] })],
    ['an unknown version', doc(statement(), '2020-01-01')],
    ['no statement', doc([])],
    ['an unknown effect', doc(statement({ Effect: 'Maybe' }))],
    ['no principal', doc(statement({ Principal: undefined }))],
    ['a service principal', doc(statement({ Principal: { Service: 'ecr.amazonaws.com' } }))],
    ['an action of another service', doc(statement({ Action: 's3:GetObject' }))],
    ['both Action and NotAction', doc(statement({ NotAction: 'ecr:PutImage' }))],
    ['no resource', doc(statement({ Resource: undefined }))],
    ['an unknown member', doc(statement({ Extra: 1 }))],
    ['a malformed condition', doc(statement({ Condition: { StringEquals: 'x' } }))],
    ['more than 10240 bytes', doc(statement({ Sid: 'x'.repeat(10240) }))],
  ])('refuses %s', (_what, text) => {
    expect(() => checkRegistryPolicy(text)).toThrow(
      "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'",
    );
  });
});
