import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageTagMutabilityExclusionFilter,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageTagMutabilityCommand,
  Repository,
  Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { createAccount } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { pushImageBlobs, putImage } from './support/images';
import { errorOf } from './support/layers';
import { errorCode, v2Request } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const REGION = 'eu-west-1';
const arnOf = (name: string, account = ACCOUNT, region = REGION): string =>
  `arn:aws:ecr:${region}:${account}:repository/${name}`;
const wildcard = (filter: string): { filterType: 'WILDCARD'; filter: string } => ({
  filterType: 'WILDCARD',
  filter,
});
const tagsOf = (n: number, prefix = 'k'): { Key: string; Value: string }[] =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));
const immutableText = (tag: string, repo: string): string =>
  `The image tag '${tag}' already exists in the '${repo}' repository and cannot be overwritten because the tag is immutable.`;

describe('resource tags and tag mutability through @aws-sdk/client-ecr', () => {
  let t: TestApp;
  let ecr: ECRClient;

  const listTags = async (name: string): Promise<Tag[] | undefined> =>
    (await ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf(name) }))).tags;
  const describe1 = async (name: string): Promise<Repository> =>
    (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories![0];

  /** The error name, status and message of a refused call. */
  const refusal = async (
    call: Promise<unknown>,
  ): Promise<{ name: string; status?: number; message: string }> => {
    const err = await errorOf(call);
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
  };
  const invalid = (member: string, constraint: string) => ({
    name: 'InvalidParameterException',
    status: 400,
    message: `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`,
  });

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT, AWS_REGION: REGION });
    ecr = t.client();
  });
  afterAll(() => t.close());

  describe('TagResource, UntagResource, ListTagsForResource', () => {
    beforeAll(async () => {
      await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: 'tags/app',
          tags: [
            { Key: 'owner', Value: 'platform' },
            { Key: 'env', Value: '' },
          ],
        }),
      );
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/bare' }));
    });

    it("lists CreateRepository's tags as a list of {Key, Value}, in the order given", async () => {
      const out = await ecr.send(
        new ListTagsForResourceCommand({ resourceArn: arnOf('tags/app') }),
      );
      expect(out.tags).toEqual([
        { Key: 'owner', Value: 'platform' },
        { Key: 'env', Value: '' },
      ]);
    });

    it('lists an empty list for a repository without tags', async () => {
      expect(await listTags('tags/bare')).toEqual([]);
    });

    it('adds tags, replaces the value of a key it has, and removes tags by key', async () => {
      await ecr.send(
        new TagResourceCommand({
          resourceArn: arnOf('tags/bare'),
          tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
        }),
      );
      await ecr.send(
        new TagResourceCommand({
          resourceArn: arnOf('tags/bare'),
          tags: [
            { Key: 'b', Value: 'two' },
            { Key: 'c', Value: '3' },
          ],
        }),
      );
      expect(await listTags('tags/bare')).toEqual([
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: 'two' },
        { Key: 'c', Value: '3' },
      ]);
      // A key the repository does not have is no error.
      await ecr.send(
        new UntagResourceCommand({ resourceArn: arnOf('tags/bare'), tagKeys: ['a', 'nope'] }),
      );
      expect(await listTags('tags/bare')).toEqual([
        { Key: 'b', Value: 'two' },
        { Key: 'c', Value: '3' },
      ]);
      await ecr.send(
        new UntagResourceCommand({ resourceArn: arnOf('tags/bare'), tagKeys: ['b', 'c'] }),
      );
      expect(await listTags('tags/bare')).toEqual([]);
    });

    it('keeps the tags of concurrent TagResource calls, each of its own keys', async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/race' }));
      await Promise.all(
        tagsOf(20).map((tag) =>
          ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/race'), tags: [tag] })),
        ),
      );
      const tags = await listTags('tags/race');
      expect(tags!.map((tag) => tag.Key).sort()).toEqual(
        tagsOf(20)
          .map((tag) => tag.Key)
          .sort(),
      );
    });

    it('answers TooManyTagsException beyond 50 tags, in one call or in all, and changes nothing', async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/many' }));
      expect(
        (
          await refusal(
            ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/many'), tags: tagsOf(51) })),
          )
        ).name,
      ).toBe('TooManyTagsException');
      await ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/many'), tags: tagsOf(50) }));
      // Replacing values keeps 50 tags: allowed.
      await ecr.send(
        new TagResourceCommand({
          resourceArn: arnOf('tags/many'),
          tags: [{ Key: 'k0', Value: 'x' }],
        }),
      );
      const over = await refusal(
        ecr.send(
          new TagResourceCommand({
            resourceArn: arnOf('tags/many'),
            tags: [{ Key: 'k50', Value: '' }],
          }),
        ),
      );
      expect(over.name).toBe('TooManyTagsException');
      expect(over.status).toBe(400);
      const tags = await listTags('tags/many');
      expect(tags).toHaveLength(50);
      expect(tags![0]).toEqual({ Key: 'k0', Value: 'x' });
      expect(
        (
          await refusal(
            ecr.send(
              new UntagResourceCommand({
                resourceArn: arnOf('tags/many'),
                tagKeys: tagsOf(51).map((x) => x.Key),
              }),
            ),
          )
        ).name,
      ).toBe('TooManyTagsException');
    });

    it.each([
      ['a key of 129 characters', [{ Key: 'k'.repeat(129), Value: '' }]],
      ['an empty key', [{ Key: '', Value: 'v' }]],
      ['a value of 257 characters', [{ Key: 'k', Value: 'v'.repeat(257) }]],
      ["a key with the reserved prefix 'aws:'", [{ Key: 'aws:cloudformation:stack', Value: 'x' }]],
      ["a key with the reserved prefix 'AWS:'", [{ Key: 'AWS:x', Value: 'x' }]],
      [
        'a key twice',
        [
          { Key: 'k', Value: '1' },
          { Key: 'k', Value: '2' },
        ],
      ],
      ['a character outside the tag alphabet', [{ Key: 'k', Value: 'a;b' }]],
    ])('TagResource answers InvalidTagParameterException for %s', async (_what, tags) => {
      const err = await refusal(
        ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/app'), tags })),
      );
      expect(err.name).toBe('InvalidTagParameterException');
      expect(err.status).toBe(400);
      expect(await listTags('tags/app')).toHaveLength(2);
    });

    it('accepts the limits themselves: a 128-character key and a 256-character value', async () => {
      const tag = { Key: 'k'.repeat(128), Value: 'v'.repeat(256) };
      await ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/bare'), tags: [tag] }));
      expect(await listTags('tags/bare')).toEqual([tag]);
    });

    it("UntagResource answers InvalidTagParameterException for a reserved 'aws:' key or an empty one", async () => {
      for (const key of ['aws:createdBy', '', 'k'.repeat(129)]) {
        const err = await refusal(
          ecr.send(new UntagResourceCommand({ resourceArn: arnOf('tags/app'), tagKeys: [key] })),
        );
        expect(err.name).toBe('InvalidTagParameterException');
      }
    });

    it('CreateRepository with more than 50 tags or a reserved key creates nothing', async () => {
      expect(
        (
          await refusal(
            ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/no1', tags: tagsOf(51) })),
          )
        ).name,
      ).toBe('TooManyTagsException');
      expect(
        (
          await refusal(
            ecr.send(
              new CreateRepositoryCommand({
                repositoryName: 'tags/no2',
                tags: [{ Key: 'aws:x', Value: '' }],
              }),
            ),
          )
        ).name,
      ).toBe('InvalidTagParameterException');
      const missing = await refusal(
        ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['tags/no1'] })),
      );
      expect(missing.name).toBe('RepositoryNotFoundException');
    });

    describe('the resource ARN', () => {
      const INVALID = invalid('resourceArn', 'Invalid ARN');

      it.each([
        ['no ARN at all', 'notvalid'],
        ['an empty string', ''],
        ['another region', arnOf('tags/app', ACCOUNT, 'us-east-1')],
        ['another service', `arn:aws:ecs:${REGION}:${ACCOUNT}:repository/tags/app`],
        ['another partition', `arn:aws-cn:ecr:${REGION}:${ACCOUNT}:repository/tags/app`],
        [
          'a creation template',
          `arn:aws:ecr:${REGION}:${ACCOUNT}:repository-creation-template/tags`,
        ],
        ['a repository name ECR refuses', arnOf('Tags/App')],
        ['an account id that is not 12 digits', arnOf('tags/app', '1234')],
        ['a missing resource', `arn:aws:ecr:${REGION}:${ACCOUNT}:`],
      ])('answers InvalidParameterException for %s', async (_what, resourceArn) => {
        expect(await refusal(ecr.send(new ListTagsForResourceCommand({ resourceArn })))).toEqual(
          INVALID,
        );
        expect(
          await refusal(
            ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'a', Value: 'b' }] })),
          ),
        ).toEqual(INVALID);
        expect(
          await refusal(ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] }))),
        ).toEqual(INVALID);
      });

      it("answers RepositoryNotFoundException for a missing repository of the caller's", async () => {
        const expected = {
          name: 'RepositoryNotFoundException',
          status: 400,
          message: `The repository with name 'tags/missing' does not exist in the registry with id '${ACCOUNT}'`,
        };
        const resourceArn = arnOf('tags/missing');
        expect(await refusal(ecr.send(new ListTagsForResourceCommand({ resourceArn })))).toEqual(
          expected,
        );
        expect(
          await refusal(
            ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'a', Value: 'b' }] })),
          ),
        ).toEqual(expected);
        expect(
          await refusal(ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] }))),
        ).toEqual(expected);
      });

      it('answers AccessDeniedException (403) for an ARN of another account, existing or not', async () => {
        const other = t.client({ credentials: (await createAccount(t.url, OTHER)).credentials });
        await other.send(new CreateRepositoryCommand({ repositoryName: 'tags/theirs' }));
        for (const resourceArn of [arnOf('tags/theirs', OTHER), arnOf('tags/nothing', OTHER)]) {
          const err = await refusal(ecr.send(new ListTagsForResourceCommand({ resourceArn })));
          expect(err.name).toBe('AccessDeniedException');
          expect(err.status).toBe(403);
          expect(err.message).toContain(`ecr:ListTagsForResource on resource: ${resourceArn}`);
          const tagged = await refusal(
            ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'a', Value: 'b' }] })),
          );
          expect(tagged.name).toBe('AccessDeniedException');
          const untagged = await refusal(
            ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] })),
          );
          expect(untagged.name).toBe('AccessDeniedException');
        }
        expect(
          (
            await other.send(
              new ListTagsForResourceCommand({ resourceArn: arnOf('tags/theirs', OTHER) }),
            )
          ).tags,
        ).toEqual([]);
      });

      it('answers InvalidParameterException for a missing required member', async () => {
        expect(
          await refusal(
            ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/app') } as never)),
          ),
        ).toEqual(invalid('tags', 'Member must not be null'));
        expect(
          await refusal(
            ecr.send(new UntagResourceCommand({ resourceArn: arnOf('tags/app') } as never)),
          ),
        ).toEqual(invalid('tagKeys', 'Member must not be null'));
        expect(await refusal(ecr.send(new ListTagsForResourceCommand({} as never)))).toEqual(
          invalid('resourceArn', 'Member must not be null'),
        );
        expect(
          await refusal(
            ecr.send(
              new TagResourceCommand({
                resourceArn: arnOf('tags/app'),
                tags: [{ Key: 'a' }],
              } as never),
            ),
          ),
        ).toEqual(invalid('tags.0.Value', 'Member must not be null'));
      });
    });
  });

  describe('PutImageTagMutability and exclusion filters', () => {
    beforeAll(async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'mut/app' }));
    });

    it('answers each setting with its filters, and DescribeRepositories returns the same', async () => {
      const cases: [
        Repository['imageTagMutability'],
        ImageTagMutabilityExclusionFilter[] | undefined,
      ][] = [
        ['IMMUTABLE', undefined],
        ['IMMUTABLE_WITH_EXCLUSION', [wildcard('latest*'), wildcard('dev-*')]],
        ['MUTABLE_WITH_EXCLUSION', [wildcard('release-*-rc*')]],
        ['MUTABLE', undefined],
      ];
      for (const [imageTagMutability, filters] of cases) {
        const out = await ecr.send(
          new PutImageTagMutabilityCommand({
            repositoryName: 'mut/app',
            imageTagMutability,
            imageTagMutabilityExclusionFilters: filters,
          }),
        );
        expect({ ...out, $metadata: undefined }).toEqual({
          $metadata: undefined,
          registryId: ACCOUNT,
          repositoryName: 'mut/app',
          imageTagMutability,
          ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}),
        });
        const repo = await describe1('mut/app');
        expect(repo.imageTagMutability).toBe(imageTagMutability);
        // Absent, not empty, without filters: as ECR answers it.
        expect('imageTagMutabilityExclusionFilters' in repo).toBe(filters !== undefined);
        expect(repo.imageTagMutabilityExclusionFilters).toEqual(filters);
      }
    });

    it('CreateRepository takes the setting and its filters', async () => {
      const created = await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: 'mut/created',
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [wildcard('latest*')],
        }),
      );
      expect(created.repository!.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
      expect(created.repository!.imageTagMutabilityExclusionFilters).toEqual([wildcard('latest*')]);
      expect((await describe1('mut/created')).imageTagMutabilityExclusionFilters).toEqual([
        wildcard('latest*'),
      ]);
    });

    const put = (
      imageTagMutability: string,
      imageTagMutabilityExclusionFilters?: { filterType: string; filter: string }[],
      repositoryName = 'mut/app',
    ) =>
      ecr.send(
        new PutImageTagMutabilityCommand({
          repositoryName,
          imageTagMutability: imageTagMutability as 'MUTABLE',
          imageTagMutabilityExclusionFilters:
            imageTagMutabilityExclusionFilters as ImageTagMutabilityExclusionFilter[],
        }),
      );

    it.each([
      [
        'an unknown setting',
        () => put('SOMETIMES'),
        invalid(
          'imageTagMutability',
          'must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]',
        ),
      ],
      [
        'no setting',
        () => ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'mut/app' } as never)),
        invalid('imageTagMutability', 'Member must not be null'),
      ],
      [
        'six filters',
        () => put('IMMUTABLE_WITH_EXCLUSION', ['a', 'b', 'c', 'd', 'e', 'f'].map(wildcard)),
        invalid(
          'imageTagMutabilityExclusionFilters',
          'Member must have length less than or equal to 5',
        ),
      ],
      [
        'an empty filter list',
        () => put('IMMUTABLE_WITH_EXCLUSION', []),
        invalid(
          'imageTagMutabilityExclusionFilters',
          'Member must have length greater than or equal to 1',
        ),
      ],
      [
        'a filter type other than WILDCARD',
        () => put('IMMUTABLE_WITH_EXCLUSION', [{ filterType: 'REGEX', filter: 'latest' }]),
        invalid(
          'imageTagMutabilityExclusionFilters.0.filterType',
          'must satisfy enum value set: [WILDCARD]',
        ),
      ],
      [
        'a filter of 129 characters',
        () => put('IMMUTABLE_WITH_EXCLUSION', [wildcard('a'.repeat(129))]),
        invalid(
          'imageTagMutabilityExclusionFilters.0.filter',
          'must have length less than or equal to 128',
        ),
      ],
      [
        'a filter with a character no tag has',
        () => put('IMMUTABLE_WITH_EXCLUSION', [wildcard('latest?')]),
        invalid(
          'imageTagMutabilityExclusionFilters.0.filter',
          "must satisfy regular expression '^[0-9a-zA-Z._*-]{1,128}$'",
        ),
      ],
      [
        'a filter with three wildcards',
        () => put('MUTABLE_WITH_EXCLUSION', [wildcard('a*'), wildcard('*b*c*')]),
        invalid(
          'imageTagMutabilityExclusionFilters.1.filter',
          'must contain at most 2 wildcard characters (*)',
        ),
      ],
      [
        'IMMUTABLE_WITH_EXCLUSION without filters',
        () => put('IMMUTABLE_WITH_EXCLUSION'),
        invalid(
          'imageTagMutabilityExclusionFilters',
          'must contain at least one filter when imageTagMutability is IMMUTABLE_WITH_EXCLUSION',
        ),
      ],
      [
        'filters with IMMUTABLE',
        () => put('IMMUTABLE', [wildcard('latest')]),
        invalid(
          'imageTagMutabilityExclusionFilters',
          'must be empty when imageTagMutability is IMMUTABLE',
        ),
      ],
    ])(
      'answers InvalidParameterException for %s, and changes nothing',
      async (_what, call, expected) => {
        const before = await describe1('mut/app');
        expect(await refusal(call())).toEqual(expected);
        expect(await describe1('mut/app')).toEqual(before);
      },
    );

    it('answers RepositoryNotFoundException for a missing repository', async () => {
      expect(await refusal(put('IMMUTABLE', undefined, 'mut/missing'))).toEqual({
        name: 'RepositoryNotFoundException',
        status: 400,
        message: `The repository with name 'mut/missing' does not exist in the registry with id '${ACCOUNT}'`,
      });
    });

    it('CreateRepository refuses filters it cannot take, and creates nothing', async () => {
      const err = await refusal(
        ecr.send(
          new CreateRepositoryCommand({
            repositoryName: 'mut/refused',
            imageTagMutability: 'MUTABLE',
            imageTagMutabilityExclusionFilters: [wildcard('x')],
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      expect(
        (
          await refusal(
            ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['mut/refused'] })),
          )
        ).name,
      ).toBe('RepositoryNotFoundException');
    });
  });

  describe("IMMUTABLE_WITH_EXCLUSION with 'latest*': v1 cannot move, latest can", () => {
    it('through PutImage', async () => {
      const repo = 'mut/putimage';
      await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: repo,
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [wildcard('latest*')],
        }),
      );
      const first = await pushImageBlobs(ecr, repo);
      const second = await pushImageBlobs(ecr, repo);
      for (const tag of ['v1', 'latest', 'latest-arm64'])
        await putImage(ecr, repo, first.manifest, tag);

      const moved = await refusal(putImage(ecr, repo, second.manifest, 'v1'));
      expect(moved).toEqual({
        name: 'ImageTagAlreadyExistsException',
        status: 400,
        message: immutableText('v1', repo),
      });
      expect(await putImage(ecr, repo, second.manifest, 'latest')).toBe(second.digest);
      expect(await putImage(ecr, repo, second.manifest, 'latest-arm64')).toBe(second.digest);
      // A new tag is no move: any tag may be set once.
      expect(await putImage(ecr, repo, second.manifest, 'v2')).toBe(second.digest);

      const { imageIds } = await ecr.send(new ListImagesCommand({ repositoryName: repo }));
      const byTag = new Map(imageIds!.map((id) => [id.imageTag, id.imageDigest]));
      expect(byTag.get('v1')).toBe(first.digest);
      expect(byTag.get('latest')).toBe(second.digest);
      expect(byTag.get('latest-arm64')).toBe(second.digest);

      // Turned MUTABLE_WITH_EXCLUSION for v*: v1 still cannot move, latest still can.
      await ecr.send(
        new PutImageTagMutabilityCommand({
          repositoryName: repo,
          imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [wildcard('v*')],
        }),
      );
      expect((await refusal(putImage(ecr, repo, second.manifest, 'v1'))).name).toBe(
        'ImageTagAlreadyExistsException',
      );
      expect(await putImage(ecr, repo, first.manifest, 'latest')).toBe(first.digest);
      // And MUTABLE: everything moves.
      await ecr.send(
        new PutImageTagMutabilityCommand({ repositoryName: repo, imageTagMutability: 'MUTABLE' }),
      );
      expect(await putImage(ecr, repo, second.manifest, 'v1')).toBe(second.digest);
    });

    it('through the /v2 manifest PUT: TAG_INVALID in ECR words for v1, 201 for latest', async () => {
      const repo = 'mut/v2';
      await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: repo,
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [wildcard('latest*')],
        }),
      );
      const auth = { authorization: basicAuth(await registryLogin(ecr)) };
      const first = await pushImageBlobs(ecr, repo);
      const second = await pushImageBlobs(ecr, repo);
      const putManifest = (manifest: string, tag: string) =>
        v2Request(t.url, 'PUT', `/v2/${repo}/manifests/${tag}`, {
          headers: {
            ...auth,
            'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
          },
          body: manifest,
        });
      for (const tag of ['v1', 'latest'])
        expect((await putManifest(first.manifest, tag)).status).toBe(201);

      const refused = await putManifest(second.manifest, 'v1');
      expect(refused.status).toBe(400);
      expect(errorCode(refused)).toBe('TAG_INVALID');
      expect((refused.json as { errors: { message: string }[] }).errors[0].message).toBe(
        immutableText('v1', repo),
      );
      const moved = await putManifest(second.manifest, 'latest');
      expect(moved.status).toBe(201);
      expect(moved.headers['docker-content-digest']).toBe(second.digest);

      const head = (tag: string) =>
        v2Request(t.url, 'HEAD', `/v2/${repo}/manifests/${tag}`, {
          headers: { ...auth, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        });
      expect((await head('v1')).headers['docker-content-digest']).toBe(first.digest);
      expect((await head('latest')).headers['docker-content-digest']).toBe(second.digest);
    });
  });

  it('replays aws_ecr_repository: create, read, update, read, delete, read until gone', async () => {
    const name = 'tf/app';
    const arn = arnOf(name);
    // Create.
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: name,
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [wildcard('latest*')],
        imageScanningConfiguration: { scanOnPush: false },
        encryptionConfiguration: { encryptionType: 'AES256' },
        tags: [
          { Key: 'Name', Value: 'app' },
          { Key: 'team', Value: 'platform' },
        ],
      }),
    );
    expect(created.repository!.repositoryArn).toBe(arn);
    // Read: DescribeRepositories, then ListTagsForResource.
    const read = await describe1(name);
    expect(read).toEqual(created.repository);
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { Key: 'Name', Value: 'app' },
      { Key: 'team', Value: 'platform' },
    ]);
    // Update: tags (remove one, change one, add one), then mutability.
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['Name'] }));
    await ecr.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { Key: 'team', Value: 'infra' },
          { Key: 'cost-centre', Value: '42' },
        ],
      }),
    );
    await ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName: name,
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [wildcard('v*'), wildcard('release-*')],
      }),
    );
    // Read again: every member as written.
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { Key: 'team', Value: 'infra' },
      { Key: 'cost-centre', Value: '42' },
    ]);
    expect(await describe1(name)).toEqual({
      ...created.repository,
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [wildcard('v*'), wildcard('release-*')],
    });
    await ecr.send(
      new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'MUTABLE' }),
    );
    const mutable = { ...created.repository, imageTagMutability: 'MUTABLE' };
    delete mutable.imageTagMutabilityExclusionFilters;
    expect(await describe1(name)).toEqual(mutable);
    // Delete, then read until gone.
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: name }));
    expect((await refusal(describe1(name))).name).toBe('RepositoryNotFoundException');
    expect(
      (await refusal(ecr.send(new ListTagsForResourceCommand({ resourceArn: arn })))).name,
    ).toBe('RepositoryNotFoundException');
    // The name is free again, and a new repository of it has none of the old tags.
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([]);
  });
});
