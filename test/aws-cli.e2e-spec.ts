import * as path from 'node:path';
import { startTestApp, TEST_CREDENTIALS, TestApp } from './support/app';
import { awsCli, AwsCliResult, findAwsCli } from './support/aws-cli';

// The real AWS CLI v2 (botocore) against the server: it reads errors only from the body's
// `__type`, and dates in epoch seconds. Each call starts a Python process (about a second), so
// only what the SDK tests cannot show is run here.

interface CliRepository {
  repositoryArn: string;
  registryId: string;
  repositoryName: string;
  repositoryUri: string;
  createdAt: string;
  imageTagMutability: string;
}

function expectError(result: AwsCliResult, errorName: string, operation: string): void {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain(
    `An error occurred (${errorName}) when calling the ${operation} operation`,
  );
}

describe('the AWS CLI v2 against Berth', () => {
  let t: TestApp;
  const ecr = (...args: string[]): Promise<AwsCliResult> => awsCli(t.url, ['ecr', ...args]);

  beforeAll(async () => {
    findAwsCli(); // fails here, with how to install it, when the CLI is missing
    t = await startTestApp({ REGISTRY_ID: '123456789012' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, lists, refuses duplicates, missing and invalid names, and deletes', async () => {
    const before = Date.now();
    const created = await ecr('create-repository', '--repository-name', 'cli/demo');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const repo = (created.json as { repository: CliRepository }).repository;
    expect(repo).toMatchObject({
      repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/cli/demo',
      registryId: '123456789012',
      repositoryName: 'cli/demo',
      repositoryUri: `${new URL(t.url).host}/cli/demo`,
      imageTagMutability: 'MUTABLE',
    });
    // The CLI turns the epoch seconds on the wire back into a timestamp.
    const createdAt = Date.parse(repo.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 5000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 5000);

    // Independent calls run side by side to keep the CLI's start-up cost down.
    const [listed, missing, duplicate, invalid] = await Promise.all([
      ecr('describe-repositories'),
      ecr('describe-repositories', '--repository-names', 'missing-one'),
      ecr('create-repository', '--repository-name', 'cli/demo'),
      ecr('create-repository', '--repository-name', 'Bad_Name'),
    ]);

    expect(listed.code).toBe(0);
    const repositories = (listed.json as { repositories: CliRepository[] }).repositories;
    expect(repositories.map((r) => r.repositoryName)).toEqual(['cli/demo']);
    expect(repositories[0].repositoryArn).toBe(repo.repositoryArn);

    expectError(missing, 'RepositoryNotFoundException', 'DescribeRepositories');
    expect(missing.stderr).toContain(
      "The repository with name 'missing-one' does not exist in the registry with id '123456789012'",
    );
    expectError(duplicate, 'RepositoryAlreadyExistsException', 'CreateRepository');
    expectError(invalid, 'InvalidParameterException', 'CreateRepository');
    expect(invalid.stderr).toContain("Invalid parameter at 'repositoryName'");

    const deleted = await ecr('delete-repository', '--repository-name', 'cli/demo');
    expect(deleted.code).toBe(0);
    expect((deleted.json as { repository: CliRepository }).repository.repositoryName).toBe(
      'cli/demo',
    );
    const gone = await ecr('describe-repositories', '--repository-names', 'cli/demo');
    expectError(gone, 'RepositoryNotFoundException', 'DescribeRepositories');
  });

  it('tags a repository, lists and removes its tags, and sets its tag mutability', async () => {
    const arn = 'arn:aws:ecr:us-east-1:123456789012:repository/cli/tags';
    const created = await ecr(
      'create-repository',
      '--repository-name',
      'cli/tags',
      '--tags',
      'Key=team,Value=platform',
      'Key=env,Value=prod',
    );
    expect(created.code).toBe(0);
    const listTags = async (): Promise<unknown> => {
      const listed = await ecr('list-tags-for-resource', '--resource-arn', arn);
      expect(listed.code).toBe(0);
      return listed.json;
    };
    expect(await listTags()).toEqual({
      tags: [
        { Key: 'team', Value: 'platform' },
        { Key: 'env', Value: 'prod' },
      ],
    });

    const tagged = await ecr(
      'tag-resource',
      '--resource-arn',
      arn,
      '--tags',
      'Key=env,Value=dev',
      'Key=cost,Value=42',
    );
    expect({ code: tagged.code, stdout: tagged.stdout, stderr: tagged.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    const untagged = await ecr('untag-resource', '--resource-arn', arn, '--tag-keys', 'team');
    expect(untagged.code).toBe(0);
    expect(await listTags()).toEqual({
      tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'cost', Value: '42' },
      ],
    });

    const [reserved, malformed, missing, noFilters] = await Promise.all([
      ecr('tag-resource', '--resource-arn', arn, '--tags', 'Key=aws:owner,Value=x'),
      ecr('list-tags-for-resource', '--resource-arn', 'notvalid'),
      ecr('list-tags-for-resource', '--resource-arn', `${arn}-missing`),
      ecr(
        'put-image-tag-mutability',
        '--repository-name',
        'cli/tags',
        '--image-tag-mutability',
        'IMMUTABLE_WITH_EXCLUSION',
      ),
    ]);
    expectError(reserved, 'InvalidTagParameterException', 'TagResource');
    expectError(malformed, 'InvalidParameterException', 'ListTagsForResource');
    expect(malformed.stderr).toContain(
      "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'",
    );
    expectError(missing, 'RepositoryNotFoundException', 'ListTagsForResource');
    expectError(noFilters, 'InvalidParameterException', 'PutImageTagMutability');

    const immutable = await ecr(
      'put-image-tag-mutability',
      '--repository-name',
      'cli/tags',
      '--image-tag-mutability',
      'IMMUTABLE',
    );
    expect(immutable.code).toBe(0);
    expect(immutable.json).toEqual({
      registryId: '123456789012',
      repositoryName: 'cli/tags',
      imageTagMutability: 'IMMUTABLE',
    });
    const described = await ecr('describe-repositories', '--repository-names', 'cli/tags');
    expect(
      (described.json as { repositories: CliRepository[] }).repositories[0].imageTagMutability,
    ).toBe('IMMUTABLE');
    expect((await ecr('delete-repository', '--repository-name', 'cli/tags')).code).toBe(0);
  });

  it('sets, gets and deletes a repository policy, answering its text as set', async () => {
    expect((await ecr('create-repository', '--repository-name', 'cli/policy')).code).toBe(0);
    const text =
      '{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow",' +
      '"Principal":{"AWS":"arn:aws:iam::210987654321:root"},' +
      '"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}';
    const [none, invalid] = await Promise.all([
      ecr('get-repository-policy', '--repository-name', 'cli/policy'),
      ecr(
        'set-repository-policy',
        '--repository-name',
        'cli/policy',
        '--policy-text',
        text.replace('Allow', 'Perhaps'),
      ),
    ]);
    expectError(none, 'RepositoryPolicyNotFoundException', 'GetRepositoryPolicy');
    expect(none.stderr).toContain(
      "Repository policy does not exist for the repository with name 'cli/policy' in the registry with id '123456789012'",
    );
    expectError(invalid, 'InvalidParameterException', 'SetRepositoryPolicy');
    const set = await ecr(
      'set-repository-policy',
      '--repository-name',
      'cli/policy',
      '--policy-text',
      text,
      '--force',
    );
    expect(set.code).toBe(0);
    const expected = { registryId: '123456789012', repositoryName: 'cli/policy', policyText: text };
    expect(set.json).toEqual(expected);
    const got = await ecr('get-repository-policy', '--repository-name', 'cli/policy');
    expect(got.json).toEqual(expected);
    const deleted = await ecr('delete-repository-policy', '--repository-name', 'cli/policy');
    expect(deleted.json).toEqual(expected);
    const gone = await ecr('delete-repository-policy', '--repository-name', 'cli/policy');
    expectError(gone, 'RepositoryPolicyNotFoundException', 'DeleteRepositoryPolicy');
  });

  it('signs with the right credentials, and is refused with wrong ones', async () => {
    const [wrongSecret, unknownKey, noSignature] = await Promise.all([
      awsCli(t.url, ['ecr', 'describe-repositories'], {
        credentials: {
          ...TEST_CREDENTIALS,
          secretAccessKey: 'wrong-secret-000000000000000000000000',
        },
      }),
      awsCli(t.url, ['ecr', 'describe-repositories'], {
        credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) },
      }),
      awsCli(t.url, ['ecr', 'describe-repositories', '--no-sign-request'], {}),
    ]);
    expectError(wrongSecret, 'InvalidSignatureException', 'DescribeRepositories');
    expect(wrongSecret.stderr).toContain(
      'The request signature we calculated does not match the signature you provided.',
    );
    expectError(unknownKey, 'UnrecognizedClientException', 'DescribeRepositories');
    expect(unknownKey.stderr).toContain('The security token included in the request is invalid.');
    expectError(noSignature, 'MissingAuthenticationTokenException', 'DescribeRepositories');
    const right = await ecr('describe-repositories');
    expect(right.code).toBe(0);
  });

  it('works with the key generated at first start, through its credentials file', async () => {
    // No BOOTSTRAP_* (an empty variable is unset): the first key is generated into DATA_DIR.
    const fresh = await startTestApp({
      BOOTSTRAP_ACCESS_KEY_ID: '',
      BOOTSTRAP_SECRET_ACCESS_KEY: '',
    });
    try {
      const result = await awsCli(
        fresh.url,
        ['ecr', 'create-repository', '--repository-name', 'first'],
        {
          credentials: null,
          env: { AWS_SHARED_CREDENTIALS_FILE: path.join(fresh.config.dataDir, 'credentials') },
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect((result.json as { repository: CliRepository }).repository.registryId).toBe(
        fresh.config.registryId,
      );
    } finally {
      await fresh.close();
    }
  });
});
