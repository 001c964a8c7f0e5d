import {
  CreateRepositoryCommand,
  CreateRepositoryCommandInput,
  DeleteRepositoryCommand,
  DeleteRepositoryCommandInput,
  DescribeRepositoriesCommand,
  DescribeRepositoriesCommandInput,
  ECRClient,
  ECRServiceException,
} from '@aws-sdk/client-ecr';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { Client } from 'pg';
import { createAccount } from './support/accounts';
import { rawCall, startTestApp, target, TEST_CREDENTIALS, TestApp } from './support/app';

const NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';

async function errorOf(promise: Promise<unknown>): Promise<ECRServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ECRServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('Repositories API through @aws-sdk/client-ecr', () => {
  let t: TestApp;
  let ecr: ECRClient;

  beforeAll(async () => {
    t = await startTestApp({ REGISTRY_ID: '123456789012', AWS_REGION: 'eu-west-1' });
    ecr = t.client();
  });
  afterAll(() => t.close());

  it('creates a repository and answers its ARN, URI, defaults and createdAt as a Date', async () => {
    const before = Date.now();
    const out = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/web-app',
        tags: [{ Key: 'owner', Value: 'platform' }],
      }),
    );
    const repo = out.repository!;
    expect(repo.repositoryArn).toBe('arn:aws:ecr:eu-west-1:123456789012:repository/team/web-app');
    expect(repo.registryId).toBe('123456789012');
    expect(repo.repositoryName).toBe('team/web-app');
    expect(repo.repositoryUri).toBe(`${new URL(t.url).host}/team/web-app`);
    expect(repo.imageTagMutability).toBe('MUTABLE');
    expect(repo.imageScanningConfiguration).toEqual({ scanOnPush: false });
    expect(repo.encryptionConfiguration).toEqual({ encryptionType: 'AES256' });
    expect(repo.createdAt).toBeInstanceOf(Date);
    expect(repo.createdAt!.getTime()).toBeGreaterThanOrEqual(before - 5000);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stores the given mutability, scanning and encryption settings', async () => {
    const kms = new KMSClient({
      endpoint: t.url,
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'settings',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KeyMetadata!.KeyId },
      }),
    );
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['settings'] }));
    expect(out.repositories![0]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      // The key as its ARN, whichever way CreateRepository named it.
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KeyMetadata!.Arn },
    });
    expect(KeyMetadata!.Arn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  });

  it('answers RepositoryAlreadyExistsException for a duplicate name', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }));
    const err = await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' })));
    expect(err.name).toBe('RepositoryAlreadyExistsException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe(
      "The repository with name 'dup' already exists in the registry with id '123456789012'",
    );
  });

  it("keeps each account's registry its own namespace", async () => {
    // A registry is an account: a second account, with its own key, has its own namespace.
    const b = await createAccount(t.url, '210987654321');
    const ecrB = t.client({ credentials: b.credentials });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared-name' }));
    const other = await ecrB.send(new CreateRepositoryCommand({ repositoryName: 'shared-name' }));
    expect(other.repository!.repositoryArn).toBe(
      'arn:aws:ecr:eu-west-1:210987654321:repository/shared-name',
    );
    expect(other.repository!.registryId).toBe('210987654321');
    const named = await ecrB.send(new DescribeRepositoriesCommand({ registryId: '210987654321' }));
    expect(named.repositories!.map((r) => r.repositoryName)).toEqual(['shared-name']);
    const mine = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['shared-name'] }),
    );
    expect(mine.repositories![0].registryId).toBe('123456789012');
  });

  it('answers AccessDeniedException (403) for a call naming another registry', async () => {
    for (const registryId of ['210987654321', '999999999999']) {
      const err = await errorOf(
        ecr.send(new CreateRepositoryCommand({ registryId, repositoryName: 'elsewhere' })),
      );
      expect(err.name).toBe('AccessDeniedException');
      expect(err.$metadata.httpStatusCode).toBe(403);
      expect(err.message).toBe(
        `User: arn:aws:iam::123456789012:user/AKIABERTHTEST0000001 is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:eu-west-1:${registryId}:repository/elsewhere because no resource-based policy allows the ecr:CreateRepository action`,
      );
    }
    const listing = await errorOf(
      ecr.send(new DescribeRepositoriesCommand({ registryId: '210987654321' })),
    );
    expect(listing.name).toBe('AccessDeniedException');
  });

  it('lets exactly one of 20 concurrent creators of one name win, the rest RepositoryAlreadyExists', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        ecr.send(new CreateRepositoryCommand({ repositoryName: 'race/target' })),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.flatMap((r) =>
      r.status === 'rejected' ? [r.reason as ECRServiceException] : [],
    );
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(19);
    for (const err of failed) {
      expect(err.name).toBe('RepositoryAlreadyExistsException');
      expect(err.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('describes repositories by name and answers RepositoryNotFoundException for a missing one', async () => {
    const out = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['dup', 'team/web-app'] }),
    );
    expect(out.repositories!.map((r) => r.repositoryName)).toEqual(['dup', 'team/web-app']);
    const err = await errorOf(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['dup', 'nope'] })),
    );
    expect(err.name).toBe('RepositoryNotFoundException');
    expect(err.message).toBe(
      "The repository with name 'nope' does not exist in the registry with id '123456789012'",
    );
  });

  it('pages through a registry with maxResults and an opaque nextToken', async () => {
    // An account of its own, so that the listing holds exactly these repositories.
    const { accountId: registryId, credentials } = await createAccount(t.url, '555555555555');
    const ecr = t.client({ credentials });
    const names = Array.from({ length: 7 }, (_, i) => `page/repo-${i}`);
    for (const repositoryName of names) {
      await ecr.send(new CreateRepositoryCommand({ registryId, repositoryName }));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await ecr.send(
        new DescribeRepositoriesCommand({ registryId, maxResults: 3, nextToken }),
      );
      expect(out.repositories!.length).toBeLessThanOrEqual(3);
      seen.push(...out.repositories!.map((r) => r.repositoryName!));
      nextToken = out.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);

    const bad = await errorOf(
      ecr.send(new DescribeRepositoriesCommand({ registryId, nextToken: 'not-a-token' })),
    );
    expect(bad.name).toBe('InvalidParameterException');
  });

  it('refuses maxResults or nextToken together with repositoryNames', async () => {
    for (const input of [
      { repositoryNames: ['dup'], maxResults: 5 },
      { repositoryNames: ['dup'], nextToken: 'x' },
    ]) {
      const err = await errorOf(ecr.send(new DescribeRepositoriesCommand(input)));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toMatch(/cannot be used together with repositoryNames/);
    }
  });

  it('deletes a repository, which then no longer exists', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'to-delete' }));
    const out = await ecr.send(
      new DeleteRepositoryCommand({ repositoryName: 'to-delete', force: true }),
    );
    expect(out.repository!.repositoryName).toBe('to-delete');
    const err = await errorOf(
      ecr.send(new DeleteRepositoryCommand({ repositoryName: 'to-delete' })),
    );
    expect(err.name).toBe('RepositoryNotFoundException');
    const again = await errorOf(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['to-delete'] })),
    );
    expect(again.name).toBe('RepositoryNotFoundException');
  });

  describe('tag rules', () => {
    it('answers TooManyTagsException for more than 50 tags', async () => {
      const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
      const err = await errorOf(
        ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags-a', tags })),
      );
      expect(err.name).toBe('TooManyTagsException');
    });
    it.each([
      ['an empty key', { Key: '', Value: 'v' }],
      ['a 129-character key', { Key: 'k'.repeat(129), Value: 'v' }],
      ['a 257-character value', { Key: 'k', Value: 'v'.repeat(257) }],
      ['a reserved aws: key', { Key: 'aws:owner', Value: 'v' }],
      ['a forbidden character', { Key: 'k#', Value: 'v' }],
    ])('answers InvalidTagParameterException for %s', async (_label, tag) => {
      const err = await errorOf(
        ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags-b', tags: [tag] })),
      );
      expect(err.name).toBe('InvalidTagParameterException');
    });
  });

  describe('every documented constraint answers InvalidParameterException in ECR wording', () => {
    const pattern = (member: string, p: string): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'must satisfy regular expression '${p}''`;
    const minLength = (member: string, n: number): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'must have length greater than or equal to ${n}'`;
    const maxLength = (member: string, n: number): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'must have length less than or equal to ${n}'`;
    // A list's size: ECR words it with "Member" (trek10inc/ecr-cleaner#8).
    const minSize = (member: string, n: number): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'Member must have length greater than or equal to ${n}'`;
    const maxSize = (member: string, n: number): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'Member must have length less than or equal to ${n}'`;
    const required = (member: string): string =>
      `Invalid parameter at '${member}' failed to satisfy constraint: 'Member must not be null'`;

    type Call = (c: ECRClient) => Promise<unknown>;
    const create =
      (input: Partial<CreateRepositoryCommandInput>): Call =>
      (c) =>
        c.send(new CreateRepositoryCommand(input as CreateRepositoryCommandInput));
    const describeR =
      (input: DescribeRepositoriesCommandInput): Call =>
      (c) =>
        c.send(new DescribeRepositoriesCommand(input));
    const del =
      (input: Partial<DeleteRepositoryCommandInput>): Call =>
      (c) =>
        c.send(new DeleteRepositoryCommand(input as DeleteRepositoryCommandInput));

    const cases: [string, Call, string][] = [
      [
        'CreateRepository registryId pattern',
        create({ registryId: '12345', repositoryName: 'ok' }),
        pattern('registryId', '[0-9]{12}'),
      ],
      ['CreateRepository repositoryName required', create({}), required('repositoryName')],
      [
        'CreateRepository repositoryName min length',
        create({ repositoryName: 'a' }),
        minLength('repositoryName', 2),
      ],
      [
        'CreateRepository repositoryName max length',
        create({ repositoryName: 'a'.repeat(257) }),
        maxLength('repositoryName', 256),
      ],
      [
        'CreateRepository repositoryName pattern',
        create({ repositoryName: 'Upper/Case' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
      [
        'CreateRepository repositoryName pattern (trailing slash)',
        create({ repositoryName: 'abc/' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
      [
        'CreateRepository imageTagMutability enum',
        create({ repositoryName: 'ok', imageTagMutability: 'SOMETIMES' as 'MUTABLE' }),
        "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]'",
      ],
      [
        'CreateRepository encryptionType required',
        create({ repositoryName: 'ok', encryptionConfiguration: {} as never }),
        required('encryptionConfiguration.encryptionType'),
      ],
      [
        'CreateRepository encryptionType enum',
        create({
          repositoryName: 'ok',
          encryptionConfiguration: { encryptionType: 'ROT13' as 'KMS' },
        }),
        "Invalid parameter at 'encryptionConfiguration.encryptionType' failed to satisfy constraint: 'must satisfy enum value set: [AES256, KMS, KMS_DSSE]'",
      ],
      [
        'CreateRepository kmsKey min length',
        create({
          repositoryName: 'ok',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: '' },
        }),
        minLength('encryptionConfiguration.kmsKey', 1),
      ],
      [
        'CreateRepository kmsKey max length',
        create({
          repositoryName: 'ok',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'k'.repeat(2049) },
        }),
        maxLength('encryptionConfiguration.kmsKey', 2048),
      ],
      [
        'CreateRepository tag Key required',
        create({ repositoryName: 'ok', tags: [{ Value: 'v' } as never] }),
        required('tags.0.Key'),
      ],
      [
        'DescribeRepositories registryId pattern',
        describeR({ registryId: 'abcdefghijkl' }),
        pattern('registryId', '[0-9]{12}'),
      ],
      [
        'DescribeRepositories repositoryNames min size',
        describeR({ repositoryNames: [] }),
        minSize('repositoryNames', 1),
      ],
      [
        'DescribeRepositories repositoryNames max size',
        describeR({ repositoryNames: Array.from({ length: 101 }, (_, i) => `r${i}`) }),
        maxSize('repositoryNames', 100),
      ],
      [
        'DescribeRepositories repositoryNames member min length',
        describeR({ repositoryNames: ['a'] }),
        minLength('repositoryNames', 2),
      ],
      [
        'DescribeRepositories repositoryNames member max length',
        describeR({ repositoryNames: ['a'.repeat(257)] }),
        maxLength('repositoryNames', 256),
      ],
      [
        'DescribeRepositories repositoryNames member pattern',
        describeR({ repositoryNames: ['-bad'] }),
        pattern('repositoryNames', NAME_PATTERN),
      ],
      [
        'DescribeRepositories maxResults min',
        describeR({ maxResults: 0 }),
        "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value greater than or equal to 1'",
      ],
      [
        'DescribeRepositories maxResults max',
        describeR({ maxResults: 1001 }),
        "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'",
      ],
      [
        'DeleteRepository registryId pattern',
        del({ registryId: '1234567890123', repositoryName: 'ok' }),
        pattern('registryId', '[0-9]{12}'),
      ],
      ['DeleteRepository repositoryName required', del({}), required('repositoryName')],
      [
        'DeleteRepository repositoryName min length',
        del({ repositoryName: 'x' }),
        minLength('repositoryName', 2),
      ],
      [
        'DeleteRepository repositoryName max length',
        del({ repositoryName: 'x'.repeat(300) }),
        maxLength('repositoryName', 256),
      ],
      [
        'DeleteRepository repositoryName pattern',
        del({ repositoryName: 'a..b' }),
        pattern('repositoryName', NAME_PATTERN),
      ],
    ];

    it.each(cases)('%s', async (_label, call, message) => {
      const err = await errorOf(call(ecr));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toBe(message);
    });
  });

  describe('the protocol front door', () => {
    it('answers UnknownOperationException for an unknown target', async () => {
      const res = await rawCall(t.url, target('FlyToTheMoon'), '{}');
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect(res.json?.__type).toBe('UnknownOperationException');
      expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers UnknownOperationException when X-Amz-Target is missing', async () => {
      const res = await rawCall(t.url, undefined, '{}');
      expect(res.json?.__type).toBe('UnknownOperationException');
    });

    it.each([
      ['not JSON', '{"repositoryName": '],
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"hello"'],
      ['JSON null', 'null'],
    ])('answers SerializationException for a body that is %s', async (_label, body) => {
      const res = await rawCall(t.url, target('CreateRepository'), body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.json ?? {}).sort()).toEqual(['__type', 'message']);
      expect(res.json?.__type).toBe('SerializationException');
      expect(res.headers.get('x-amzn-errortype')).toBe('SerializationException');
      expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
    });

    it('answers SerializationException for a member of the wrong JSON type', async () => {
      const res = await rawCall(
        t.url,
        target('CreateRepository'),
        JSON.stringify({ repositoryName: 42 }),
      );
      expect(res.json?.__type).toBe('SerializationException');
      expect(String(res.json?.message)).toContain('repositoryName');
    });

    it('ignores members the model does not know', async () => {
      const res = await rawCall(
        t.url,
        target('CreateRepository'),
        JSON.stringify({ repositoryName: 'extra-members', colour: 'blue', __proto__x: 1 }),
      );
      expect(res.status).toBe(200);
    });

    it('accepts application/json as the content type', async () => {
      const res = await rawCall(t.url, target('DescribeRepositories'), '{}', 'application/json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    });

    it('refuses a body larger than a 20 MiB part in base64', async () => {
      const res = await rawCall(
        t.url,
        target('CreateRepository'),
        Buffer.alloc(29 * 1024 * 1024, 0x20),
      );
      expect(res.status).toBe(400);
      expect(res.json?.__type).toBe('InvalidParameterException');
    });

    it('answers ServerException with nothing internal in it when the database fails', async () => {
      const client = new Client({ connectionString: t.db.url });
      await client.connect();
      await client.query('ALTER TABLE repositories RENAME TO repositories_gone');
      try {
        const res = await rawCall(t.url, target('DescribeRepositories'), '{}');
        expect(res.status).toBe(500);
        expect(res.headers.get('x-amzn-errortype')).toBe('ServerException');
        expect(Object.keys(res.json ?? {}).sort()).toEqual(['__type', 'message']);
        expect(res.json?.__type).toBe('ServerException');
        expect(res.text).not.toMatch(/repositories|relation|select|postgres|at \w+ \(|\/src\//i);
        expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
        const err = await errorOf(ecr.send(new DescribeRepositoriesCommand({})));
        expect(err.name).toBe('ServerException');
        expect(err.$metadata.httpStatusCode).toBe(500);
      } finally {
        await client.query('ALTER TABLE repositories_gone RENAME TO repositories');
        await client.end();
      }
    });

    it('sends x-amzn-RequestId on health and unknown routes too', async () => {
      for (const path of ['/health/live', '/health/ready', '/no-such-route']) {
        const res = await fetch(`${t.url}${path}`);
        expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
      const missing = await fetch(`${t.url}/no-such-route`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});
