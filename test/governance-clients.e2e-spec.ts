import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  A_ID,
  B_ID,
  LIFECYCLE,
  startGovernanceBerth,
  type GovernanceBerth,
  expectCreatedByTemplate,
} from './support/governance';
import { skopeoCopy, skopeoInspectRaw, type RegistryCredentials } from './support/oci-clients';
import { runWithHosts } from './support/private-hosts';
import { readLayoutBlob, writeBlobImage, type LayoutImage } from './support/test-images';

/**
 * Governance through real clients: tag mutability with exclusions, create-on-push templates and
 * repository policies as skopeo meets them on /v2, on a built Berth process whose accounts are
 * addressed by host (`REGISTRY_HOST=<account>.localhost:<port>`), so that `repositoryUri` is
 * what the client pulls from, as-is. governance-docker.e2e-spec.ts proves the same with docker.
 */
describe('governance with real clients', () => {
  let gov: GovernanceBerth;
  let work: string;
  let a: ECRClient;
  let aCreds: RegistryCredentials;
  let bCreds: RegistryCredentials;
  /** A's own registry: PUBLIC_URL's host, which serves the token's own account. */
  let own: string;
  let first: LayoutImage;
  let second: LayoutImage;

  beforeAll(async () => {
    gov = await startGovernanceBerth('governance-clients');
    ({ work, a, aCreds, bCreds, own } = gov);
    first = writeBlobImage(path.join(work, 'first'), [2048, 4096]);
    second = writeBlobImage(path.join(work, 'second'), [3072]);
  }, 120_000);

  afterAll(async () => {
    await gov?.stop();
  });

  const digestOf = (repositoryName: string, imageTag: string): Promise<string> =>
    gov.digestOf(repositoryName, imageTag);

  it('IMMUTABLE_WITH_EXCLUSION of latest*: a skopeo push cannot move v1 (tag invalid), and moves latest', async () => {
    const repositoryName = 'gov/immutable';
    await a.send(
      new CreateRepositoryCommand({
        repositoryName,
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    const ref = (tag: string) => `docker://${own}/${repositoryName}:${tag}`;
    for (const tag of ['v1', 'latest', 'latest-main']) {
      await skopeoCopy(first.ref, ref(tag), { destCreds: aCreds });
    }

    const moved = await skopeoCopy(second.ref, ref('v1'), {
      destCreds: aCreds,
      allowFailure: true,
    });
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toMatch(/tag invalid/i);
    expect(moved.stderr).toContain(
      `The image tag 'v1' already exists in the '${repositoryName}' repository and cannot be overwritten because the tag is immutable.`,
    );
    expect(await digestOf(repositoryName, 'v1')).toBe(first.manifestDigest);
    // Pushing the same image under the immutable tag again is no move: it succeeds.
    await skopeoCopy(first.ref, ref('v1'), { destCreds: aCreds });

    for (const tag of ['latest', 'latest-main']) {
      await skopeoCopy(second.ref, ref(tag), { destCreds: aCreds });
      expect(await digestOf(repositoryName, tag)).toBe(second.manifestDigest);
    }
    expect(Buffer.from((await skopeoInspectRaw(ref('latest'), aCreds)).stdout)).toEqual(
      second.manifestBytes,
    );
  });

  it("a CREATE_ON_PUSH template: a skopeo push to a new repository under its prefix creates it with the template's tags and lifecycle policy", async () => {
    await a.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'gov-auto',
        appliedFor: ['CREATE_ON_PUSH'],
        resourceTags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'created-by', Value: 'push' },
        ],
        lifecyclePolicy: LIFECYCLE,
      }),
    );
    const repositoryName = 'gov-auto/new-app';
    // Outside every template's prefix, a push to a missing repository stays refused.
    const refused = await skopeoCopy(first.ref, `docker://${own}/gov-other/new-app:v1`, {
      destCreds: aCreds,
      allowFailure: true,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/name unknown/i);

    await skopeoCopy(first.ref, `docker://${own}/${repositoryName}:v1`, { destCreds: aCreds });

    await expectCreatedByTemplate(gov, repositoryName, 'push');
    expect(await digestOf(repositoryName, 'v1')).toBe(first.manifestDigest);
    await expect(
      a.send(new DescribeRepositoriesCommand({ repositoryNames: ['gov-other/new-app'] })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it("B's token pulls A's image with skopeo from A's repositoryUri byte-identical once A's policy allows it, and B's push there is denied", async () => {
    const repositoryName = 'gov/shared';
    const created = await a.send(new CreateRepositoryCommand({ repositoryName }));
    const uri = created.repository!.repositoryUri!;
    const accountHost = uri.split('/')[0];
    expect(accountHost).toBe(gov.accountHost(A_ID));
    const hostName = accountHost.split(':')[0];
    await skopeoCopy(first.ref, `docker://${own}/${repositoryName}:v1`, { destCreds: aCreds });

    const skopeo = (args: string[]) =>
      runWithHosts([hostName], 'skopeo', ['--insecure-policy', ...args], { allowFailure: true });
    const pull = (dest: string) =>
      skopeo([
        'copy',
        '--src-tls-verify=false',
        '--src-creds',
        `${bCreds.username}:${bCreds.password}`,
        '--preserve-digests',
        `docker://${uri}:v1`,
        `oci:${dest}:v1`,
      ]);
    const push = (tag: string) =>
      skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${bCreds.username}:${bCreds.password}`,
        '--preserve-digests',
        second.ref,
        `docker://${uri}:${tag}`,
      ]);

    // Without a policy, A's registry host is closed to B.
    const before = await pull(path.join(work, 'b-before'));
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/denied/i);

    await a.send(
      new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'pull for B',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${B_ID}:root` },
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            },
          ],
        }),
      }),
    );

    const back = path.join(work, 'b-pulled');
    const pulled = await pull(back);
    expect({ code: pulled.code, stderr: pulled.stderr }).toMatchObject({ code: 0 });
    const index = JSON.parse(fs.readFileSync(path.join(back, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([first.manifestDigest]);
    expect(readLayoutBlob(back, first.manifestDigest)).toEqual(first.manifestBytes);
    for (const blob of [first.manifest.config, ...first.manifest.layers]) {
      expect(readLayoutBlob(back, blob.digest)).toEqual(readLayoutBlob(first.layout, blob.digest));
    }

    // Pulling is all the policy grants: B's push to A's repository is refused at its first
    // request (skopeo's HEAD of a blob, a 403 without a body)...
    const pushed = await push('from-b');
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('403 (Forbidden)');
    // ...and with blob checks allowed as well, at the upload, in /v2's words.
    await a.send(
      new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'pull and check for B',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${B_ID}:root` },
              Action: [
                'ecr:BatchGetImage',
                'ecr:GetDownloadUrlForLayer',
                'ecr:BatchCheckLayerAvailability',
              ],
            },
          ],
        }),
      }),
    );
    const uploaded = await push('from-b');
    expect(uploaded.code).not.toBe(0);
    expect(uploaded.stderr).toMatch(/denied/i);
    expect(uploaded.stderr).toContain('ecr:InitiateLayerUpload');
    const images = await a.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: [{ imageTag: 'from-b' }],
      }),
    );
    expect(images.images).toEqual([]);
    expect(images.failures?.[0]?.failureCode).toBe('ImageNotFound');
    const all = await a.send(new DescribeImagesCommand({ repositoryName }));
    expect(all.imageDetails?.map((d) => d.imageDigest)).toEqual([first.manifestDigest]);
  });
});
