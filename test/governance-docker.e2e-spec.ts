import {
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryPolicyCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import * as path from 'node:path';
import { startDockerd, type Dockerd } from './support/dockerd';
import {
  A_ID,
  B_ID,
  LIFECYCLE,
  REGION,
  startGovernanceBerth,
  type GovernanceBerth,
  expectCreatedByTemplate,
} from './support/governance';
import { skopeoCopy } from './support/oci-clients';
import type { ToolResult } from './support/oci-tools';
import { buildRunnableImage, type LayoutImage } from './support/test-images';

const PULL_FOR_B = {
  Sid: 'pull for B',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${B_ID}:root` },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};

/** The digest `docker push` reports for what it pushed (`<tag>: digest: sha256:… size: …`). */
function pushedDigest(push: ToolResult): string {
  const found = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout);
  if (!found) throw new Error(`docker push named no digest:\n${push.stdout}`);
  return found[1];
}

/**
 * Governance through the docker client: one private dockerd whose daemon resolves the accounts'
 * registry hosts (`<account>.localhost`) to loopback, against a built Berth process with
 * `REGISTRY_HOST=<account>.localhost:<port>` (governance-clients.e2e-spec.ts proves the same with
 * skopeo). A cross-account pull from A's repositoryUri with B's token as A's policy allows it,
 * tag immutability with exclusions, and a create-on-push template, all through `docker push`
 * and `docker pull`.
 */
describe('governance with docker', () => {
  let gov: GovernanceBerth;
  let dockerd: Dockerd;
  let a: ECRClient;
  let own: string;
  /** A's image for B to pull: pushed with skopeo, never in the daemon before B pulls it. */
  let shared: LayoutImage;
  let one: LayoutImage;
  let two: LayoutImage;

  beforeAll(async () => {
    gov = await startGovernanceBerth('governance-docker');
    ({ a, own } = gov);
    const images = (name: string) =>
      buildRunnableImage(path.join(gov.work, name), {
        layers: [{ [`/berth/${name}.txt`]: `${name} ${Math.random()}\n` }],
      });
    [dockerd, shared, one, two] = await Promise.all([
      startDockerd({ hosts: [A_ID, B_ID].map((id) => gov.accountHost(id).split(':')[0]) }),
      images('shared'),
      images('one'),
      images('two'),
    ]);
  }, 300_000);

  afterAll(async () => {
    await dockerd?.stop();
    await gov?.stop();
  });

  /**
   * A's images `one` and `two` in the daemon, pulled from A's own registry when a test first
   * needs them (after the cross-account test, so that B's pull there finds no layer in the
   * daemon and downloads every one).
   */
  let sources: Promise<void> | undefined;
  const loadSources = async (): Promise<void> => {
    await a.send(new CreateRepositoryCommand({ repositoryName: 'gov-docker/source' }));
    await dockerd.login(own, gov.aCreds.username, gov.aCreds.password);
    for (const [tag, image] of [
      ['one', one],
      ['two', two],
    ] as const) {
      await skopeoCopy(image.ref, `docker://${own}/gov-docker/source:${tag}`, {
        destCreds: gov.aCreds,
      });
      await dockerd.docker(['pull', `${own}/gov-docker/source:${tag}`]);
    }
  };

  /** Tags A's image `one` or `two` as `target` and pushes it with A's login. */
  const push = async (image: 'one' | 'two', target: string, allowFailure = false) => {
    await (sources ??= loadSources());
    await dockerd.docker(['tag', `${own}/gov-docker/source:${image}`, target]);
    return dockerd.docker(['push', target], { allowFailure });
  };

  it("B's docker pulls A's image from its repositoryUri, byte-identical, exactly while A's policy allows it; B's docker push there is denied", async () => {
    const repositoryName = 'gov-docker/shared';
    const uri = (await a.send(new CreateRepositoryCommand({ repositoryName }))).repository!
      .repositoryUri!;
    const accountHost = gov.accountHost(A_ID);
    expect(uri).toBe(`${accountHost}/${repositoryName}`);
    await skopeoCopy(shared.ref, `docker://${own}/${repositoryName}:v1`, { destCreds: gov.aCreds });

    // B logs in to A's registry host with its own token, as to any registry it may use.
    const login = await dockerd.login(accountHost, gov.bCreds.username, gov.bCreds.password);
    expect(login.stdout).toContain('Login Succeeded');
    const pull = (ref: string) => dockerd.docker(['pull', ref], { allowFailure: true });
    const expectDenied = (result: ToolResult, why: string) => {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('denied: ');
      expect(result.stderr).toContain(
        `is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:${REGION}:${A_ID}:repository/${repositoryName} ${why}`,
      );
    };
    const NO_ALLOW = 'because no resource-based policy allows the ecr:BatchGetImage action';
    const forget = () =>
      dockerd.docker(['image', 'rm', '--force', shared.manifest.config.digest], {
        allowFailure: true,
      });

    // Without a policy, A's repository is closed to B.
    expectDenied(await pull(`${uri}:v1`), NO_ALLOW);

    await a.send(
      new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: JSON.stringify({ Version: '2012-10-17', Statement: [PULL_FOR_B] }),
      }),
    );
    const byTag = await pull(`${uri}:v1`);
    expect({ code: byTag.code, stderr: byTag.stderr }).toMatchObject({ code: 0 });
    expect(byTag.stdout).toContain(`Digest: ${shared.manifestDigest}`);
    // Every layer came from A's registry: none was in the daemon before.
    expect(byTag.stdout.match(/: Pull complete$/gm)).toHaveLength(shared.manifest.layers.length);
    // docker checks every digest it pulls: by the manifest's digest, the image is A's, byte for
    // byte (its id is the digest of A's config; its layers are the manifest's).
    await forget();
    const byDigest = await pull(`${uri}@${shared.manifestDigest}`);
    expect(byDigest.code).toBe(0);
    const [inspected] = JSON.parse(
      (await dockerd.docker(['image', 'inspect', `${uri}@${shared.manifestDigest}`])).stdout,
    ) as { Id: string; RepoDigests: string[] }[];
    expect(inspected.Id).toBe(shared.manifest.config.digest);
    expect(inspected.RepoDigests).toContain(`${uri}@${shared.manifestDigest}`);

    // Pulling is all the policy grants: B's push to A's repository is refused.
    await dockerd.docker(['tag', `${uri}@${shared.manifestDigest}`, `${uri}:from-b`]);
    const pushed = await dockerd.docker(['push', `${uri}:from-b`], { allowFailure: true });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('denied: ');
    expect(pushed.stderr).toContain('is not authorized to perform: ecr:InitiateLayerUpload');
    const images = await a.send(new DescribeImagesCommand({ repositoryName }));
    expect(images.imageDetails?.map((d) => [d.imageDigest, d.imageTags])).toEqual([
      [shared.manifestDigest, ['v1']],
    ]);

    // A Deny for B overrides the Allow.
    await a.send(
      new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            PULL_FOR_B,
            {
              Sid: 'but not B',
              Effect: 'Deny',
              Principal: { AWS: B_ID },
              Action: 'ecr:BatchGetImage',
            },
          ],
        }),
      }),
    );
    await forget();
    expectDenied(await pull(`${uri}:v1`), 'with an explicit deny in a resource-based policy');

    // Allowed again, then the policy deleted: B is denied again.
    await a.send(
      new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: JSON.stringify({ Version: '2012-10-17', Statement: [PULL_FOR_B] }),
      }),
    );
    expect((await pull(`${uri}:v1`)).code).toBe(0);
    await forget();
    await a.send(new DeleteRepositoryPolicyCommand({ repositoryName }));
    expectDenied(await pull(`${uri}:v1`), NO_ALLOW);
    expectDenied(await pull(`${uri}@${shared.manifestDigest}`), NO_ALLOW);
  });

  it('IMMUTABLE_WITH_EXCLUSION of latest*: a docker push cannot move v1 (tag invalid), and moves latest', async () => {
    const repositoryName = 'gov-docker/immutable';
    await a.send(
      new CreateRepositoryCommand({
        repositoryName,
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    const ref = (tag: string) => `${own}/${repositoryName}:${tag}`;
    const firstDigest = pushedDigest(await push('one', ref('v1')));
    expect(pushedDigest(await push('one', ref('latest')))).toBe(firstDigest);
    expect(await gov.digestOf(repositoryName, 'v1')).toBe(firstDigest);

    const moved = await push('two', ref('v1'), true);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toMatch(/tag invalid/i);
    expect(moved.stderr).toContain(
      `The image tag 'v1' already exists in the '${repositoryName}' repository and cannot be overwritten because the tag is immutable.`,
    );
    expect(await gov.digestOf(repositoryName, 'v1')).toBe(firstDigest);
    // The same image under the immutable tag again is no move: docker's push succeeds.
    expect(pushedDigest(await push('one', ref('v1')))).toBe(firstDigest);

    const secondDigest = pushedDigest(await push('two', ref('latest')));
    expect(secondDigest).not.toBe(firstDigest);
    expect(await gov.digestOf(repositoryName, 'latest')).toBe(secondDigest);
    expect(await gov.digestOf(repositoryName, 'v1')).toBe(firstDigest);
  });

  it("a CREATE_ON_PUSH template: a docker push to a new repository under its prefix creates it with the template's tags and lifecycle policy", async () => {
    await a.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'gov-docker-auto',
        appliedFor: ['CREATE_ON_PUSH'],
        resourceTags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'created-by', Value: 'docker' },
        ],
        lifecyclePolicy: LIFECYCLE,
      }),
    );
    // Outside every template's prefix, a push to a missing repository stays refused.
    const refused = await push('one', `${own}/gov-docker-other/new-app:v1`, true);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/name unknown/i);

    const repositoryName = 'gov-docker-auto/new-app';
    const digest = pushedDigest(await push('one', `${own}/${repositoryName}:v1`));

    await expectCreatedByTemplate(gov, repositoryName, 'docker');
    expect(await gov.digestOf(repositoryName, 'v1')).toBe(digest);
    await expect(
      a.send(new DescribeRepositoriesCommand({ repositoryNames: ['gov-docker-other/new-app'] })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });
});
