import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  BatchGetRepositoryScanningConfigurationCommand,
  CompleteLayerUploadCommand,
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeletePullThroughCacheRuleCommand,
  DeleteRegistryPolicyCommand,
  DeleteRepositoryPolicyCommand,
  DeleteRepositoryCommand,
  DeleteSigningConfigurationCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImageReplicationStatusCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeImageSigningStatusCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAccountSettingCommand,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand,
  GetSigningConfigurationCommand,
  GetRepositoryPolicyCommand,
  InitiateLayerUploadCommand,
  ListImageReferrersCommand,
  ListImagesCommand,
  ListPullTimeUpdateExclusionsCommand,
  ListTagsForResourceCommand,
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoryCreationTemplatesCommand,
  UpdateRepositoryCreationTemplateCommand,
  PutAccountSettingCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  PutRegistryPolicyCommand,
  PutRegistryScanningConfigurationCommand,
  PutReplicationConfigurationCommand,
  PutSigningConfigurationCommand,
  RegisterPullTimeUpdateExclusionCommand,
  StartImageScanCommand,
  SetRepositoryPolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateImageStorageClassCommand,
  UpdatePullThroughCacheRuleCommand,
  UploadLayerPartCommand,
  ValidatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { EcrOperationsRegistry } from '../src/ecr/ecr-operations.registry';
import { TokensService } from '../src/tokens/tokens.service';
import { createAccount } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { errorOf, initiate, layerBytes, sha256Digest, uploadPart } from './support/layers';

// Two accounts, A and B. For every ECR operation that exists, B can neither see nor change
// anything of A's: naming A's registry is AccessDeniedException (403), and B's own registry holds
// none of A's repositories, uploads, layers or images, even under the same names and ids. (A
// registry token asked for A's id is no naming: as in ECR, it acts as B.)

const A_ID = '111111111111';
const B_ID = '222222222222';
const REPO = 'iso/app';
const REPO_ARN = `arn:aws:ecr:us-east-1:${A_ID}:repository/${REPO}`;
/** A's lifecycle policy: it expires nothing of A's (one image, kept). */
const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep the newest 5 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
      action: { type: 'expire' },
    },
  ],
});

