import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAccount } from './accounts';
import { ecrClient, freePort } from './app';
import { startBerthProcess, type BerthProcess } from './berth-process';
import { createTestDatabase, type TestDatabase } from './database';
import { registryHost, type RegistryCredentials } from './oci-clients';
import { registryLogin } from './oci-registry';

/**
 * The setup of the governance tests with real clients: a built Berth process whose accounts are
 * addressed by host (`REGISTRY_HOST=<account>.localhost:<port>`), so that `repositoryUri` is
 * what a client pulls from, as-is; account A (the bootstrap account) and account B, each with an
 * ECR client and a /v2 login.
 */

export const A_ID = '111111111111';
export const B_ID = '222222222222';
export const REGION = 'us-east-1';

export const LIFECYCLE = `{"rules":[{"rulePriority":1,"description":"keep ten","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`;

export interface GovernanceBerth {
  /** A temporary directory for the test's files, removed by `stop`. */
  readonly work: string;
  readonly berth: BerthProcess;
  readonly port: string;
  readonly a: ECRClient;
  readonly b: ECRClient;
  readonly aCreds: RegistryCredentials;
  readonly bCreds: RegistryCredentials;
  /** PUBLIC_URL's host, which serves the token's own account: A's own registry for A. */
  readonly own: string;
  /** `<account>.localhost:<port>`: the registry host of an account, as repositoryUri names it. */
  accountHost(accountId: string): string;
  /** The digest A's DescribeImages gives the image tagged `imageTag`. */
  digestOf(repositoryName: string, imageTag: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startGovernanceBerth(name: string): Promise<GovernanceBerth> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`));
  let db: TestDatabase | undefined;
  let berth: BerthProcess | undefined;
  const clients: ECRClient[] = [];
  const stop = async (): Promise<void> => {
    for (const client of clients) client.destroy();
    await berth?.stop();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    db = await createTestDatabase();
    const port = String(await freePort());
    const dataDir = path.join(work, 'data');
    fs.mkdirSync(dataDir);
    berth = await startBerthProcess({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      BLOB_STORE: 'filesystem',
      BLOB_DIR: path.join(dataDir, 'blobs'),
      PORT: port,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      BOOTSTRAP_ACCOUNT_ID: A_ID,
      REGISTRY_HOST: `<account>.localhost:${port}`,
      LOG_LEVEL: 'fatal',
    });
    const a = ecrClient(berth.url, { region: REGION });
    clients.push(a);
    const accountB = await createAccount(berth.url, B_ID);
    const b = ecrClient(berth.url, { region: REGION, credentials: accountB.credentials });
    clients.push(b);
    const [aCreds, bCreds] = await Promise.all([registryLogin(a), registryLogin(b)]);
    return {
      work,
      berth,
      port,
      a,
      b,
      aCreds,
      bCreds,
      own: registryHost(berth.url),
      accountHost: (accountId) => `${accountId}.localhost:${port}`,
      digestOf: async (repositoryName, imageTag) => {
        const out = await a.send(
          new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }),
        );
        return out.imageDetails![0].imageDigest!;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Checks that A's `repositoryName` was created by a CREATE_ON_PUSH template whose tags are
 * `team=platform` and `created-by=<createdBy>` and whose lifecycle policy is `LIFECYCLE`: named,
 * addressed by A's host, with exactly those tags and that policy.
 */
export async function expectCreatedByTemplate(
  gov: GovernanceBerth,
  repositoryName: string,
  createdBy: string,
): Promise<void> {
  const repository = (
    await gov.a.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }))
  ).repositories![0];
  expect(repository).toMatchObject({
    repositoryName,
    registryId: A_ID,
    repositoryArn: `arn:aws:ecr:${REGION}:${A_ID}:repository/${repositoryName}`,
    repositoryUri: `${gov.accountHost(A_ID)}/${repositoryName}`,
  });
  const tags = await gov.a.send(
    new ListTagsForResourceCommand({ resourceArn: repository.repositoryArn }),
  );
  expect(tags.tags).toEqual(
    expect.arrayContaining([
      { Key: 'team', Value: 'platform' },
      { Key: 'created-by', Value: createdBy },
    ]),
  );
  expect(tags.tags).toHaveLength(2);
  expect(
    (await gov.a.send(new GetLifecyclePolicyCommand({ repositoryName }))).lifecyclePolicyText,
  ).toBe(LIFECYCLE);
}
