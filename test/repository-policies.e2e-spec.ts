import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryPolicyCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  GetRepositoryPolicyCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  RegisterPullTimeUpdateExclusionCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAccount } from './support/accounts';
import { ecrClient } from './support/app';
import { Cluster } from './support/cluster';
import { createTestDatabase, type TestDatabase } from './support/database';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { errorOf, sha256Digest } from './support/layers';
import { errorCode, v2Request, type V2Response } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

// Repository policies on two instances sharing one database: A's repository is B's exactly as
// far as its policy allows, on the ECR API, on download URLs and on /v2 at A's registry host,
// and a change of the policy holds on every instance at once.

const A_ID = '111111111111';
const B_ID = '222222222222';
const REPO = 'shared/app';
const REPO_ARN = `arn:aws:ecr:us-east-1:${A_ID}:repository/${REPO}`;
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

/** A policy text with its own spacing and member order: it must come back exactly so. */
function policyText(...statements: object[]): string {
  return `{\n  "Version" : "2012-10-17",\n  "Statement" : ${JSON.stringify(statements, null, 1)}\n}`;
}
const ALLOW_B_PULL = policyText({
  Sid: 'pull for B',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${B_ID}:root` },
  Action: PULL,
});

describe('repository policies across accounts, on two instances', () => {
  let db: TestDatabase;
  let blobDir: string;
  let cluster: Cluster;
  let a: ECRClient[];
  let b: ECRClient[];
  let image: BuiltImage;
  let bAuthorization: string;
  let aAuthorization: string;

  /** A /v2 request of B's token to A's registry host, through instance `i`. */
  function v2AtA(i: number, method: string, p: string): Promise<V2Response> {
    const port = new URL(cluster.url(i)).port;
    return v2Request(cluster.url(i), method, p, {
      headers: { authorization: bAuthorization, host: `${A_ID}.localhost:${port}` },
    });
  }

  async function expectDenied(call: Promise<unknown>, action: string): Promise<string> {
    const err = await errorOf(call);
    expect({ name: err.name, status: err.$metadata.httpStatusCode }).toEqual({
      name: 'AccessDeniedException',
      status: 403,
    });
    expect(err.message).toContain(`ecr:${action} on resource: ${REPO_ARN}`);
    return err.message;
  }

  /** B can pull nothing of A's, on either door, on any instance. */
  async function expectBDenied(): Promise<void> {
    for (let i = 0; i < cluster.size; i++) {
      await expectDenied(
        b[i].send(
          new BatchGetImageCommand({
            registryId: A_ID,
            repositoryName: REPO,
            imageIds: [{ imageTag: 'v1' }],
          }),
        ),
        'BatchGetImage',
      );
      await expectDenied(
        b[i].send(
          new GetDownloadUrlForLayerCommand({
            registryId: A_ID,
            repositoryName: REPO,
            layerDigest: sha256Digest(image.layers[0]),
          }),
        ),
        'GetDownloadUrlForLayer',
      );
      const manifest = await v2AtA(i, 'GET', `/v2/${REPO}/manifests/v1`);
      expect([manifest.status, errorCode(manifest)]).toEqual([403, 'DENIED']);
      const blob = await v2AtA(i, 'GET', `/v2/${REPO}/blobs/${sha256Digest(image.layers[0])}`);
      expect([blob.status, errorCode(blob)]).toEqual([403, 'DENIED']);
    }
  }

  /**
   * B's token can neither read, fill, complete nor cancel an upload A started in its repository,
   * nor delete one of its blobs, over /v2 at A's host; A's upload is untouched after.
   */
  async function expectUploadsRefused(): Promise<void> {
    const start = await v2Request(cluster.url(0), 'POST', `/v2/${REPO}/blobs/uploads/`, {
      headers: { authorization: aAuthorization },
    });
    expect(start.status).toBe(202);
    const uploadUrl = `/v2/${REPO}/blobs/uploads/${String(start.headers['docker-upload-uuid'])}`;
    const bytes = Buffer.from('not for B to write');
    const attempts: [string, string, Buffer?][] = [
      ['GET', uploadUrl],
      ['PATCH', uploadUrl, bytes],
      ['PUT', `${uploadUrl}?digest=${sha256Digest(bytes)}`, bytes],
      ['DELETE', uploadUrl],
      ['DELETE', `/v2/${REPO}/blobs/${sha256Digest(image.layers[0])}`],
    ];
    for (const [method, p, body] of attempts) {
      const port = new URL(cluster.url(1)).port;
      const res = await v2Request(cluster.url(1), method, p, {
        headers: { authorization: bAuthorization, host: `${A_ID}.localhost:${port}` },
        body,
      });
      expect([method, p, res.status, errorCode(res)]).toEqual([method, p, 403, 'DENIED']);
    }
    const status = await v2Request(cluster.url(1), 'GET', uploadUrl, {
      headers: { authorization: aAuthorization },
    });
    expect([status.status, status.headers.range]).toEqual([204, '0-0']);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-blobs-'));
    cluster = await Cluster.start({
      size: 2,
      databaseUrl: db.url,
      driver: 'filesystem',
      blobDir,
      env: { BOOTSTRAP_ACCOUNT_ID: A_ID, REGISTRY_HOST: '<account>.localhost' },
    });
    a = cluster.urls.map((url) => ecrClient(url));
    const { credentials } = await createAccount(cluster.url(0), B_ID);
    b = cluster.urls.map((url) => ecrClient(url, { credentials }));
    await a[0].send(new CreateRepositoryCommand({ repositoryName: REPO }));
    image = await pushImageBlobs(a[0], REPO);
    await putImage(a[0], REPO, image.manifest, 'v1');
    bAuthorization = basicAuth(await registryLogin(b[0]));
    aAuthorization = basicAuth(await registryLogin(a[0]));
  }, 120_000);

  afterAll(async () => {
    for (const client of [...(a ?? []), ...(b ?? [])]) client.destroy();
    await cluster?.stop();
    await db?.drop();
    if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it("names each account's registry host in repositoryUri", async () => {
    const out = await a[1].send(new DescribeRepositoriesCommand({ repositoryNames: [REPO] }));
    expect(out.repositories![0].repositoryUri).toBe(`${A_ID}.localhost/${REPO}`);
  });

  it("answers GetAuthorizationToken's proxyEndpoint with each registry's host", async () => {
    const own = await b[0].send(new GetAuthorizationTokenCommand({}));
    expect(own.authorizationData!.map((d) => d.proxyEndpoint)).toEqual([
      `http://${B_ID}.localhost`,
    ]);
    const both = await b[1].send(new GetAuthorizationTokenCommand({ registryIds: [A_ID, B_ID] }));
    expect(both.authorizationData!.map((d) => d.proxyEndpoint)).toEqual([
      `http://${A_ID}.localhost`,
      `http://${B_ID}.localhost`,
    ]);
  });

  it('answers RepositoryPolicyNotFoundException while there is no policy', async () => {
    for (const call of [
      () => a[0].send(new GetRepositoryPolicyCommand({ repositoryName: REPO })),
      () => a[1].send(new DeleteRepositoryPolicyCommand({ repositoryName: REPO })),
    ]) {
      const err = await errorOf(call());
      expect([err.name, err.$metadata.httpStatusCode, err.message]).toEqual([
        'RepositoryPolicyNotFoundException',
        400,
        `Repository policy does not exist for the repository with name '${REPO}' in the registry with id '${A_ID}'`,
      ]);
    }
    const missing = await errorOf(
      a[0].send(
        new SetRepositoryPolicyCommand({ repositoryName: 'no/such', policyText: ALLOW_B_PULL }),
      ),
    );
    expect(missing.name).toBe('RepositoryNotFoundException');
  });

  it.each([
    ['text that is no JSON', '{"Version":', /not JSON/],
    ['an empty text', '', /not JSON/],
    ['a text over 10240 characters', `${ALLOW_B_PULL}${' '.repeat(10241)}`, /10240/],
    ['another Version', '{"Version":"2020-01-01","Statement":[]}', /Version/],
    ['no Statement', '{"Version":"2012-10-17"}', /Statement/],
    [
      'an unknown Effect',
      policyText({ Effect: 'Maybe', Principal: '*', Action: 'ecr:*' }),
      /Effect/,
    ],
    [
      'an action of another service',
      policyText({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }),
      /not an ecr: action/,
    ],
    [
      'a Condition operator Berth does not evaluate',
      policyText({
        Effect: 'Allow',
        Principal: '*',
        Action: 'ecr:*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      }),
      /IpAddress/,
    ],
    [
      'a Condition key Berth does not know',
      policyText({
        Effect: 'Allow',
        Principal: '*',
        Action: 'ecr:*',
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } },
      }),
      /aws:SourceVpce/,
    ],
    [
      'NotPrincipal',
      policyText({ Effect: 'Deny', NotPrincipal: { AWS: B_ID }, Action: 'ecr:*' }),
      /NotPrincipal/,
    ],
    [
      'a Resource of another repository',
      policyText({
        Effect: 'Allow',
        Principal: '*',
        Action: 'ecr:*',
        Resource: `arn:aws:ecr:us-east-1:${A_ID}:repository/other`,
      }),
      /does not name this repository/,
    ],
  ])('refuses %s with InvalidParameterException, storing nothing', async (_what, text, message) => {
    const err = await errorOf(
      a[0].send(new SetRepositoryPolicyCommand({ repositoryName: REPO, policyText: text })),
    );
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidParameterException', 400]);
    expect(err.message).toMatch(message);
    expect(
      (await errorOf(a[1].send(new GetRepositoryPolicyCommand({ repositoryName: REPO })))).name,
    ).toBe('RepositoryPolicyNotFoundException');
  });

  it("denies B A's repository, its uploads and blobs while no policy allows it, and answers B's API check at A's host", async () => {
    await expectBDenied();
    const manifest = await v2AtA(0, 'HEAD', `/v2/${REPO}/manifests/v1`);
    expect(manifest.status).toBe(403);
    // B's token on the bare host is B's own registry: A's repository is not there.
    const own = await v2Request(cluster.url(0), 'GET', `/v2/${REPO}/manifests/v1`, {
      headers: { authorization: bAuthorization },
    });
    expect([own.status, errorCode(own)]).toEqual([404, 'NAME_UNKNOWN']);
    // A's catalog and B's reading of A's policy are A's alone.
    const catalog = await v2AtA(1, 'GET', '/v2/_catalog');
    expect([catalog.status, errorCode(catalog)]).toEqual([403, 'DENIED']);
    // The API check, which `docker login` sends, answers any valid token at any account's host.
    const check = await v2AtA(1, 'GET', '/v2/');
    expect([check.status, check.json]).toEqual([200, {}]);
    await expectUploadsRefused();
    await expectDenied(
      b[1].send(new GetRepositoryPolicyCommand({ registryId: A_ID, repositoryName: REPO })),
      'GetRepositoryPolicy',
    );
  });

  describe('once A allows B pulls', () => {
    let downloadUrl: string;

    beforeAll(async () => {
      const set = await a[0].send(
        new SetRepositoryPolicyCommand({ repositoryName: REPO, policyText: ALLOW_B_PULL }),
      );
      expect(set).toMatchObject({
        registryId: A_ID,
        repositoryName: REPO,
        policyText: ALLOW_B_PULL,
      });
    });

    it('answers the policy text exactly as set, on every instance; force changes nothing', async () => {
      for (const client of a) {
        const got = await client.send(new GetRepositoryPolicyCommand({ repositoryName: REPO }));
        expect(got).toMatchObject({
          registryId: A_ID,
          repositoryName: REPO,
          policyText: ALLOW_B_PULL,
        });
      }
      const forced = await a[1].send(
        new SetRepositoryPolicyCommand({
          repositoryName: REPO,
          policyText: ALLOW_B_PULL,
          force: true,
        }),
      );
      expect(forced.policyText).toBe(ALLOW_B_PULL);
    });

    it("leaves lastRecordedPullTime alone for B's pulls on both doors when A excludes B's key", async () => {
      const other = await pushImageBlobs(a[0], REPO);
      await putImage(a[0], REPO, other.manifest, 'excluded');
      const lastPull = async (): Promise<Date | undefined> =>
        (
          await a[0].send(
            new DescribeImagesCommand({
              repositoryName: REPO,
              imageIds: [{ imageTag: 'excluded' }],
            }),
          )
        ).imageDetails![0].lastRecordedPullTime;
      const bKey = (await b[0].config.credentials()).accessKeyId;
      // B's principal is its own account's user, whichever registry it pulls from.
      const principalArn = `arn:aws:iam::${B_ID}:user/${bKey}`;
      await a[0].send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
      const got = await b[1].send(
        new BatchGetImageCommand({
          registryId: A_ID,
          repositoryName: REPO,
          imageIds: [{ imageTag: 'excluded' }],
        }),
      );
      expect(got.images).toHaveLength(1);
      const manifest = await v2AtA(0, 'GET', `/v2/${REPO}/manifests/excluded`);
      expect(manifest.status).toBe(200);
      expect(await lastPull()).toBeUndefined();

      await a[0].send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));
      await b[0].send(
        new BatchGetImageCommand({
          registryId: A_ID,
          repositoryName: REPO,
          imageIds: [{ imageTag: 'excluded' }],
        }),
      );
      expect(await lastPull()).toBeInstanceOf(Date);
    });

    it("lets B pull A's image through the ECR API and a download URL, on either instance", async () => {
      for (let i = 0; i < cluster.size; i++) {
        const got = await b[i].send(
          new BatchGetImageCommand({
            registryId: A_ID,
            repositoryName: REPO,
            imageIds: [{ imageTag: 'v1' }],
          }),
        );
        expect(got.images![0].imageManifest).toBe(image.manifest);
        expect(got.images![0].registryId).toBe(A_ID);
        const check = await b[i].send(
          new BatchCheckLayerAvailabilityCommand({
            registryId: A_ID,
            repositoryName: REPO,
            layerDigests: image.layers.map((l) => sha256Digest(l)),
          }),
        );
        expect(check.layers!.map((l) => l.layerAvailability)).toEqual(['AVAILABLE', 'AVAILABLE']);
      }
      downloadUrl = (
        await b[1].send(
          new GetDownloadUrlForLayerCommand({
            registryId: A_ID,
            repositoryName: REPO,
            layerDigest: sha256Digest(image.layers[1]),
          }),
        )
      ).downloadUrl!;
      const res = await fetch(downloadUrl);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(image.layers[1])).toBe(true);
    });

    it("lets B's token pull A's manifest and blobs over /v2 at A's host, byte-identical", async () => {
      for (let i = 0; i < cluster.size; i++) {
        const manifest = await v2AtA(i, 'GET', `/v2/${REPO}/manifests/v1`);
        expect(manifest.status).toBe(200);
        expect(manifest.body.toString('utf8')).toBe(image.manifest);
        for (const blob of [image.config, ...image.layers]) {
          const got = await v2AtA(i, 'GET', `/v2/${REPO}/blobs/${sha256Digest(blob)}`);
          expect(got.status).toBe(200);
          expect(got.body.equals(blob)).toBe(true);
        }
      }
    });

    it('still refuses B every push, on both doors', async () => {
      await expectDenied(
        b[0].send(
          new PutImageCommand({
            registryId: A_ID,
            repositoryName: REPO,
            imageManifest: image.manifest,
            imageTag: 'from-b',
          }),
        ),
        'PutImage',
      );
      await expectDenied(
        b[1].send(new InitiateLayerUploadCommand({ registryId: A_ID, repositoryName: REPO })),
        'InitiateLayerUpload',
      );
      const start = await v2AtA(0, 'POST', `/v2/${REPO}/blobs/uploads/`);
      expect([start.status, errorCode(start)]).toEqual([403, 'DENIED']);
      const put = await v2AtA(1, 'PUT', `/v2/${REPO}/manifests/from-b`);
      expect([put.status, errorCode(put)]).toEqual([403, 'DENIED']);
      await expectUploadsRefused();
    });

    it('lets a Deny for B override the Allow, on every instance at once', async () => {
      await a[1].send(
        new SetRepositoryPolicyCommand({
          repositoryName: REPO,
          policyText: policyText(
            { Effect: 'Allow', Principal: '*', Action: 'ecr:*' },
            { Effect: 'Deny', Principal: { AWS: B_ID }, Action: 'ecr:Batch?etImage' },
          ),
        }),
      );
      for (let i = 0; i < cluster.size; i++) {
        const message = await expectDenied(
          b[i].send(
            new BatchGetImageCommand({
              registryId: A_ID,
              repositoryName: REPO,
              imageIds: [{ imageTag: 'v1' }],
            }),
          ),
          'BatchGetImage',
        );
        expect(message).toContain('with an explicit deny in a resource-based policy');
        const manifest = await v2AtA(i, 'GET', `/v2/${REPO}/manifests/v1`);
        expect([manifest.status, errorCode(manifest)]).toEqual([403, 'DENIED']);
      }
      // What the Deny does not name, the Allow still gives: here even a push.
      const pushed = await b[0].send(
        new PutImageCommand({
          registryId: A_ID,
          repositoryName: REPO,
          imageManifest: image.manifest,
          imageTag: 'from-b',
        }),
      );
      expect(pushed.image!.registryId).toBe(A_ID);
    });

    it('denies B again on every instance once A deletes the policy, its URLs included', async () => {
      const deleted = await a[0].send(new DeleteRepositoryPolicyCommand({ repositoryName: REPO }));
      expect(deleted.registryId).toBe(A_ID);
      expect(deleted.policyText).toContain('ecr:Batch?etImage');
      await expectBDenied();
      expect((await fetch(downloadUrl)).status).toBe(403);
      const err = await errorOf(
        a[1].send(new GetRepositoryPolicyCommand({ repositoryName: REPO })),
      );
      expect(err.name).toBe('RepositoryPolicyNotFoundException');
    });
  });
});