/** A's registry-level settings. */
const REGISTRY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A_ID}:root` },
      Action: 'ecr:ReplicateImage',
      Resource: `arn:aws:ecr:us-east-1:${A_ID}:repository/*`,
    },
  ],
});
const REPLICATION = { rules: [{ destinations: [{ region: 'eu-west-1', registryId: A_ID }] }] };
const SCANNING = {
  scanType: 'ENHANCED' as const,
  rules: [
    {
      scanFrequency: 'CONTINUOUS_SCAN' as const,
      repositoryFilters: [{ filter: 'iso/*', filterType: 'WILDCARD' as const }],
    },
  ],
};
const SIGNING = {
  rules: [{ signingProfileArn: `arn:aws:signer:us-east-1:${A_ID}:/signing-profiles/a_profile` }],
};
const EXCLUDED = `arn:aws:iam::${A_ID}:user/ci`;

describe('two accounts on one Berth', () => {
  let t: TestApp;
  let a: ECRClient;
  let b: ECRClient;
  let image: BuiltImage;
  let uploadA: string;
  let downloadUrlA: string;
  const covered = new Set<string>();

  /** B names A's registry: refused, whatever the operation. */
  async function deniedToB(operation: string, call: Promise<unknown>): Promise<void> {
    const err = await errorOf(call);
    expect({ operation, name: err.name, status: err.$metadata.httpStatusCode }).toEqual({
      operation,
      name: 'AccessDeniedException',
      status: 403,
    });
    expect(err.message).toContain(`arn:aws:ecr:us-east-1:${A_ID}:repository/`);
    covered.add(operation);
  }

  /** The claims a registry token's password carries: `r`, the registry it acts as. */
  function claimsOf(authorizationToken: string): { r: string; e: number } {
    const password = Buffer.from(authorizationToken, 'base64')
      .toString('utf8')
      .replace(/^AWS:/, '');
    expect(t.app.get(TokensService).verify(password)).toBeDefined();
    const payload = password.split('.')[0];
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      r: string;
      e: number;
    };
  }

  /** What A still has, unchanged by anything B did. */
  async function expectAUntouched(): Promise<void> {
    const repos = await a.send(new DescribeRepositoriesCommand({ repositoryNames: [REPO] }));
    expect(repos.repositories![0].registryId).toBe(A_ID);
    const images = await a.send(
      new BatchGetImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(images.images![0].imageId!.imageDigest).toBe(image.digest);
    const layers = await a.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: REPO,
        layerDigests: image.layers.map((l) => sha256Digest(l)),
      }),
    );
    expect(layers.layers!.every((l) => l.layerAvailability === 'AVAILABLE')).toBe(true);
    const policy = await a.send(new GetLifecyclePolicyCommand({ repositoryName: REPO }));
    expect(policy.lifecyclePolicyText).toBe(POLICY);
    expect(repos.repositories![0].imageTagMutability).toBe('MUTABLE');
    const tags = await a.send(new ListTagsForResourceCommand({ resourceArn: REPO_ARN }));
    expect(tags.tags).toEqual([{ Key: 'owner', Value: 'a' }]);
    expect((await a.send(new GetRegistryPolicyCommand({}))).policyText).toBe(REGISTRY_POLICY);
    expect((await a.send(new DescribeRegistryCommand({}))).replicationConfiguration).toEqual(
      REPLICATION,
    );
    expect(
      (await a.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).value,
    ).toBe('V1');
    expect(
      (await a.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration,
    ).toEqual(SCANNING);
    expect((await a.send(new GetSigningConfigurationCommand({}))).signingConfiguration).toEqual(
      SIGNING,
    );
    expect(
      (await a.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions,
    ).toEqual([EXCLUDED]);
    expect(
      (
        await a.send(
          new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [REPO] }),
        )
      ).scanningConfigurations![0].scanOnPush,
    ).toBe(false);
    const repositoryPolicy = await errorOf(
      a.send(new GetRepositoryPolicyCommand({ repositoryName: REPO })),
    );
    expect(repositoryPolicy.name).toBe('RepositoryPolicyNotFoundException');
  }

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: A_ID });
    a = t.client();
    b = t.client({ credentials: (await createAccount(t.url, B_ID)).credentials });
    await a.send(
      new CreateRepositoryCommand({ repositoryName: REPO, tags: [{ Key: 'owner', Value: 'a' }] }),
    );
    image = await pushImageBlobs(a, REPO);
    await putImage(a, REPO, image.manifest, 'v1');
    await a.send(
      new PutLifecyclePolicyCommand({ repositoryName: REPO, lifecyclePolicyText: POLICY }),
    );
    // A's registry settings: none of them is B's to read or change.
    await a.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY }));
    await a.send(new PutReplicationConfigurationCommand({ replicationConfiguration: REPLICATION }));
    await a.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' }));
    await a.send(new PutRegistryScanningConfigurationCommand(SCANNING));
    await a.send(new PutSigningConfigurationCommand({ signingConfiguration: SIGNING }));
    await a.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: EXCLUDED }));
    uploadA = await initiate(a, REPO);
    await uploadPart(a, REPO, uploadA, layerBytes(1000), 0);
    downloadUrlA = (
      await a.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: REPO,
          layerDigest: sha256Digest(image.layers[0]),
        }),
      )
    ).downloadUrl!;
  });
  afterAll(() => t.close());

  it("refuses every operation that names A's registry, with AccessDeniedException", async () => {
    const registryId = A_ID;
    const digest = sha256Digest(image.layers[0]);
    await deniedToB(
      'CreateRepository',
      b.send(new CreateRepositoryCommand({ registryId, repositoryName: 'iso/new' })),
    );
    await deniedToB(
      'DescribeRepositories',
      b.send(new DescribeRepositoriesCommand({ registryId })),
    );
    await deniedToB(
      'DeleteRepository',
      b.send(new DeleteRepositoryCommand({ registryId, repositoryName: REPO, force: true })),
    );
    await deniedToB(
      'InitiateLayerUpload',
      b.send(new InitiateLayerUploadCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'UploadLayerPart',
      b.send(
        new UploadLayerPartCommand({
          registryId,
          repositoryName: REPO,
          uploadId: uploadA,
          partFirstByte: 1000,
          partLastByte: 1000,
          layerPartBlob: Buffer.from('x'),
        }),
      ),
    );
    await deniedToB(
      'CompleteLayerUpload',
      b.send(
        new CompleteLayerUploadCommand({
          registryId,
          repositoryName: REPO,
          uploadId: uploadA,
          layerDigests: [digest],
        }),
      ),
    );
    await deniedToB(
      'BatchCheckLayerAvailability',
      b.send(
        new BatchCheckLayerAvailabilityCommand({
          registryId,
          repositoryName: REPO,
          layerDigests: [digest],
        }),
      ),
    );
    await deniedToB(
      'PutImage',
      b.send(
        new PutImageCommand({
          registryId,
          repositoryName: REPO,
          imageManifest: image.manifest,
          imageTag: 'evil',
        }),
      ),
    );
    await deniedToB(
      'BatchGetImage',
      b.send(
        new BatchGetImageCommand({
          registryId,
          repositoryName: REPO,
          imageIds: [{ imageTag: 'v1' }],
        }),
      ),
    );
    await deniedToB(
      'DescribeImages',
      b.send(new DescribeImagesCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'ListImages',
      b.send(new ListImagesCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'ListImageReferrers',
      b.send(
        new ListImageReferrersCommand({
          registryId,
          repositoryName: REPO,
          subjectId: { imageDigest: image.digest },
        }),
      ),
    );
    await deniedToB(
      'BatchDeleteImage',
      b.send(
        new BatchDeleteImageCommand({
          registryId,
          repositoryName: REPO,
          imageIds: [{ imageDigest: image.digest }],
        }),
      ),
    );
    await deniedToB(
      'GetDownloadUrlForLayer',
      b.send(
        new GetDownloadUrlForLayerCommand({
          registryId,
          repositoryName: REPO,
          layerDigest: digest,
        }),
      ),
    );
    await deniedToB(
      'PutLifecyclePolicy',
      b.send(
        new PutLifecyclePolicyCommand({
          registryId,
          repositoryName: REPO,
          lifecyclePolicyText: POLICY.replace('5', '1'),
        }),
      ),
    );
    await deniedToB(
      'GetLifecyclePolicy',
      b.send(new GetLifecyclePolicyCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'DeleteLifecyclePolicy',
      b.send(new DeleteLifecyclePolicyCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'StartLifecyclePolicyPreview',
      b.send(new StartLifecyclePolicyPreviewCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'GetLifecyclePolicyPreview',
      b.send(new GetLifecyclePolicyPreviewCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'PutImageTagMutability',
      b.send(
        new PutImageTagMutabilityCommand({
          registryId,
          repositoryName: REPO,
          imageTagMutability: 'IMMUTABLE',
        }),
      ),
    );
    // Without a repository policy of A's allowing it (test/repository-policies.e2e-spec.ts).
    await deniedToB(
      'SetRepositoryPolicy',
      b.send(
        new SetRepositoryPolicyCommand({
          registryId,
          repositoryName: REPO,
          policyText: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*' }],
          }),
        }),
      ),
    );
    await deniedToB(
      'GetRepositoryPolicy',
      b.send(new GetRepositoryPolicyCommand({ registryId, repositoryName: REPO })),
    );
    await deniedToB(
      'DeleteRepositoryPolicy',
      b.send(new DeleteRepositoryPolicyCommand({ registryId, repositoryName: REPO })),
    );
    // The tagging operations name A's repository by its ARN.
    await deniedToB(
      'TagResource',
      b.send(
        new TagResourceCommand({ resourceArn: REPO_ARN, tags: [{ Key: 'owner', Value: 'b' }] }),
      ),
    );
    await deniedToB(
      'UntagResource',
      b.send(new UntagResourceCommand({ resourceArn: REPO_ARN, tagKeys: ['owner'] })),
    );
    await deniedToB(
      'ListTagsForResource',
      b.send(new ListTagsForResourceCommand({ resourceArn: REPO_ARN })),
    );
    await deniedToB(
      'PutImageScanningConfiguration',
      b.send(
        new PutImageScanningConfigurationCommand({
          registryId,
          repositoryName: REPO,
          imageScanningConfiguration: { scanOnPush: true },
        }),
      ),
    );
    const imageId = { imageTag: 'v1' };
    await deniedToB(
      'DescribeImageReplicationStatus',
      b.send(
        new DescribeImageReplicationStatusCommand({ registryId, repositoryName: REPO, imageId }),
      ),
    );
    await deniedToB(
      'StartImageScan',
      b.send(new StartImageScanCommand({ registryId, repositoryName: REPO, imageId })),
    );
    await deniedToB(
      'DescribeImageScanFindings',
      b.send(new DescribeImageScanFindingsCommand({ registryId, repositoryName: REPO, imageId })),
    );
    await deniedToB(
      'DescribeImageSigningStatus',
      b.send(new DescribeImageSigningStatusCommand({ registryId, repositoryName: REPO, imageId })),
    );
    await deniedToB(
      'UpdateImageStorageClass',
      b.send(
        new UpdateImageStorageClassCommand({
          registryId,
          repositoryName: REPO,
          imageId,
          targetStorageClass: 'ARCHIVE',
        }),
      ),
    );
    const ecrRepositoryPrefix = 'hub';
    await deniedToB(
      'CreatePullThroughCacheRule',
      b.send(
        new CreatePullThroughCacheRuleCommand({
          registryId,
          ecrRepositoryPrefix,
          upstreamRegistryUrl: 'registry-1.docker.io',
        }),
      ),
    );
    await deniedToB(
      'DescribePullThroughCacheRules',
      b.send(new DescribePullThroughCacheRulesCommand({ registryId })),
    );
    await deniedToB(
      'UpdatePullThroughCacheRule',
      b.send(new UpdatePullThroughCacheRuleCommand({ registryId, ecrRepositoryPrefix })),
    );
    await deniedToB(
      'DeletePullThroughCacheRule',
      b.send(new DeletePullThroughCacheRuleCommand({ registryId, ecrRepositoryPrefix })),
    );
    await deniedToB(
      'ValidatePullThroughCacheRule',
      b.send(new ValidatePullThroughCacheRuleCommand({ registryId, ecrRepositoryPrefix })),
    );
    // The registry-level operations have no registryId: they act on the caller's registry, so
    // B reads and writes only B's settings (A's are checked unchanged below).
    const own = async (operation: string, call: Promise<unknown>): Promise<void> => {
      await call.catch((err: { name: string }) => {
        expect({ operation, name: err.name }).not.toEqual({
          operation,
          name: 'AccessDeniedException',
        });
      });
      covered.add(operation);
    };
    const describedB = await b.send(new DescribeRegistryCommand({}));
    expect(describedB).toMatchObject({ registryId: B_ID, replicationConfiguration: { rules: [] } });
    covered.add('DescribeRegistry');
    const policyB = await errorOf(b.send(new GetRegistryPolicyCommand({})));
    expect(policyB.message).toContain(`'${B_ID}'`);
    covered.add('GetRegistryPolicy');
    expect(
      (await b.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).value,
    ).toBe('V2');
    covered.add('GetAccountSetting');
    expect(await b.send(new GetRegistryScanningConfigurationCommand({}))).toMatchObject({
      registryId: B_ID,
      scanningConfiguration: { scanType: 'BASIC', rules: [] },
    });
    covered.add('GetRegistryScanningConfiguration');
    expect((await errorOf(b.send(new GetSigningConfigurationCommand({})))).name).toBe(
      'SigningConfigurationNotFoundException',
    );
    covered.add('GetSigningConfiguration');
    expect(
      (await b.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions,
    ).toEqual([]);
    covered.add('ListPullTimeUpdateExclusions');
    const scanningB = await b.send(
      new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [REPO] }),
    );
    expect(scanningB.failures!.map((f) => f.failureCode)).toEqual(['REPOSITORY_NOT_FOUND']);
    covered.add('BatchGetRepositoryScanningConfiguration');
    await own(
      'PutReplicationConfiguration',
      b.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [] } })),
    );
    await own(
      'PutAccountSetting',
      b.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V2' })),
    );
    await own(
      'PutRegistryScanningConfiguration',
      b.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] })),
    );
    await own(
      'PutRegistryPolicy',
      b.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY })),
    );
    await own('DeleteRegistryPolicy', b.send(new DeleteRegistryPolicyCommand({})));
    await own(
      'PutSigningConfiguration',
      b.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [] } })),
    );
    await own('DeleteSigningConfiguration', b.send(new DeleteSigningConfigurationCommand({})));
    const deregistered = await errorOf(
      b.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: EXCLUDED })),
    );
    expect(deregistered.name).toBe('ExclusionNotFoundException');
    covered.add('DeregisterPullTimeUpdateExclusion');
    await own(
      'RegisterPullTimeUpdateExclusion',
      b.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: EXCLUDED })),
    );
    // Not a naming of A's registry: ECR answers one entry per id, each token acting as its
    // caller. B's tokens for [B, A] both act as B.
    const tokens = await b.send(new GetAuthorizationTokenCommand({ registryIds: [B_ID, A_ID] }));
    expect(tokens.authorizationData!.map((d) => claimsOf(d.authorizationToken!).r)).toEqual([
      B_ID,
      B_ID,
    ]);
    covered.add('GetAuthorizationToken');
    await expectAUntouched();
  });

  it("keeps A's repository creation templates out of B's reach", async () => {
    // Templates name no registry: each call acts on the caller's own, so B reaches none of A's.
    await a.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'team',
        appliedFor: ['CREATE_ON_PUSH'],
        description: "A's",
      }),
    );
    const theirs = await b.send(new DescribeRepositoryCreationTemplatesCommand({}));
    expect(theirs.registryId).toBe(B_ID);
    expect(theirs.repositoryCreationTemplates).toEqual([]);
    for (const call of [
      () =>
        b.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'team', description: 'B' })),
      () => b.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'team' })),
    ]) {
      expect((await errorOf(call())).name).toBe('TemplateNotFoundException');
    }
    // B's template of the same prefix is B's own, and A's stays as it was.
    const created = await b.send(
      new CreateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['REPLICATION'] }),
    );
    expect(created.registryId).toBe(B_ID);
    const mine = await a.send(
      new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['team'] }),
    );
    expect(mine.repositoryCreationTemplates!.map((x) => [x.description, x.appliedFor])).toEqual([
      ["A's", ['CREATE_ON_PUSH']],
    ]);
    await b.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'team' }));
    await a.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'team' }));
    for (const op of [
      'CreateRepositoryCreationTemplate',
      'DescribeRepositoryCreationTemplates',
      'UpdateRepositoryCreationTemplate',
      'DeleteRepositoryCreationTemplate',
    ])
      covered.add(op);
    await expectAUntouched();
  });

  it('every operation the service has is covered above', () => {
    expect([...covered].sort()).toEqual(t.app.get(EcrOperationsRegistry).names());
  });

  describe("in B's own registry, nothing of A's is visible or reachable", () => {
    beforeAll(async () => {
      // B has a repository of the same name: the same names reach B's things, never A's.
      await b.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    });

    it("lists only B's repositories", async () => {
      const listed = await b.send(new DescribeRepositoriesCommand({}));
      expect(listed.repositories!.map((r) => [r.registryId, r.repositoryName])).toEqual([
        [B_ID, REPO],
      ]);
      // B's repository of the same name has B's tags (none), not A's.
      const tags = await b.send(
        new ListTagsForResourceCommand({ resourceArn: listed.repositories![0].repositoryArn }),
      );
      expect(tags.tags).toEqual([]);
    });

    it("shows none of A's images, by tag or by digest", async () => {
      const listed = await b.send(new ListImagesCommand({ repositoryName: REPO }));
      expect(listed.imageIds).toEqual([]);
      const described = await errorOf(
        b.send(
          new DescribeImagesCommand({
            repositoryName: REPO,
            imageIds: [{ imageDigest: image.digest }],
          }),
        ),
      );
      expect(described.name).toBe('ImageNotFoundException');
      const got = await b.send(
        new BatchGetImageCommand({
          repositoryName: REPO,
          imageIds: [{ imageTag: 'v1' }, { imageDigest: image.digest }],
        }),
      );
      expect(got.images).toEqual([]);
      expect(got.failures!.map((f) => f.failureCode)).toEqual(['ImageNotFound', 'ImageNotFound']);
    });

    it("cannot delete A's image, nor re-tag it, nor use A's layers in a manifest", async () => {
      const deleted = await b.send(
        new BatchDeleteImageCommand({
          repositoryName: REPO,
          imageIds: [{ imageDigest: image.digest }, { imageTag: 'v1' }],
        }),
      );
      expect(deleted.imageIds).toEqual([]);
      expect(deleted.failures).toHaveLength(2);
      // A's layers are stored once, by content; they are still not B's to reference.
      const put = await errorOf(
        b.send(
          new PutImageCommand({
            repositoryName: REPO,
            imageManifest: image.manifest,
            imageTag: 'x',
          }),
        ),
      );
      expect(put.name).toBe('LayersNotFoundException');
      await expectAUntouched();
    });

    it("reports A's layers UNAVAILABLE and hands out no download URL for them", async () => {
      const digests = [sha256Digest(image.config), ...image.layers.map((l) => sha256Digest(l))];
      const check = await b.send(
        new BatchCheckLayerAvailabilityCommand({ repositoryName: REPO, layerDigests: digests }),
      );
      expect(check.layers!.map((l) => l.layerAvailability)).toEqual(
        digests.map(() => 'UNAVAILABLE'),
      );
      const url = await errorOf(
        b.send(
          new GetDownloadUrlForLayerCommand({ repositoryName: REPO, layerDigest: digests[1] }),
        ),
      );
      expect(url.name).toBe('LayersNotFoundException');
    });

    it("cannot add to, complete or probe A's upload", async () => {
      const part = await errorOf(uploadPart(b, REPO, uploadA, Buffer.from('x'), 1000));
      expect(part.name).toBe('UploadNotFoundException');
      const fromStart = await errorOf(uploadPart(b, REPO, uploadA, Buffer.from('x'), 0));
      expect(fromStart.name).toBe('UploadNotFoundException');
      // No lastValidByteReceived: nothing of A's upload leaks through the error.
      expect(
        (fromStart as unknown as Record<string, unknown>).lastValidByteReceived,
      ).toBeUndefined();
      const completed = await errorOf(
        b.send(
          new CompleteLayerUploadCommand({
            repositoryName: REPO,
            uploadId: uploadA,
            layerDigests: [sha256Digest(Buffer.from('x'))],
          }),
        ),
      );
      expect(completed.name).toBe('UploadNotFoundException');
      // A's upload is where A left it: a probe from byte 0 answers its 1000 bytes.
      const probe = await errorOf(uploadPart(a, REPO, uploadA, Buffer.from('x'), 0));
      expect(probe.name).toBe('InvalidLayerPartException');
      expect((probe as unknown as Record<string, unknown>).lastValidByteReceived).toBe(999);
    });

    it("cannot turn its own download URL into one of A's layer", async () => {
      // B pushes an image of its own, and gets a URL for one of its layers.
      const own = await pushImageBlobs(b, REPO);
      await putImage(b, REPO, own.manifest, 'b1');
      const mine = (
        await b.send(
          new GetDownloadUrlForLayerCommand({
            repositoryName: REPO,
            layerDigest: sha256Digest(own.layers[0]),
          }),
        )
      ).downloadUrl!;
      expect((await fetch(mine)).status).toBe(200);
      // A's own URL stays A's: it names A's repository (by id), and its signature covers that.
      const repositoryOfA = new URL(downloadUrlA).searchParams.get('repositoryId')!;
      expect(new URL(mine).searchParams.get('repositoryId')).not.toBe(repositoryOfA);
      const toA = new URL(mine);
      toA.searchParams.set('repositoryId', repositoryOfA);
      expect((await fetch(toA)).status).toBe(403);
      const toALayer = new URL(mine);
      toALayer.searchParams.set('digest', sha256Digest(image.layers[0]));
      expect((await fetch(toALayer)).status).toBe(403);
    });

    it("gets a registry token for B's registry only", async () => {
      const out = await b.send(new GetAuthorizationTokenCommand({}));
      expect(out.authorizationData).toHaveLength(1);
      const password = Buffer.from(out.authorizationData![0].authorizationToken!, 'base64')
        .toString('utf8')
        .replace(/^AWS:/, '');
      expect(t.app.get(TokensService).verify(password)?.registryId).toBe(B_ID);
      const named = await b.send(new GetAuthorizationTokenCommand({ registryIds: [B_ID] }));
      expect(named.authorizationData).toHaveLength(1);
    });

    it('answers registryIds [own, other] with one entry per id, each token acting as the caller', async () => {
      const before = Math.floor(Date.now() / 1000);
      const out = await b.send(new GetAuthorizationTokenCommand({ registryIds: [B_ID, A_ID] }));
      const entry = {
        authorizationToken: expect.any(String) as string,
        expiresAt: expect.any(Date) as Date,
        // Berth has one endpoint, which serves every account (docs/ecr-compatibility.md).
        proxyEndpoint: t.url,
      };
      expect(out.authorizationData).toEqual([entry, entry]);
      for (const data of out.authorizationData!) {
        const claims = claimsOf(data.authorizationToken!);
        expect(claims.r).toBe(B_ID);
        expect(claims.e).toBe(Math.floor(data.expiresAt!.getTime() / 1000));
        expect(claims.e - before).toBeGreaterThanOrEqual(12 * 3600 - 1);
        expect(claims.e - before).toBeLessThanOrEqual(12 * 3600 + 5);
      }
      // Only another account's id: the same, one entry acting as B.
      const other = await b.send(new GetAuthorizationTokenCommand({ registryIds: [A_ID] }));
      expect(other.authorizationData).toEqual([entry]);
      expect(claimsOf(other.authorizationData![0].authorizationToken!).r).toBe(B_ID);
    });

    it("sees no lifecycle policy of A's, and previews only its own repository", async () => {
      for (const call of [
        () => b.send(new GetLifecyclePolicyCommand({ repositoryName: REPO })),
        () => b.send(new DeleteLifecyclePolicyCommand({ repositoryName: REPO })),
        () => b.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: REPO })),
      ]) {
        expect((await errorOf(call())).name).toBe('LifecyclePolicyNotFoundException');
      }
      expect(
        (await errorOf(b.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPO }))))
          .name,
      ).toBe('LifecyclePolicyPreviewNotFoundException');
      await expectAUntouched();
    });

    it("deletes B's repository of that name, never A's", async () => {
      const out = await b.send(new DeleteRepositoryCommand({ repositoryName: REPO, force: true }));
      expect(out.repository!.registryId).toBe(B_ID);
      await expectAUntouched();
    });
  });
});
