import {
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  RepositoryCreationTemplate,
  UpdateRepositoryCreationTemplateCommand,
} from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import { createAccount } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { errorOf } from './support/layers';
import { errorCode, v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'expire untagged',
      selection: {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 14,
      },
      action: { type: 'expire' },
    },
  ],
});
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'pull',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    },
  ],
});
const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('repository creation templates through @aws-sdk/client-ecr', () => {
  let t: TestApp;
  let ecr: ECRClient;

  const refusal = async (call: Promise<unknown>) => {
    const err = await errorOf(call);
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
  };
  const describeAll = async (prefixes?: string[]): Promise<RepositoryCreationTemplate[]> =>
    (await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes })))
      .repositoryCreationTemplates ?? [];

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT, AWS_REGION: REGION });
    ecr = t.client();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a template with every member and answers it as stored, on every read', async () => {
    const created = await ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'full',
        description: 'everything',
        appliedFor: ['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE'],
        encryptionConfiguration: { encryptionType: 'AES256' },
        resourceTags: [{ Key: 'team', Value: 'web' }],
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
        repositoryPolicy: POLICY,
        lifecyclePolicy: LIFECYCLE,
        customRoleArn: 'arn:aws:iam::123456789012:role/ecr-templates',
      }),
    );
    expect(created.registryId).toBe(ACCOUNT);
    const template = created.repositoryCreationTemplate!;
    expect(template).toMatchObject({
      prefix: 'full',
      description: 'everything',
      appliedFor: ['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE'],
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [{ Key: 'team', Value: 'web' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      repositoryPolicy: POLICY,
      lifecyclePolicy: LIFECYCLE,
      customRoleArn: 'arn:aws:iam::123456789012:role/ecr-templates',
    });
    expect(template.createdAt).toBeInstanceOf(Date);
    expect(template.updatedAt).toBeInstanceOf(Date);
    expect(await describeAll(['full'])).toEqual([template]);
  });

  it('answers a minimal template with the defaults and without the members not given', async () => {
    const { repositoryCreationTemplate: t1 } = await ecr.send(
      new CreateRepositoryCreationTemplateCommand({ prefix: 'ROOT', appliedFor: ['REPLICATION'] }),
    );
    expect(t1).toEqual({
      prefix: 'ROOT',
      appliedFor: ['REPLICATION'],
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [],
      imageTagMutability: 'MUTABLE',
      createdAt: expect.any(Date) as Date,
      updatedAt: expect.any(Date) as Date,
    });
    await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'ROOT' }));
  });

  it('refuses a second template of one prefix with TemplateAlreadyExistsException', async () => {
    await ecr.send(
      new CreateRepositoryCreationTemplateCommand({ prefix: 'dup', appliedFor: ['REPLICATION'] }),
    );
    expect(
      await refusal(
        ecr.send(
          new CreateRepositoryCreationTemplateCommand({
            prefix: 'dup',
            appliedFor: ['CREATE_ON_PUSH'],
          }),
        ),
      ),
    ).toEqual({
      name: 'TemplateAlreadyExistsException',
      status: 400,
      message: `The repository creation template with prefix 'dup' already exists in the registry with id '${ACCOUNT}'`,
    });
  });

  it('answers TemplateNotFoundException for updating or deleting a missing prefix', async () => {
    const message = `The repository creation template with prefix 'nothing' does not exist in the registry with id '${ACCOUNT}'`;
    for (const call of [
      () =>
        ecr.send(
          new UpdateRepositoryCreationTemplateCommand({ prefix: 'nothing', description: 'x' }),
        ),
      () => ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'nothing' })),
    ]) {
      expect(await refusal(call())).toEqual({
        name: 'TemplateNotFoundException',
        status: 400,
        message,
      });
    }
  });

  it.each([
    [
      { prefix: 'Bad_Prefix', appliedFor: ['REPLICATION'] },
      'prefix',
      'must satisfy regular expression',
    ],
    [{ prefix: 'ok', appliedFor: ['NOPE'] }, 'appliedFor', 'must satisfy enum value set'],
    [{ prefix: 'ok', appliedFor: [] }, 'appliedFor', 'must contain at least one value'],
    [
      { prefix: 'ok', appliedFor: ['REPLICATION'], description: 'd'.repeat(257) },
      'description',
      'must have length less than or equal to 256',
    ],
    [
      { prefix: 'ok', appliedFor: ['REPLICATION'], lifecyclePolicy: '{"rules":[]}' },
      undefined,
      undefined,
    ],
    [
      { prefix: 'ok', appliedFor: ['REPLICATION'], repositoryPolicy: 'not json' },
      'repositoryPolicy',
      'Invalid JSON syntax',
    ],
    [
      { prefix: 'ok', appliedFor: ['REPLICATION'], imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' },
      'imageTagMutabilityExclusionFilters',
      'must contain at least one filter',
    ],
    [
      {
        prefix: 'ok',
        appliedFor: ['REPLICATION'],
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'not-an-arn' },
      },
      'encryptionConfiguration.kmsKey',
      'must satisfy regular expression',
    ],
  ])('refuses %j with InvalidParameterException', async (input, member, constraint) => {
    const err = await refusal(
      ecr.send(new CreateRepositoryCreationTemplateCommand(input as never)),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.status).toBe(400);
    if (member)
      expect(err.message).toContain(
        `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}`,
      );
    expect(await describeAll(['ok'])).toEqual([]);
  });

  it('refuses reserved and too many resource tags as a repository does', async () => {
    expect(
      (
        await refusal(
          ecr.send(
            new CreateRepositoryCreationTemplateCommand({
              prefix: 'tags',
              appliedFor: ['REPLICATION'],
              resourceTags: [{ Key: 'aws:x', Value: 'y' }],
            }),
          ),
        )
      ).name,
    ).toBe('InvalidTagParameterException');
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(
      (
        await refusal(
          ecr.send(
            new CreateRepositoryCreationTemplateCommand({
              prefix: 'tags',
              appliedFor: ['REPLICATION'],
              resourceTags: many,
            }),
          ),
        )
      ).name,
    ).toBe('TooManyTagsException');
  });

  it('pages DescribeRepositoryCreationTemplates by prefix with maxResults and nextToken', async () => {
    const prefixes = ['page/a', 'page/b', 'page/c', 'page/d', 'page/e'];
    for (const prefix of prefixes)
      await ecr.send(
        new CreateRepositoryCreationTemplateCommand({ prefix, appliedFor: ['REPLICATION'] }),
      );
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(
        new DescribeRepositoryCreationTemplatesCommand({ prefixes, maxResults: 2, nextToken }),
      );
      expect(page.repositoryCreationTemplates!.length).toBeLessThanOrEqual(2);
      seen.push(...page.repositoryCreationTemplates!.map((x) => x.prefix!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toEqual(prefixes);
    const all = (await describeAll()).map((x) => x.prefix);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(prefixes));
    expect(
      (
        await refusal(
          ecr.send(new DescribeRepositoryCreationTemplatesCommand({ nextToken: 'garbage' })),
        )
      ).name,
    ).toBe('InvalidParameterException');
    expect(
      (
        await refusal(
          ecr.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 1001 })),
        )
      ).name,
    ).toBe('InvalidParameterException');
    expect(await describeAll(['page/none'])).toEqual([]);
  });

  it("keeps each account's templates to itself", async () => {
    const other = await createAccount(t.url);
    const theirs = t.client({ credentials: other.credentials });
    expect(
      (await theirs.send(new DescribeRepositoryCreationTemplatesCommand({})))
        .repositoryCreationTemplates,
    ).toEqual([]);
    expect(
      (await refusal(theirs.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'full' }))))
        .name,
    ).toBe('TemplateNotFoundException');
    await theirs.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'full',
        appliedFor: ['CREATE_ON_PUSH'],
      }),
    );
    expect((await describeAll(['full']))[0].description).toBe('everything');
  });

  it("replays Terraform's aws_ecr_repository_creation_template: create, read, update, read, delete, read until gone", async () => {
    const prefix = 'tf/example';
    const read = async () => {
      const found = await describeAll([prefix]);
      return found.length === 1 ? found[0] : undefined;
    };
    const created = await ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix,
        appliedFor: ['PULL_THROUGH_CACHE'],
        encryptionConfiguration: { encryptionType: 'AES256' },
        imageTagMutability: 'IMMUTABLE',
        description: 'An example template',
        customRoleArn: 'arn:aws:iam::123456789012:role/example',
        lifecyclePolicy: LIFECYCLE,
        repositoryPolicy: POLICY,
        resourceTags: [{ Key: 'Foo', Value: 'Bar' }],
      }),
    );
    const first = await read();
    expect(first).toEqual(created.repositoryCreationTemplate);
    expect(first).toMatchObject({
      lifecyclePolicy: LIFECYCLE,
      repositoryPolicy: POLICY,
      imageTagMutability: 'IMMUTABLE',
    });

    // Terraform sends only what changed.
    await ecr.send(
      new UpdateRepositoryCreationTemplateCommand({
        prefix,
        description: 'changed',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
        resourceTags: [{ Key: 'Foo', Value: 'Baz' }],
        appliedFor: ['PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'],
      }),
    );
    const second = await read();
    expect(second).toEqual({
      ...first,
      description: 'changed',
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
      resourceTags: [{ Key: 'Foo', Value: 'Baz' }],
      appliedFor: ['PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'],
      updatedAt: expect.any(Date) as Date,
    });
    expect(second!.createdAt).toEqual(first!.createdAt);

    // Removing the lifecycle policy sends it empty.
    await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix, lifecyclePolicy: '' }));
    expect((await read())!.lifecyclePolicy).toBeUndefined();

    const deleted = await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix }));
    expect(deleted.repositoryCreationTemplate!.prefix).toBe(prefix);
    expect(await read()).toBeUndefined();
    expect(
      (await refusal(ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix })))).name,
    ).toBe('TemplateNotFoundException');
  });

  describe('CREATE_ON_PUSH over /v2', () => {
    let auth: { authorization: string };
    beforeAll(async () => {
      auth = { authorization: basicAuth(await registryLogin(ecr)) };
      await ecr.send(
        new CreateRepositoryCreationTemplateCommand({
          prefix: 'auto',
          appliedFor: ['CREATE_ON_PUSH'],
          resourceTags: [{ Key: 'created-by', Value: 'push' }],
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
          lifecyclePolicy: LIFECYCLE,
          repositoryPolicy: POLICY,
        }),
      );
      await ecr.send(
        new CreateRepositoryCreationTemplateCommand({
          prefix: 'auto/deeper',
          appliedFor: ['CREATE_ON_PUSH'],
          resourceTags: [{ Key: 'depth', Value: '2' }],
        }),
      );
      await ecr.send(
        new CreateRepositoryCreationTemplateCommand({
          prefix: 'cache',
          appliedFor: ['PULL_THROUGH_CACHE'],
        }),
      );
    });

    const pushBlob = (repo: string, blob: Buffer) =>
      v2Request(t.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digestOf(blob)}`, {
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: blob,
      });
    const pushImage = async (repo: string, tag: string) => {
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [] },
        }),
      );
      const layer = Buffer.from(`layer of ${repo}`);
      for (const blob of [config, layer]) expect((await pushBlob(repo, blob)).status).toBe(201);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: digestOf(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar',
            digest: digestOf(layer),
            size: layer.length,
          },
        ],
      });
      return v2Request(t.url, 'PUT', `/v2/${repo}/manifests/${tag}`, {
        headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: manifest,
      });
    };
    const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;

    it("creates a repository pushed under the prefix with the template's tags, mutability and lifecycle policy", async () => {
      const put = await pushImage('auto/web', 'v1');
      expect(put.status).toBe(201);
      const [repo] = (
        await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['auto/web'] }))
      ).repositories!;
      expect(repo.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
      expect(repo.imageTagMutabilityExclusionFilters).toEqual([
        { filterType: 'WILDCARD', filter: 'latest' },
      ]);
      expect(repo.encryptionConfiguration).toEqual({ encryptionType: 'AES256' });
      const { tags } = await ecr.send(
        new ListTagsForResourceCommand({ resourceArn: repoArn('auto/web') }),
      );
      expect(tags).toEqual([{ Key: 'created-by', Value: 'push' }]);
      const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'auto/web' }));
      expect(policy.lifecyclePolicyText).toBe(LIFECYCLE);
      const shared = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'auto/web' }));
      expect(shared.policyText).toBe(POLICY);
    });

    it('refuses a template whose repository policy names a resource outside its prefix', async () => {
      const err = await ecr
        .send(
          new CreateRepositoryCreationTemplateCommand({
            prefix: 'narrow',
            appliedFor: ['CREATE_ON_PUSH'],
            repositoryPolicy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::210987654321:root' },
                  Action: 'ecr:BatchGetImage',
                  Resource: repoArn('elsewhere/app'),
                },
              ],
            }),
          }),
        )
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(err?.name).toBe('InvalidParameterException');
      expect(err?.message).toContain('does not name this repository');
      const found = await ecr.send(
        new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['narrow'] }),
      );
      expect(found.repositoryCreationTemplates ?? []).toEqual([]);
    });

    it('takes the longest matching prefix', async () => {
      expect((await pushImage('auto/deeper/api', 'v1')).status).toBe(201);
      const { tags } = await ecr.send(
        new ListTagsForResourceCommand({ resourceArn: repoArn('auto/deeper/api') }),
      );
      expect(tags).toEqual([{ Key: 'depth', Value: '2' }]);
    });

    it('answers NAME_UNKNOWN without a matching CREATE_ON_PUSH template, and creates nothing', async () => {
      for (const repo of ['elsewhere/web', 'cache/web', 'auto']) {
        const res = await pushBlob(repo, Buffer.from('x'));
        expect(res.status).toBe(404);
        expect(errorCode(res)).toBe('NAME_UNKNOWN');
        expect(
          (await refusal(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }))))
            .name,
        ).toBe('RepositoryNotFoundException');
      }
    });

    it('lets concurrent first pushes of one new repository all succeed, one creating it', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => pushBlob('auto/race', Buffer.from(`blob ${i}`))),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
      const { repositories } = await ecr.send(
        new DescribeRepositoriesCommand({ repositoryNames: ['auto/race'] }),
      );
      expect(repositories).toHaveLength(1);
      const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'auto/race' }));
      expect(policy.lifecyclePolicyText).toBe(LIFECYCLE);
    });

    it('creates with ROOT when no other prefix matches', async () => {
      await ecr.send(
        new CreateRepositoryCreationTemplateCommand({
          prefix: 'ROOT',
          appliedFor: ['CREATE_ON_PUSH'],
          resourceTags: [{ Key: 'root', Value: 'yes' }],
        }),
      );
      expect((await pushImage('anything', 'v1')).status).toBe(201);
      const { tags } = await ecr.send(
        new ListTagsForResourceCommand({ resourceArn: repoArn('anything') }),
      );
      expect(tags).toEqual([{ Key: 'root', Value: 'yes' }]);
      await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'ROOT' }));
    });
  });
});
