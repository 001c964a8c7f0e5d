import { principalArnOf } from '../auth/principal';
import {
  evaluateRepositoryPolicy,
  parseRepositoryPolicy,
  wildcardMatches,
} from './policy-document';

const ARN = 'arn:aws:ecr:us-east-1:111111111111:repository/team/app';
const B = { account: '222222222222', principalArn: principalArnOf('222222222222', 'AKIAB') };
const C = { account: '333333333333', principalArn: principalArnOf('333333333333', 'AKIAC') };

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

function decide(text: string, caller: typeof B, action: string): string {
  return evaluateRepositoryPolicy(parseRepositoryPolicy(text, ARN), caller, action);
}

describe('wildcardMatches', () => {
  it.each([
    ['ecr:*', 'ecr:batchgetimage', true],
    ['ecr:Batch*', 'ecr:BatchGetImage', true],
    ['ecr:Batch*', 'ecr:PutImage', false],
    ['ecr:?utImage', 'ecr:PutImage', true],
    ['ecr:?utImage', 'ecr:PPutImage', false],
    ['*', '', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a?*', 'a', false],
    ['*?', 'x', true],
    ['exact', 'exact', true],
    ['exact', 'exacts', false],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(wildcardMatches(pattern, text)).toBe(expected);
  });

  it('stays fast on adversarial patterns', () => {
    const started = Date.now();
    expect(wildcardMatches(`${'*a'.repeat(2000)}*b`, 'a'.repeat(10000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('evaluateRepositoryPolicy', () => {
  it('allows an account by id, by root ARN and by its key user ARN, and no other account', () => {
    for (const principal of [
      '222222222222',
      'arn:aws:iam::222222222222:root',
      'arn:aws:iam::222222222222:user/AKIAB',
    ]) {
      const text = policy({ Effect: 'Allow', Principal: { AWS: principal }, Action: PULL });
      expect(decide(text, B, 'ecr:BatchGetImage')).toBe('allow');
      expect(decide(text, B, 'ecr:PutImage')).toBe('none');
      expect(decide(text, C, 'ecr:BatchGetImage')).toBe('none');
    }
  });

  it('lets Deny win over Allow, whatever the order', () => {
    const allow = { Effect: 'Allow', Principal: '*', Action: 'ecr:*' };
    const deny = { Effect: 'Deny', Principal: { AWS: ['222222222222'] }, Action: 'ecr:Batch*' };
    expect(decide(policy(allow, deny), B, 'ecr:BatchGetImage')).toBe('deny');
    expect(decide(policy(deny, allow), B, 'ecr:BatchGetImage')).toBe('deny');
    expect(decide(policy(deny, allow), B, 'ecr:GetDownloadUrlForLayer')).toBe('allow');
    expect(decide(policy(deny, allow), C, 'ecr:BatchGetImage')).toBe('allow');
  });

  it('matches actions case-insensitively, and NotAction as everything else', () => {
    const text = policy({
      Effect: 'Allow',
      Principal: '*',
      NotAction: ['ECR:put*', 'ecr:*Upload*'],
    });
    expect(decide(text, B, 'ecr:BatchGetImage')).toBe('allow');
    expect(decide(text, B, 'ecr:PutImage')).toBe('none');
    expect(decide(text, B, 'ecr:InitiateLayerUpload')).toBe('none');
  });

  it('never matches a Service principal to a caller', () => {
    const text = policy({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: PULL,
    });
    expect(decide(text, B, 'ecr:BatchGetImage')).toBe('none');
  });

  it('holds the supported conditions on the principal account and ARN', () => {
    const equals = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: PULL,
      Condition: { StringEquals: { 'aws:principalaccount': ['222222222222'] } },
    });
    expect(decide(equals, B, 'ecr:BatchGetImage')).toBe('allow');
    expect(decide(equals, C, 'ecr:BatchGetImage')).toBe('none');
    const notLike = policy({
      Effect: 'Deny',
      Principal: '*',
      Action: 'ecr:*',
      Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::222222222222:*' } },
    });
    expect(decide(notLike, B, 'ecr:BatchGetImage')).toBe('none');
    expect(decide(notLike, C, 'ecr:BatchGetImage')).toBe('deny');
  });
});

describe('parseRepositoryPolicy refuses what Berth cannot evaluate', () => {
  const ok = { Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' };
  it.each([
    ['no JSON', '{', /not JSON/],
    ['an empty text', '', /not JSON/],
    ['an array', '[]', /JSON object/],
    ['another version', JSON.stringify({ Version: '2020-01-01', Statement: ok }), /Version/],
    ['no statement', JSON.stringify({ Version: '2012-10-17' }), /at least one Statement/],
    ['an unknown element', JSON.stringify({ Statement: ok, Foo: 1 }), /"Foo"/],
    ['a lower-case effect', policy({ ...ok, Effect: 'allow' }), /Effect/],
    ['no principal', policy({ Effect: 'Allow', Action: 'ecr:*' }), /Principal/],
    ['NotPrincipal', policy({ ...ok, NotPrincipal: { AWS: '*' } }), /NotPrincipal/],
    ['a Federated principal', policy({ ...ok, Principal: { Federated: 'x' } }), /Federated/],
    ['a bad AWS principal', policy({ ...ok, Principal: { AWS: 'bob' } }), /"bob"/],
    ['both Action and NotAction', policy({ ...ok, NotAction: 'ecr:PutImage' }), /exactly one/],
    ['another service', policy({ ...ok, Action: 's3:GetObject' }), /not an ecr: action/],
    ['an empty action list', policy({ ...ok, Action: [] }), /must not be empty/],
    [
      'an unsupported operator',
      policy({ ...ok, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
      /IpAddress/,
    ],
    [
      'an unsupported key',
      policy({ ...ok, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }),
      /aws:SourceVpc/,
    ],
    [
      'another repository',
      policy({ ...ok, Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/other' }),
      /does not name this repository/,
    ],
  ])('%s', (_what, text, message) => {
    expect(() => parseRepositoryPolicy(text, ARN)).toThrow(message);
    try {
      parseRepositoryPolicy(text, ARN);
    } catch (err) {
      expect((err as Error).name).toBe('InvalidParameterException');
      expect((err as Error).message).toMatch(
        /^Invalid parameter at 'PolicyText' failed to satisfy constraint: /,
      );
    }
  });

  it('accepts a single statement object, the 2008 version, and its own repository as Resource', () => {
    for (const text of [
      JSON.stringify({ Version: '2008-10-17', Statement: ok }),
      policy({ ...ok, Sid: 'pull', Resource: [ARN, 'arn:aws:ecr:*:111111111111:repository/*'] }),
    ]) {
      expect(parseRepositoryPolicy(text, ARN).statements).toHaveLength(1);
    }
  });
});
