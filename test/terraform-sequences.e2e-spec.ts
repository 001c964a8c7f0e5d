import {
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeletePullThroughCacheRuleCommand,
  DeleteRepositoryPolicyCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
  UpdatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { startTestApp, type TestApp } from './support/app';
import { errorOf } from './support/layers';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';

/** The client's error: its name, status and message. */
async function failure(
  call: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  const err = await errorOf(call);
  return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
}

// A policy text as Terraform's jsonencode and a hand-written heredoc send it: their own spacing
// and member order, which a read must give back unchanged so that the next plan shows nothing.
const policyText = (actions: string[]): string =>
  `{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "pull",\n      "Effect": "Allow",\n      "Principal": {"AWS": "arn:aws:iam::${OTHER}:root"},\n      "Action": ${JSON.stringify(actions)}\n    }\n  ]\n}`;
const lifecycleText = (days: number): string =>
  `{ "rules": [ { "rulePriority": 1, "description": "expire untagged after ${days} days", "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": ${days} }, "action": { "type": "expire" } } ] }`;

// The calls Terraform's AWS provider makes for the ECR resources whose sequences no other spec
// replays, through @aws-sdk/client-ecr: create, read, update, read, delete, read until gone,
// with the exact *NotFoundException names the provider takes for "gone".
describe("Terraform's AWS provider sequences", () => {
  let t: TestApp;
  let ecr: ECRClient;

  beforeAll(async () => {
    t = await startTestApp({ BOOTSTRAP_ACCOUNT_ID: ACCOUNT });
    ecr = t.client();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('aws_ecr_repository_policy: Set, Get, Set, Get, Delete, Get until RepositoryPolicyNotFoundException', async () => {
    const repositoryName = 'tf/policy';
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const read = () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName }));
    const expected = (policy: string) => ({
      registryId: ACCOUNT,
      repositoryName,
      policyText: policy,
    });

    const first = policyText(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(
      await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: first })),
    ).toMatchObject(expected(first));
    expect(await read()).toMatchObject(expected(first));

    const second = policyText([
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability',
    ]);
    expect(
      await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: second })),
    ).toMatchObject(expected(second));
    expect(await read()).toMatchObject(expected(second));

    expect(await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName }))).toMatchObject(
      expected(second),
    );
    const gone = await failure(read());
    expect(gone).toEqual({
      name: 'RepositoryPolicyNotFoundException',
      status: 400,
      message: `Repository policy does not exist for the repository with name '${repositoryName}' in the registry with id '${ACCOUNT}'`,
    });
    // A second destroy finds it gone the same way.
    expect(
      (await failure(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName })))).name,
    ).toBe('RepositoryPolicyNotFoundException');
  });

  it('aws_ecr_lifecycle_policy: Put, Get, Put, Get, Delete, Get until LifecyclePolicyNotFoundException', async () => {
    const repositoryName = 'tf/lifecycle';
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const read = () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    const expected = (text: string) => ({
      registryId: ACCOUNT,
      repositoryName,
      lifecyclePolicyText: text,
    });

    const first = lifecycleText(14);
    expect(
      await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: first })),
    ).toMatchObject(expected(first));
    expect(await read()).toMatchObject(expected(first));

    const second = lifecycleText(30);
    expect(
      await ecr.send(
        new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: second }),
      ),
    ).toMatchObject(expected(second));
    expect(await read()).toMatchObject(expected(second));

    expect(await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName }))).toMatchObject(
      expected(second),
    );
    const gone = await failure(read());
    expect(gone).toMatchObject({ name: 'LifecyclePolicyNotFoundException', status: 400 });
    expect(gone.message).toBe(
      `Lifecycle policy does not exist for the repository with name '${repositoryName}' in the registry with id '${ACCOUNT}'`,
    );
    expect(
      (await failure(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName })))).name,
    ).toBe('LifecyclePolicyNotFoundException');
  });

  it('aws_ecr_pull_through_cache_rule: Create refused as not available, reads and deletes find it gone', async () => {
    const ecrRepositoryPrefix = 'tf-hub';
    const create = await failure(
      ecr.send(
        new CreatePullThroughCacheRuleCommand({
          ecrRepositoryPrefix,
          upstreamRegistryUrl: 'registry-1.docker.io',
          credentialArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ecr-pullthroughcache/hub`,
        }),
      ),
    );
    expect(create).toMatchObject({ name: 'UnsupportedUpstreamRegistryException', status: 400 });
    expect(create.message).toContain('not available in Berth');

    // The provider's read names the prefix and takes this exception for "gone", so a failed
    // create leaves no state behind and a refresh drops a rule that was never there.
    const read = await failure(
      ecr.send(
        new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: [ecrRepositoryPrefix] }),
      ),
    );
    expect(read).toMatchObject({ name: 'PullThroughCacheRuleNotFoundException', status: 400 });
    expect(
      (await ecr.send(new DescribePullThroughCacheRulesCommand({}))).pullThroughCacheRules,
    ).toEqual([]);

    const update = await failure(
      ecr.send(
        new UpdatePullThroughCacheRuleCommand({
          ecrRepositoryPrefix,
          credentialArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ecr-pullthroughcache/hub2`,
        }),
      ),
    );
    expect(update.name).toBe('PullThroughCacheRuleNotFoundException');
    // Its destroy ignores exactly this exception.
    expect(
      (await failure(ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix }))))
        .name,
    ).toBe('PullThroughCacheRuleNotFoundException');
  });
});
