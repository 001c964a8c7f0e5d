import { authorizeRegistry } from './registry-access';

describe('authorizeRegistry', () => {
  const caller = { accountId: '111111111111', accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' };

  it("acts on the caller's registry by default and when it is named", () => {
    expect(authorizeRegistry(caller, 'ListImages', {}, 'us-east-1')).toBe('111111111111');
    expect(
      authorizeRegistry(caller, 'ListImages', { registryId: '111111111111' }, 'us-east-1'),
    ).toBe('111111111111');
    expect(
      authorizeRegistry(caller, 'GetAuthorizationToken', { registryIds: ['111111111111'] }, 'x'),
    ).toBe('111111111111');
  });

  it('refuses another registry with AccessDeniedException in IAM wording', () => {
    expect(() =>
      authorizeRegistry(
        caller,
        'DescribeImages',
        { registryId: '222222222222', repositoryName: 'app' },
        'eu-west-1',
      ),
    ).toThrow(
      'User: arn:aws:iam::111111111111:user/AKIAAAAAAAAAAAAAAAAA is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:eu-west-1:222222222222:repository/app because no resource-based policy allows the ecr:DescribeImages action',
    );
  });

  it("acts as the caller for GetAuthorizationToken's registryIds, whichever ids they are", () => {
    // ECR: the deprecated member "doesn't change the permissions scope of the token".
    expect(
      authorizeRegistry(
        caller,
        'GetAuthorizationToken',
        { registryIds: ['111111111111', '222222222222'] },
        'us-east-1',
      ),
    ).toBe('111111111111');
  });
});
