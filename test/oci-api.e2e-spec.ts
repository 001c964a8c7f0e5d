import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  ListImageReferrersCommand,
  type ListImageReferrersCommandOutput,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { createHash, randomBytes } from 'node:crypto';
import { TokensService } from '../src/tokens/tokens.service';
import { admin, createAccount } from './support/accounts';
import { ecrClient, startTestApp, type TestApp } from './support/app';
import { sha256Digest } from './support/layers';
import type { RegistryCredentials } from './support/oci-clients';
import { errorCode, v2Request, type V2Response } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const sha512Digest = (data: Buffer | string): string =>
  `sha512:${createHash('sha512').update(data).digest('hex')}`;

/**
 * The /v2 door over raw HTTP: the spec's workflows (push, pull, discovery, management) with the
 * statuses and headers it asks for, and every OCI error a client can cause, in the spec's error
 * format. The real clients are in oci-clients.e2e-spec.ts.
 */
describe('the /v2 API', () => {
  let app: TestApp;
  let client: ECRClient;
  let creds: RegistryCredentials;
  let auth: Record<string, string>;

  const call = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<V2Response> =>
    v2Request(app.url, method, path, { ...options, headers: { ...auth, ...options.headers } });

  const createRepository = (name: string, immutable = false): Promise<unknown> =>
    client.send(
      new CreateRepositoryCommand({
        repositoryName: name,
        ...(immutable ? { imageTagMutability: 'IMMUTABLE' } : {}),
      }),
    );

  /** Pushes a blob with a single POST, answering its digest. */
  const pushBlob = async (name: string, data: Buffer): Promise<string> => {
    const digest = sha256Digest(data);
    const res = await call('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expect(res.status).toBe(201);
    return digest;
  };

  const manifestOf = (config: string, configSize: number, layers: [string, number][]): string =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config,
        size: configSize,
      },
      layers: layers.map(([digest, size]) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest,
        size,
      })),
    });

  const pushImage = async (
    name: string,
    tag: string,
  ): Promise<{ digest: string; manifest: string }> => {
    const config = Buffer.from(
      `{"architecture":"amd64","os":"linux","n":"${randomBytes(4).toString('hex')}"}`,
    );
    const layer = randomBytes(1000);
    const manifest = manifestOf(await pushBlob(name, config), config.length, [
      [await pushBlob(name, layer), layer.length],
    ]);
    const res = await call('PUT', `/v2/${name}/manifests/${tag}`, {
      headers: { 'content-type': OCI_MANIFEST },
      body: manifest,
    });
    expect(res.status).toBe(201);
    return { digest: sha256Digest(Buffer.from(manifest)), manifest };
  };

  beforeAll(async () => {
    app = await startTestApp();
    client = app.client();
    creds = await registryLogin(client);
    auth = { authorization: basicAuth(creds) };
    await createRepository('api/push');
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('authentication', () => {
    it('GET /v2/ answers 200 with the API version header to a token of GetAuthorizationToken', async () => {
      const res = await call('GET', '/v2/');
      expect(res.status).toBe(200);
      expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    });

    it("answers 401 UNAUTHORIZED with ECR's Basic challenge without credentials", async () => {
      const res = await v2Request(app.url, 'GET', '/v2/');
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe(
        `Basic realm="${app.url}/",service="ecr.amazonaws.com"`,
      );
      expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    });

    it.each([
      ['a wrong user', basicAuth({ username: 'root', password: 'x' })],
      ['a forged password', basicAuth({ username: 'AWS', password: 'abc.def' })],
      ['another scheme', 'Bearer abc'],
    ])('answers 401 UNAUTHORIZED to %s', async (_what, authorization) => {
      const res = await v2Request(app.url, 'GET', '/v2/api/push/tags/list', {
        headers: { authorization },
      });
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHORIZED');
    });

    it("answers DENIED with ECR's words to an expired token", async () => {
      const expired = app.app.get(TokensService).issue({
        registryId: '000000000000',
        expires: Math.floor(Date.now() / 1000) - 60,
      });
      const res = await v2Request(app.url, 'GET', '/v2/', {
        headers: { authorization: basicAuth({ username: 'AWS', password: expired }) },
      });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        errors: [
          {
            code: 'DENIED',
            message: 'Your authorization token has expired. Reauthenticate and try again.',
          },
        ],
      });
    });

    it('stops honouring a token once its access key is deactivated, for good: a reactivated key honours only tokens issued since', async () => {
      const other = await createAccount(app.url);
      const otherClient = ecrClient(app.url, { credentials: other.credentials });
      const authorization = basicAuth(await registryLogin(otherClient));
      const base = (auth = authorization): Promise<V2Response> =>
        v2Request(app.url, 'GET', '/v2/', { headers: { authorization: auth } });
      expect((await base()).status).toBe(200);
      const key = `/admin/v1/access-keys/${other.credentials.accessKeyId}`;
      expect((await admin(app.url, 'PATCH', key, { status: 'Inactive' })).status).toBe(200);
      const refused = await base();
      expect(refused.status).toBe(401);
      expect(errorCode(refused)).toBe('UNAUTHORIZED');
      expect((await admin(app.url, 'PATCH', key, { status: 'Active' })).status).toBe(200);
      const stillRefused = await base();
      expect(stillRefused.status).toBe(401);
      expect(errorCode(stillRefused)).toBe('UNAUTHORIZED');
      // Logging in again with the reactivated key gives a token that works.
      const again = basicAuth(await registryLogin(otherClient));
      otherClient.destroy();
      expect((await base(again)).status).toBe(200);
      // Reactivating an active key withdraws nothing.
      expect((await admin(app.url, 'PATCH', key, { status: 'Active' })).status).toBe(200);
      expect((await base(again)).status).toBe(200);
      expect((await admin(app.url, 'DELETE', key)).status).toBe(204);
      expect((await base(again)).status).toBe(401);
    });

    it("keeps accounts apart: another account's token does not see this account's repositories", async () => {
      await pushImage('api/push', 'isolated');
      const other = await createAccount(app.url);
      const otherClient = ecrClient(app.url, { credentials: other.credentials });
      const otherAuth = basicAuth(await registryLogin(otherClient));
      otherClient.destroy();
      const res = await v2Request(app.url, 'GET', '/v2/api/push/manifests/isolated', {
        headers: { authorization: otherAuth },
      });
      expect(res.status).toBe(404);
      expect(errorCode(res)).toBe('NAME_UNKNOWN');
      const catalog = await v2Request(app.url, 'GET', '/v2/_catalog', {
        headers: { authorization: otherAuth },
      });
      expect(catalog.json).toEqual({ repositories: [] });
    });
  });

  describe('push and pull', () => {
    it('a chunked upload: POST, PATCHes with Content-Range, GET status, PUT with a final chunk', async () => {
      const data = randomBytes(300_000);
      const start = await call('POST', '/v2/api/push/blobs/uploads/', {
        headers: { 'content-length': '0' },
      });
      expect(start.status).toBe(202);
      expect(start.headers.range).toBe('0-0');
      const uuid = start.headers['docker-upload-uuid'] as string;
      let location = start.headers.location as string;
      expect(location).toBe(`/v2/api/push/blobs/uploads/${uuid}`);

      const first = await call('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': '0-99999' },
        body: data.subarray(0, 100_000),
      });
      expect(first.status).toBe(202);
      expect(first.headers.range).toBe('0-99999');
      location = first.headers.location as string;

      // Streamed, without Content-Range.
      const second = await call('PATCH', location, { body: data.subarray(100_000, 250_000) });
      expect(second.headers.range).toBe('0-249999');

      const status = await call('GET', location);
      expect(status.status).toBe(204);
      expect(status.headers.range).toBe('0-249999');
      expect(status.headers['docker-upload-uuid']).toBe(uuid);

      const digest = sha256Digest(data);
      const done = await call('PUT', `${location}?digest=${digest}`, {
        headers: { 'content-range': '250000-299999' },
        body: data.subarray(250_000),
      });
      expect(done.status).toBe(201);
      expect(done.headers.location).toBe(`/v2/api/push/blobs/${digest}`);
      expect(done.headers['docker-content-digest']).toBe(digest);

      const blob = await call('GET', `/v2/api/push/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(blob.body).toEqual(data);
      expect(blob.headers['docker-content-digest']).toBe(digest);
      const head = await call('HEAD', `/v2/api/push/blobs/${digest}`);
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(data.length));
    });

    it('serves a single Range with 206, and 416 past the end', async () => {
      const data = randomBytes(5000);
      const digest = await pushBlob('api/push', data);
      const part = await call('GET', `/v2/api/push/blobs/${digest}`, {
        headers: { range: 'bytes=100-199' },
      });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe('bytes 100-199/5000');
      expect(part.body).toEqual(data.subarray(100, 200));
      const past = await call('GET', `/v2/api/push/blobs/${digest}`, {
        headers: { range: 'bytes=5000-' },
      });
      expect(past.status).toBe(416);
      expect(past.headers['content-range']).toBe('bytes */5000');
    });

    it('takes an empty blob, and a blob pushed twice is a success both times', async () => {
      const empty = await pushBlob('api/push', Buffer.alloc(0));
      expect(empty).toBe(sha256Digest(Buffer.alloc(0)));
      const got = await call('GET', `/v2/api/push/blobs/${empty}`);
      expect(got.status).toBe(200);
      expect(got.body.length).toBe(0);
      const data = randomBytes(100);
      await pushBlob('api/push', data);
      await pushBlob('api/push', data);
    });

    it('mounts a blob from another repository of the account (201), and opens an upload when it cannot (202)', async () => {
      await createRepository('api/mount-target');
      const digest = await pushBlob('api/push', randomBytes(2000));
      const mounted = await call(
        'POST',
        `/v2/api/mount-target/blobs/uploads/?mount=${digest}&from=api/push`,
      );
      expect(mounted.status).toBe(201);
      expect(mounted.headers.location).toBe(`/v2/api/mount-target/blobs/${digest}`);
      expect((await call('HEAD', `/v2/api/mount-target/blobs/${digest}`)).status).toBe(200);
      const missing = sha256Digest(randomBytes(10));
      const fallback = await call(
        'POST',
        `/v2/api/mount-target/blobs/uploads/?mount=${missing}&from=api/push`,
      );
      expect(fallback.status).toBe(202);
      expect(fallback.headers.location).toMatch(/^\/v2\/api\/mount-target\/blobs\/uploads\//);
    });

    it('pushes a manifest by tag and pulls it by tag and digest, its bytes and media type as stored', async () => {
      const { digest, manifest } = await pushImage('api/push', 'v1');
      for (const ref of ['v1', digest]) {
        const res = await call('GET', `/v2/api/push/manifests/${ref}`, {
          headers: { accept: OCI_MANIFEST },
        });
        expect(res.status).toBe(200);
        expect(res.body.toString()).toBe(manifest);
        expect(res.headers['content-type']).toBe(OCI_MANIFEST);
        expect(res.headers['docker-content-digest']).toBe(digest);
      }
      const head = await call('HEAD', `/v2/api/push/manifests/v1`);
      expect(head.status).toBe(200);
      expect(head.headers['docker-content-digest']).toBe(digest);
    });

    it('pushes Docker schema 2, a Docker manifest list and an OCI index, each answered with its own media type', async () => {
      await createRepository('api/kinds');
      const config = Buffer.from('{"architecture":"arm64","os":"linux"}');
      const layer = randomBytes(300);
      const docker = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: await pushBlob('api/kinds', config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            digest: await pushBlob('api/kinds', layer),
            size: layer.length,
          },
          // A non-distributable layer with urls: accepted without its bytes.
          {
            mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
            digest: sha256Digest(randomBytes(8)),
            size: 8,
            urls: ['https://example.com/layer'],
          },
        ],
      });
      const put = async (ref: string, mediaType: string, body: string): Promise<void> => {
        const res = await call('PUT', `/v2/api/kinds/manifests/${ref}`, {
          headers: { 'content-type': mediaType },
          body,
        });
        expect(res.status).toBe(201);
        const got = await call('GET', `/v2/api/kinds/manifests/${ref}`);
        expect(got.headers['content-type']).toBe(mediaType);
        expect(got.body.toString()).toBe(body);
      };
      await put('docker', 'application/vnd.docker.distribution.manifest.v2+json', docker);
      const { digest: oci, manifest: ociManifest } = await pushImage('api/kinds', 'oci');
      const entries = [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: sha256Digest(Buffer.from(docker)),
          size: docker.length,
          platform: { architecture: 'arm64', os: 'linux' },
        },
        {
          mediaType: OCI_MANIFEST,
          digest: oci,
          size: ociManifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ];
      const list = 'application/vnd.docker.distribution.manifest.list.v2+json';
      await put(
        'list',
        list,
        JSON.stringify({ schemaVersion: 2, mediaType: list, manifests: entries }),
      );
      const index = 'application/vnd.oci.image.index.v1+json';
      await put(
        'index',
        index,
        JSON.stringify({ schemaVersion: 2, mediaType: index, manifests: entries }),
      );
      // An index naming a manifest the repository lacks.
      const missing = JSON.stringify({
        schemaVersion: 2,
        mediaType: index,
        manifests: [{ mediaType: OCI_MANIFEST, digest: sha256Digest(randomBytes(4)), size: 10 }],
      });
      const res = await call('PUT', '/v2/api/kinds/manifests/broken', {
        headers: { 'content-type': index },
        body: missing,
      });
      expect({ status: res.status, code: errorCode(res) }).toEqual({
        status: 404,
        code: 'MANIFEST_BLOB_UNKNOWN',
      });
    });

    it('converts Docker schema 2 to OCI by tag for an Accept that lists only OCI, and serves the stored bytes by digest', async () => {
      await createRepository('api/accept');
      const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
      const layer = randomBytes(200);
      const dockerType = 'application/vnd.docker.distribution.manifest.v2+json';
      const docker = JSON.stringify({
        schemaVersion: 2,
        mediaType: dockerType,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: await pushBlob('api/accept', config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            digest: await pushBlob('api/accept', layer),
            size: layer.length,
          },
        ],
      });
      const stored = sha256Digest(Buffer.from(docker));
      const put = await call('PUT', '/v2/api/accept/manifests/v1', {
        headers: { 'content-type': dockerType },
        body: docker,
      });
      expect(put.status).toBe(201);

      const byTag = await call('GET', '/v2/api/accept/manifests/v1', {
        headers: { accept: OCI_MANIFEST },
      });
      expect(byTag.status).toBe(200);
      expect(byTag.headers['content-type']).toBe(OCI_MANIFEST);
      const converted = JSON.parse(byTag.body.toString()) as {
        mediaType: string;
        config: { mediaType: string; digest: string };
      };
      expect(converted.mediaType).toBe(OCI_MANIFEST);
      expect(converted.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
      expect(byTag.headers['docker-content-digest']).toBe(sha256Digest(byTag.body));
      expect(byTag.headers['docker-content-digest']).not.toBe(stored);

      const byDigest = await call('GET', `/v2/api/accept/manifests/${stored}`, {
        headers: { accept: OCI_MANIFEST },
      });
      expect(byDigest.status).toBe(200);
      expect(byDigest.headers['content-type']).toBe(dockerType);
      expect(byDigest.body.toString()).toBe(docker);

      // A client that accepts both formats gets the stored one.
      const both = await call('GET', '/v2/api/accept/manifests/v1', {
        headers: { accept: `${OCI_MANIFEST}, ${dockerType}` },
      });
      expect(both.body.toString()).toBe(docker);
    });

    it('pushes a manifest by digest', async () => {
      const { manifest } = await pushImage('api/push', 'bydigest-src');
      const digest = sha256Digest(Buffer.from(manifest));
      const res = await call('PUT', `/v2/api/push/manifests/${digest}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/v2/api/push/manifests/${digest}`);
    });
  });

  describe('sha512 digests', () => {
    beforeAll(async () => {
      await createRepository('api/sha512');
    });

    const expectBlob = async (digest: string, data: Buffer): Promise<void> => {
      const blob = await call('GET', `/v2/api/sha512/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(blob.headers['docker-content-digest']).toBe(digest);
      expect(blob.body.equals(data)).toBe(true);
    };

    it('takes a sha512 blob in a single POST', async () => {
      const data = randomBytes(70_000);
      const digest = sha512Digest(data);
      const res = await call('POST', `/v2/api/sha512/blobs/uploads/?digest=${digest}`, {
        body: data,
      });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/v2/api/sha512/blobs/${digest}`);
      expect(res.headers['docker-content-digest']).toBe(digest);
      await expectBlob(digest, data);
      const head = await call('HEAD', `/v2/api/sha512/blobs/${digest}`);
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(data.length));
    });

    it.each([
      ['announced with digest-algorithm=sha512', '?digest-algorithm=sha512'],
      ['not announced (the bytes are read back and hashed again)', ''],
    ])('takes a chunked and streamed sha512 upload %s', async (_what, announce) => {
      const data = randomBytes(200_000);
      const start = await call('POST', `/v2/api/sha512/blobs/uploads/${announce}`);
      expect(start.status).toBe(202);
      const first = await call('PATCH', start.headers.location as string, {
        headers: { 'content-range': '0-99999' },
        body: data.subarray(0, 100_000),
      });
      expect(first.headers.range).toBe('0-99999');
      const second = await call('PATCH', first.headers.location as string, {
        body: data.subarray(100_000, 150_000),
      });
      expect(second.headers.range).toBe('0-149999');
      const digest = sha512Digest(data);
      const done = await call('PUT', `${second.headers.location as string}?digest=${digest}`, {
        body: data.subarray(150_000),
      });
      expect(done.status).toBe(201);
      expect(done.headers['docker-content-digest']).toBe(digest);
      await expectBlob(digest, data);
    });

    it('a sha512 upload completed with its sha256 digest is a sha256 blob', async () => {
      const data = randomBytes(10_000);
      const start = await call('POST', '/v2/api/sha512/blobs/uploads/?digest-algorithm=sha512');
      const digest = sha256Digest(data);
      const done = await call('PUT', `${start.headers.location as string}?digest=${digest}`, {
        body: data,
      });
      expect(done.status).toBe(201);
      await expectBlob(digest, data);
    });

    it('DIGEST_INVALID for sha512 bytes that do not match, and for an algorithm it cannot verify', async () => {
      const res = await call(
        'POST',
        `/v2/api/sha512/blobs/uploads/?digest=${sha512Digest('other')}`,
        { body: 'these bytes' },
      );
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('DIGEST_INVALID');
      const start = await call('POST', '/v2/api/sha512/blobs/uploads/?digest-algorithm=sha512');
      const put = await call(
        'PUT',
        `${start.headers.location as string}?digest=${sha512Digest('x')}`,
        {
          body: 'y',
        },
      );
      expect(put.status).toBe(400);
      expect(errorCode(put)).toBe('DIGEST_INVALID');
      const md5 = await call('POST', '/v2/api/sha512/blobs/uploads/?digest-algorithm=md5');
      expect(md5.status).toBe(400);
      expect(errorCode(md5)).toBe('DIGEST_INVALID');
    });

    it('pushes a manifest of sha512 blobs by its sha512 digest, and pulls it by that digest, its sha256 one and its tag', async () => {
      const config = Buffer.from('{"architecture":"amd64","os":"linux","sha":512}');
      const layer = randomBytes(3000);
      for (const data of [config, layer]) {
        const res = await call(
          'POST',
          `/v2/api/sha512/blobs/uploads/?digest=${sha512Digest(data)}`,
          {
            body: data,
          },
        );
        expect(res.status).toBe(201);
      }
      const manifest = manifestOf(sha512Digest(config), config.length, [
        [sha512Digest(layer), layer.length],
      ]);
      const digest = sha512Digest(manifest);
      const canonical = sha256Digest(Buffer.from(manifest));
      const put = await call('PUT', `/v2/api/sha512/manifests/${digest}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expect(put.status).toBe(201);
      expect(put.headers.location).toBe(`/v2/api/sha512/manifests/${digest}`);
      expect(put.headers['docker-content-digest']).toBe(digest);
      // Pushed again, by tag with the spec's ?digest=: answered in sha512 again.
      const tagged = await call('PUT', `/v2/api/sha512/manifests/v1?digest=${digest}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expect(tagged.status).toBe(201);
      expect(tagged.headers['docker-content-digest']).toBe(digest);

      for (const method of ['GET', 'HEAD']) {
        const bySha512 = await call(method, `/v2/api/sha512/manifests/${digest}`);
        expect(bySha512.status).toBe(200);
        expect(bySha512.headers['docker-content-digest']).toBe(digest);
        expect(bySha512.headers['content-length']).toBe(String(Buffer.byteLength(manifest)));
        if (method === 'GET') expect(bySha512.body.toString()).toBe(manifest);
      }
      const bySha256 = await call('GET', `/v2/api/sha512/manifests/${canonical}`);
      expect(bySha256.headers['docker-content-digest']).toBe(canonical);
      const byTag = await call('GET', '/v2/api/sha512/manifests/v1');
      expect(byTag.status).toBe(200);
      expect(byTag.headers['docker-content-digest']).toBe(canonical);

      // The ECR API knows the image by its sha256 digest only, as ECR knows images.
      const ecr = await client.send(
        new BatchGetImageCommand({
          repositoryName: 'api/sha512',
          imageIds: [{ imageDigest: canonical }, { imageDigest: digest }],
        }),
      );
      expect(ecr.images?.map((i) => i.imageId?.imageDigest)).toEqual([canonical]);
      expect(ecr.failures?.[0]).toMatchObject({ failureCode: 'ImageNotFound' });
      // Its sha512 layer downloads through the ECR API by that digest.
      const { downloadUrl, layerDigest } = await client.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: 'api/sha512',
          layerDigest: sha512Digest(layer),
        }),
      );
      expect(layerDigest).toBe(sha512Digest(layer));
      const downloaded = Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
      expect(downloaded.equals(layer)).toBe(true);
    });

    it('answers DIGEST_INVALID to a manifest whose sha512 reference does not match, and MANIFEST_UNKNOWN to an unknown one', async () => {
      const manifest = manifestOf(sha256Digest(Buffer.from('c')), 1, []);
      const put = await call('PUT', `/v2/api/sha512/manifests/${sha512Digest('other')}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expect(put.status).toBe(400);
      expect(errorCode(put)).toBe('DIGEST_INVALID');
      const get = await call('GET', `/v2/api/sha512/manifests/${sha512Digest('nothing')}`);
      expect(get.status).toBe(404);
      expect(errorCode(get)).toBe('MANIFEST_UNKNOWN');
      const del = await call('DELETE', `/v2/api/sha512/manifests/${sha512Digest('nothing')}`);
      expect(errorCode(del)).toBe('MANIFEST_UNKNOWN');
    });

    it('an index names its children by their sha256 or sha512 digest; a sha512 one not in the repository is MANIFEST_BLOB_UNKNOWN', async () => {
      const { manifest } = await pushImage('api/sha512', 'child');
      const index = (...digests: string[]): string =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: digests.map((digest) => ({
            mediaType: OCI_MANIFEST,
            digest,
            size: manifest.length,
          })),
        });
      const headers = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
      const by512 = await call('PUT', '/v2/api/sha512/manifests/list512', {
        headers,
        body: index(sha512Digest(manifest)),
      });
      expect(by512.status).toBe(201);
      const by256 = await call('PUT', '/v2/api/sha512/manifests/list256', {
        headers,
        body: index(sha256Digest(Buffer.from(manifest))),
      });
      expect(by256.status).toBe(201);
      // The same child by both of its digests is one reference.
      const byBoth = await call('PUT', '/v2/api/sha512/manifests/listboth', {
        headers,
        body: index(sha256Digest(Buffer.from(manifest)), sha512Digest(manifest)),
      });
      expect(byBoth.status).toBe(201);
      const absent = sha512Digest('a manifest never pushed');
      const missing = await call('PUT', '/v2/api/sha512/manifests/listmissing', {
        headers,
        body: index(sha512Digest(manifest), absent),
      });
      expect(missing.status).toBe(404);
      expect(errorCode(missing)).toBe('MANIFEST_BLOB_UNKNOWN');
      expect(JSON.stringify(missing.json)).toContain(absent);
      expect(JSON.stringify(missing.json)).not.toContain(sha512Digest(manifest));
      expect((await call('GET', '/v2/api/sha512/manifests/listmissing')).status).toBe(404);
    });

    it('deletes a manifest by its sha512 digest', async () => {
      const { manifest } = await pushImage('api/sha512', 'del512');
      const del = await call('DELETE', `/v2/api/sha512/manifests/${sha512Digest(manifest)}`);
      expect(del.status).toBe(202);
      expect((await call('GET', '/v2/api/sha512/manifests/del512')).status).toBe(404);
    });

    it('the ECR API sees a sha512 layer, but completes its own uploads with sha256 digests only', async () => {
      const data = randomBytes(1000);
      const digest = sha512Digest(data);
      await call('POST', `/v2/api/sha512/blobs/uploads/?digest=${digest}`, { body: data });
      const check = await client.send(
        new BatchCheckLayerAvailabilityCommand({
          repositoryName: 'api/sha512',
          layerDigests: [digest],
        }),
      );
      expect(check.layers?.[0]).toMatchObject({
        layerAvailability: 'AVAILABLE',
        layerSize: data.length,
      });
      const { uploadId } = await client.send(
        new InitiateLayerUploadCommand({ repositoryName: 'api/sha512' }),
      );
      await client.send(
        new UploadLayerPartCommand({
          repositoryName: 'api/sha512',
          uploadId,
          partFirstByte: 0,
          partLastByte: data.length - 1,
          layerPartBlob: data,
        }),
      );
      await expect(
        client.send(
          new CompleteLayerUploadCommand({
            repositoryName: 'api/sha512',
            uploadId,
            layerDigests: [digest],
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidLayerException' });
    });
  });

  describe('discovery and management', () => {
    it('lists tags in order, n at a time, with a Link to the next page', async () => {
      await createRepository('api/tags');
      for (const tag of ['b', 'a', 'c']) await pushImage('api/tags', tag);
      const first = await call('GET', '/v2/api/tags/tags/list?n=2');
      expect(first.json).toEqual({ name: 'api/tags', tags: ['a', 'b'] });
      expect(first.headers.link).toBe('</v2/api/tags/tags/list?n=2&last=b>; rel="next"');
      const rest = await call('GET', '/v2/api/tags/tags/list?n=2&last=b');
      expect(rest.json).toEqual({ name: 'api/tags', tags: ['c'] });
      expect(rest.headers.link).toBeUndefined();
      const none = await call('GET', '/v2/api/tags/tags/list?n=0');
      expect(none.json).toEqual({ name: 'api/tags', tags: [] });
      expect(none.headers.link).toBeUndefined();
    });

    it("lists the caller's repositories in _catalog, paginated the same way", async () => {
      const all = (await call('GET', '/v2/_catalog')).json as { repositories: string[] };
      expect(all.repositories).toEqual([...all.repositories].sort());
      expect(all.repositories).toContain('api/push');
      const first = await call('GET', '/v2/_catalog?n=1');
      expect(first.json).toEqual({ repositories: [all.repositories[0]] });
      expect(first.headers.link).toBe(
        `</v2/_catalog?n=1&last=${encodeURIComponent(all.repositories[0])}>; rel="next"`,
      );
      const link = String(first.headers.link);
      const second = await call('GET', link.slice(1, link.indexOf('>')));
      expect(second.json).toEqual({ repositories: [all.repositories[1]] });
    });

    it('deletes a tag and a manifest with 202; they are then unknown', async () => {
      await createRepository('api/delete');
      const { digest } = await pushImage('api/delete', 'one');
      await call('PUT', '/v2/api/delete/manifests/two', {
        headers: { 'content-type': OCI_MANIFEST },
        body: (await call('GET', `/v2/api/delete/manifests/${digest}`)).body,
      });
      expect((await call('DELETE', '/v2/api/delete/manifests/one')).status).toBe(202);
      expect(errorCode(await call('GET', '/v2/api/delete/manifests/one'))).toBe('MANIFEST_UNKNOWN');
      expect((await call('GET', '/v2/api/delete/manifests/two')).status).toBe(200);
      expect((await call('DELETE', `/v2/api/delete/manifests/${digest}`)).status).toBe(202);
      expect((await call('GET', '/v2/api/delete/manifests/two')).status).toBe(404);
    });

    it('lists referrers of a manifest, filtered by artifactType, and answers OCI-Subject to their push', async () => {
      await createRepository('api/referrers');
      const { digest: subject, manifest: subjectManifest } = await pushImage('api/referrers', 'v1');
      const empty = await pushBlob('api/referrers', Buffer.from('{}'));
      const artifact = (artifactType: string, note: string): string =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
          layers: [],
          subject: { mediaType: OCI_MANIFEST, digest: subject, size: subjectManifest.length },
          annotations: { note },
        });
      const pushed: Record<string, string> = {};
      for (const [type, note] of [
        ['application/vnd.example.sbom', 'sbom'],
        ['application/vnd.example.sig', 'sig'],
      ]) {
        const body = artifact(type, note);
        const digest = sha256Digest(Buffer.from(body));
        const res = await call('PUT', `/v2/api/referrers/manifests/${digest}`, {
          headers: { 'content-type': OCI_MANIFEST },
          body,
        });
        expect(res.status).toBe(201);
        expect(res.headers['oci-subject']).toBe(subject);
        pushed[note] = digest;
      }
      const all = await call('GET', `/v2/api/referrers/referrers/${subject}`);
      expect(all.status).toBe(200);
      expect(all.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
      expect(all.headers['oci-filters-applied']).toBeUndefined();
      const index = all.json as { manifests: Record<string, unknown>[] };
      expect(index.manifests).toHaveLength(2);
      expect(index.manifests[0]).toEqual({
        mediaType: OCI_MANIFEST,
        digest: pushed.sbom,
        size: artifact('application/vnd.example.sbom', 'sbom').length,
        artifactType: 'application/vnd.example.sbom',
        annotations: { note: 'sbom' },
      });
      const filtered = await call(
        'GET',
        `/v2/api/referrers/referrers/${subject}?artifactType=application/vnd.example.sig`,
      );
      expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
      expect(
        (filtered.json as { manifests: { digest: string }[] }).manifests.map((d) => d.digest),
      ).toEqual([pushed.sig]);
      const none = await call('GET', `/v2/api/referrers/referrers/${sha256Digest(randomBytes(4))}`);
      expect(none.status).toBe(200);
      expect(none.json).toEqual({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [],
      });
      expect(errorCode(await call('GET', '/v2/api/referrers/referrers/sha256:zz'))).toBe(
        'DIGEST_INVALID',
      );
    });

    it('ListImageReferrers (ECR API) lists what the referrers API lists, paginated and filtered', async () => {
      await createRepository('api/ecr-referrers');
      const { digest: subject, manifest: subjectManifest } = await pushImage(
        'api/ecr-referrers',
        'v1',
      );
      const empty = await pushBlob('api/ecr-referrers', Buffer.from('{}'));
      const types = ['application/vnd.example.sbom', 'application/vnd.example.sig'];
      for (let i = 0; i < 5; i++) {
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: types[i % 2],
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
          layers: [],
          subject: { mediaType: OCI_MANIFEST, digest: subject, size: subjectManifest.length },
          annotations: { n: String(i) },
        });
        const res = await call('PUT', `/v2/api/ecr-referrers/manifests/r${i}`, {
          headers: { 'content-type': OCI_MANIFEST },
          body,
        });
        expect(res.status).toBe(201);
      }
      const index = (await call('GET', `/v2/api/ecr-referrers/referrers/${subject}`)).json as {
        manifests: Record<string, unknown>[];
      };
      expect(index.manifests).toHaveLength(5);

      const listed: unknown[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page: ListImageReferrersCommandOutput = await client.send(
          new ListImageReferrersCommand({
            repositoryName: 'api/ecr-referrers',
            subjectId: { imageDigest: subject },
            maxResults: 2,
            nextToken,
          }),
        );
        listed.push(...(page.referrers ?? []));
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken);
      expect(pages).toBe(3);
      expect(listed).toEqual(index.manifests.map((m) => ({ ...m, artifactStatus: 'ACTIVE' })));

      const sigs = await client.send(
        new ListImageReferrersCommand({
          repositoryName: 'api/ecr-referrers',
          subjectId: { imageDigest: subject },
          filter: { artifactTypes: [types[1]], artifactStatus: 'ANY' },
        }),
      );
      expect(sigs.referrers?.map((r) => r.annotations?.n)).toEqual(['1', '3']);
      expect(sigs.nextToken).toBeUndefined();
      const archived = await client.send(
        new ListImageReferrersCommand({
          repositoryName: 'api/ecr-referrers',
          subjectId: { imageDigest: subject },
          filter: { artifactStatus: 'ARCHIVED' },
        }),
      );
      expect(archived.referrers).toEqual([]);
      const none = await client.send(
        new ListImageReferrersCommand({
          repositoryName: 'api/ecr-referrers',
          subjectId: { imageDigest: sha256Digest(randomBytes(4)) },
        }),
      );
      expect(none.referrers).toEqual([]);

      const refused = (input: Record<string, unknown>): Promise<unknown> =>
        client.send(
          new ListImageReferrersCommand({
            repositoryName: 'api/ecr-referrers',
            subjectId: { imageDigest: subject },
            ...input,
          }),
        );
      await expect(
        client.send(
          new ListImageReferrersCommand({
            repositoryName: 'api/missing',
            subjectId: { imageDigest: subject },
          }),
        ),
      ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
      await expect(refused({ subjectId: { imageDigest: 'sha256:zz' } })).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      await expect(refused({ maxResults: 51 })).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      await expect(refused({ nextToken: 'not-a-token' })).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      await expect(
        refused({ filter: { artifactTypes: ['a', 'b', 'c', 'd', 'e', 'f'] } }),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('cancels an upload with 204; it is then unknown', async () => {
      const start = await call('POST', '/v2/api/push/blobs/uploads/');
      const location = start.headers.location as string;
      expect((await call('DELETE', location)).status).toBe(204);
      const after = await call('GET', location);
      expect(after.status).toBe(404);
      expect(errorCode(after)).toBe('BLOB_UPLOAD_UNKNOWN');
    });
  });

  // The workflows of the distribution-spec conformance suite (conformance/01_pull_test.go,
  // 02_push_test.go, 03_discovery_test.go, 04_management_test.go), with the statuses it accepts.
  describe('the conformance workflows', () => {
    const name = 'api/conformance';
    const SPEC_CODES = [
      'BLOB_UNKNOWN',
      'BLOB_UPLOAD_INVALID',
      'BLOB_UPLOAD_UNKNOWN',
      'DIGEST_INVALID',
      'MANIFEST_BLOB_UNKNOWN',
      'MANIFEST_INVALID',
      'MANIFEST_UNKNOWN',
      'NAME_INVALID',
      'NAME_UNKNOWN',
      'SIZE_INVALID',
      'UNAUTHORIZED',
      'DENIED',
      'UNSUPPORTED',
      'TOOMANYREQUESTS',
    ];

    beforeAll(async () => {
      await createRepository(name);
      await createRepository('api/conformance-mount');
    });

    it('pull: a manifest reference that is neither a tag nor a digest is a 404 to GET and HEAD', async () => {
      for (const method of ['GET', 'HEAD']) {
        const res = await call(method, `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`);
        expect(res.status).toBe(404);
        if (method === 'GET') expect(errorCode(res)).toBe('MANIFEST_UNKNOWN');
      }
      expect((await call('DELETE', `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`)).status).toBe(
        404,
      );
      // Still NAME_UNKNOWN first for a repository that does not exist.
      expect(errorCode(await call('GET', '/v2/api/nothing/manifests/.INVALID'))).toBe(
        'NAME_UNKNOWN',
      );
      // Pushing to such a reference stays a client error of the spec's table.
      const put = await call('PUT', `/v2/${name}/manifests/.INVALID_MANIFEST_NAME`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifestOf(sha256Digest(Buffer.from('x')), 1, []),
      });
      expect(put.status).toBe(400);
    });

    it('pull: the suite setup, HEAD and GET of blobs and manifests, and its 400 error check', async () => {
      const { digest, manifest } = await pushImage(name, 'pulltag');
      const config = (JSON.parse(manifest) as { config: { digest: string } }).config.digest;
      const dummy = sha256Digest(Buffer.from('dummy'));
      expect((await call('HEAD', `/v2/${name}/blobs/${dummy}`)).status).toBe(404);
      expect((await call('GET', `/v2/${name}/blobs/${dummy}`)).status).toBe(404);
      const head = await call('HEAD', `/v2/${name}/blobs/${config}`);
      expect(head.status).toBe(200);
      expect(head.headers['docker-content-digest']).toBe(config);
      for (const [method, reference] of [
        ['HEAD', digest],
        ['GET', digest],
        ['HEAD', 'pulltag'],
        ['GET', 'pulltag'],
      ]) {
        const res = await call(method, `/v2/${name}/manifests/${reference}`, {
          headers: { accept: OCI_MANIFEST },
        });
        expect(res.status).toBe(200);
        expect(res.headers['docker-content-digest']).toBe(digest);
      }
      const wrong = await call('PUT', `/v2/${name}/manifests/sha256:totallywrong`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: 'blablabla',
      });
      expect(wrong.status).toBe(400);
      expect(SPEC_CODES).toContain(errorCode(wrong));
      // Teardown: a blob DELETE may be 405; a manifest DELETE 2xx.
      expect((await call('DELETE', `/v2/${name}/blobs/${config}`)).status).toBe(405);
      expect((await call('DELETE', `/v2/${name}/manifests/${digest}`)).status).toBe(202);
    });

    it('push: streamed, monolithic (POST and PUT), chunked with a retried chunk, and cross-mounts', async () => {
      // Streamed: a PATCH without Content-Range, then a PUT with no body.
      const blobA = Buffer.from('NBA Jam on my NBA toast');
      const streamStart = await call('POST', `/v2/${name}/blobs/uploads/`);
      const patched = await call('PATCH', streamStart.headers.location as string, {
        headers: { 'content-type': 'application/octet-stream' },
        body: blobA,
      });
      expect(patched.status).toBe(202);
      const streamDone = await call(
        'PUT',
        `${patched.headers.location as string}?digest=${sha256Digest(blobA)}`,
        { headers: { 'content-type': 'application/octet-stream', 'content-length': '0' } },
      );
      expect(streamDone.status).toBe(201);
      expect(streamDone.headers.location).toBeTruthy();

      // Monolithic: a POST with the digest and the blob, and a POST then a PUT with the blob.
      const blobC = Buffer.from('{"conformance":"monolithic"}');
      const post = await call('POST', `/v2/${name}/blobs/uploads/?digest=${sha256Digest(blobC)}`, {
        headers: { 'content-type': 'application/octet-stream' },
        body: blobC,
      });
      expect(post.status).toBe(201);
      expect(post.headers.location).toBeTruthy();
      const session = await call('POST', `/v2/${name}/blobs/uploads/`);
      expect(session.status).toBe(202);
      const whole = await call(
        'PUT',
        `${session.headers.location as string}?digest=${sha256Digest(blobC)}`,
        { headers: { 'content-type': 'application/octet-stream' }, body: blobC },
      );
      expect(whole.status).toBe(201);
      expect(whole.headers.location).toBeTruthy();
      expect((await call('GET', `/v2/${name}/blobs/${sha256Digest(blobC)}`)).status).toBe(200);

      // Chunked: out of order is 416; a retried chunk is 416 with the Range; status is 204.
      const blobB = randomBytes(2000);
      const [chunk1, chunk2] = [blobB.subarray(0, 1200), blobB.subarray(1200)];
      const fresh = await call('POST', `/v2/${name}/blobs/uploads/`, {
        headers: { 'content-length': '0' },
      });
      const outOfOrder = await call('PATCH', fresh.headers.location as string, {
        headers: { 'content-range': '1200-1999', 'content-length': '800' },
        body: chunk2,
      });
      expect(outOfOrder.status).toBe(416);
      const start = await call('POST', `/v2/${name}/blobs/uploads/`, {
        headers: { 'content-length': '0' },
      });
      const first = await call('PATCH', start.headers.location as string, {
        headers: { 'content-range': '0-1199', 'content-length': '1200' },
        body: chunk1,
      });
      expect(first.status).toBe(202);
      expect(first.headers.range).toBe('0-1199');
      const retried = await call('PATCH', first.headers.location as string, {
        headers: { 'content-range': '0-1199', 'content-length': '1200' },
        body: chunk1,
      });
      expect(retried.status).toBe(416);
      expect(retried.headers.range).toBe('0-1199');
      const status = await call('GET', first.headers.location as string);
      expect(status.status).toBe(204);
      expect(status.headers.range).toBe('0-1199');
      expect(status.headers.location).toBe(first.headers.location);
      const final = await call(
        'PUT',
        `${status.headers.location as string}?digest=${sha256Digest(blobB)}`,
        { headers: { 'content-range': '1200-1999', 'content-length': '800' }, body: chunk2 },
      );
      expect(final.status).toBe(201);
      expect(final.headers.location).toBeTruthy();

      // Cross-mounts: without `from` an upload opens (202); a missing blob opens one too; a
      // blob of the source repository mounts (201).
      const noFrom = await call(
        'POST',
        `/v2/api/conformance-mount/blobs/uploads/?mount=${sha256Digest(blobA)}`,
      );
      expect([201, 202]).toContain(noFrom.status);
      const missing = await call(
        'POST',
        `/v2/api/conformance-mount/blobs/uploads/?mount=${sha256Digest(Buffer.from('none'))}&from=${name}`,
      );
      expect(missing.status).toBe(202);
      const mounted = await call(
        'POST',
        `/v2/api/conformance-mount/blobs/uploads/?mount=${sha256Digest(blobA)}&from=${name}`,
      );
      expect(mounted.status).toBe(201);
      expect(
        (await call('GET', `/v2/api/conformance-mount/blobs/${sha256Digest(blobA)}`)).status,
      ).toBe(200);

      // An index with an artifactType of a manifest pushed by tag, and an index of that index.
      const { digest: child, manifest: childManifest } = await pushImage(name, 'indexed');
      const INDEX = 'application/vnd.oci.image.index.v1+json';
      const index = JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: INDEX,
          artifactType: 'application/vnd.food.stand',
          manifests: [{ mediaType: OCI_MANIFEST, size: childManifest.length, digest: child }],
          annotations: { 'org.opencontainers.conformance.test': 'test index' },
        },
        null,
        '\t',
      );
      const indexDigest = sha256Digest(Buffer.from(index));
      const nested = JSON.stringify({
        schemaVersion: 2,
        mediaType: INDEX,
        artifactType: 'application/vnd.food.stand',
        manifests: [{ mediaType: INDEX, size: Buffer.byteLength(index), digest: indexDigest }],
        annotations: { 'org.opencontainers.conformance.test': 'test index' },
      });
      for (const body of [index, nested]) {
        const res = await call('PUT', `/v2/${name}/manifests/${sha256Digest(Buffer.from(body))}`, {
          headers: { 'content-type': INDEX },
          body,
        });
        expect(res.status).toBe(201);
      }

      // A manifest with no layers, pushed under four tags.
      const config = Buffer.from('{"architecture":"amd64","os":"linux","conformance":1}');
      await pushBlob(name, config);
      const manifest = manifestOf(sha256Digest(config), config.length, []);
      for (let i = 0; i < 4; i++) {
        const res = await call('PUT', `/v2/${name}/manifests/test${i}`, {
          headers: { 'content-type': OCI_MANIFEST },
          body: manifest,
        });
        expect(res.status).toBe(201);
        expect(res.headers.location).toBeTruthy();
      }
    });

    it('discovery: referrers pushed before their subject, an index referrer, one to a missing subject, filters', async () => {
      const repo = 'api/conformance-refs';
      await createRepository(repo);
      const emptyJson = Buffer.from('{}');
      const empty = await pushBlob(repo, emptyJson);
      expect(empty).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
      const refBlob = await pushBlob(repo, Buffer.from('NBA Jam on my NBA toast'));
      const config = Buffer.from('{"architecture":"amd64","os":"linux","refs":1}');
      const layer = randomBytes(100);
      const subjectManifest = manifestOf(await pushBlob(repo, config), config.length, [
        [await pushBlob(repo, layer), layer.length],
      ]);
      const subject = sha256Digest(Buffer.from(subjectManifest));
      const absent = sha256Digest(Buffer.from('a manifest never pushed'));
      const typeA = 'application/vnd.nba.jam';
      const typeB = 'application/vnd.nba.jam.b';
      const subjectOf = (digest: string): Record<string, unknown> => ({
        mediaType: OCI_MANIFEST,
        digest,
        size: subjectManifest.length,
      });
      const put = async (
        body: string,
        contentType = OCI_MANIFEST,
      ): Promise<{ digest: string; subject: unknown }> => {
        const digest = sha256Digest(Buffer.from(body));
        const res = await call('PUT', `/v2/${repo}/manifests/${digest}`, {
          headers: { 'content-type': contentType },
          body,
        });
        expect(res.status).toBe(201);
        return { digest, subject: res.headers['oci-subject'] };
      };
      const configArtifact = (type: string, note: string, to = subject): string =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: type, digest: refBlob, size: 23 },
          layers: [
            { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: refBlob, size: 23 },
          ],
          subject: subjectOf(to),
          annotations: { 'org.opencontainers.conformance.test': note },
        });
      const layerArtifact = (type: string, note: string, to = subject): string =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: type,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
          layers: [
            { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: refBlob, size: 23 },
          ],
          subject: subjectOf(to),
          annotations: { 'org.opencontainers.conformance.test': note },
        });
      // Before the subject is pushed.
      const a1 = await put(configArtifact(typeA, 'a1'));
      const a2 = await put(layerArtifact(typeA, 'a2'));
      const index = await put(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          artifactType: 'application/vnd.food.stand',
          manifests: [
            {
              mediaType: OCI_MANIFEST,
              digest: a1.digest,
              size: configArtifact(typeA, 'a1').length,
            },
            { mediaType: OCI_MANIFEST, digest: a2.digest, size: layerArtifact(typeA, 'a2').length },
          ],
          subject: subjectOf(subject),
          annotations: { 'org.opencontainers.conformance.test': 'index' },
        }),
        'application/vnd.oci.image.index.v1+json',
      );
      for (const pushed of [a1, a2, index]) expect(pushed.subject).toBe(subject);
      expect(
        (
          await call('PUT', `/v2/${repo}/manifests/tagged`, {
            headers: { 'content-type': OCI_MANIFEST },
            body: subjectManifest,
          })
        ).status,
      ).toBe(201);
      const b1 = await put(configArtifact(typeB, 'b1'));
      const b2 = await put(layerArtifact(typeB, 'b2'));
      const c = await put(layerArtifact(typeB, 'c', absent));
      expect(c.subject).toBe(absent);

      const listed = await call('GET', `/v2/${repo}/referrers/${subject}`);
      expect(listed.status).toBe(200);
      expect(listed.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
      const manifests = (
        listed.json as { manifests: { digest: string; annotations: Record<string, string> }[] }
      ).manifests;
      expect(manifests.map((m) => m.digest).sort()).toEqual(
        [a1.digest, a2.digest, index.digest, b1.digest, b2.digest].sort(),
      );
      for (const m of manifests) expect(Object.keys(m.annotations)).toHaveLength(1);
      const filtered = await call('GET', `/v2/${repo}/referrers/${subject}?artifactType=${typeA}`);
      expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
      expect(
        (filtered.json as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      ).toEqual([a1.digest, a2.digest]);
      const toAbsent = await call('GET', `/v2/${repo}/referrers/${absent}`);
      expect(toAbsent.status).toBe(200);
      expect(
        (toAbsent.json as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      ).toEqual([c.digest]);
      const dummy = await call(
        'GET',
        `/v2/${repo}/referrers/${sha256Digest(Buffer.from('dummy'))}`,
      );
      expect(dummy.status).toBe(200);
      expect((dummy.json as { manifests: unknown[] }).manifests).toEqual([]);

      // Teardown, in the suite's order (manifests before blobs): 202 or 404 each.
      for (const digest of [
        index.digest,
        subject,
        a1.digest,
        a2.digest,
        b1.digest,
        b2.digest,
        c.digest,
      ]) {
        expect([202, 404]).toContain(
          (await call('DELETE', `/v2/${repo}/manifests/${digest}`)).status,
        );
      }
    });

    it('sha512: an index of two images, every blob and manifest named by sha512, pushed and pulled by digest, deleted index first', async () => {
      const repo = 'api/conformance-sha512';
      await createRepository(repo);
      const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
      const blobs = new Map<string, Buffer>();
      const manifests = new Map<string, { body: string; mediaType: string }>();
      const pushOrder: string[] = [];
      const descriptorOf = (digest: string): { mediaType: string; digest: string; size: number } =>
        blobs.has(digest)
          ? {
              mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
              digest,
              size: blobs.get(digest)!.length,
            }
          : {
              mediaType: manifests.get(digest)!.mediaType,
              digest,
              size: Buffer.byteLength(manifests.get(digest)!.body),
            };
      const addManifest = (body: string, mediaType: string): string => {
        const digest = sha512Digest(body);
        manifests.set(digest, { body, mediaType });
        pushOrder.push(digest);
        return digest;
      };
      const platforms = [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ];
      const imageSizes: number[] = [];
      const images = platforms.map((platform) => {
        const layers = [randomBytes(600), randomBytes(700)];
        const config = Buffer.from(
          JSON.stringify({
            author: 'OCI Conformance Test',
            ...platform,
            rootfs: { type: 'layers', diff_ids: layers.map((l) => sha512Digest(l)) },
          }),
        );
        for (const data of [...layers, config]) blobs.set(sha512Digest(data), data);
        imageSizes.push(config.length + layers[0].length + layers[1].length);
        return addManifest(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: {
              mediaType: 'application/vnd.oci.image.config.v1+json',
              digest: sha512Digest(config),
              size: config.length,
            },
            layers: layers.map((l) => descriptorOf(sha512Digest(l))),
          }),
          OCI_MANIFEST,
        );
      });
      const index = addManifest(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: images.map((digest, i) => ({
            ...descriptorOf(digest),
            platform: platforms[i],
          })),
        }),
        OCI_INDEX,
      );

      // Push: the blobs, then the manifests by digest, children before the index.
      for (const [digest, data] of blobs) {
        const res = await call('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
          headers: { 'content-type': 'application/octet-stream' },
          body: data,
        });
        expect(res.status).toBe(201);
      }
      for (const digest of pushOrder) {
        const { body, mediaType } = manifests.get(digest)!;
        const res = await call('PUT', `/v2/${repo}/manifests/${digest}`, {
          headers: { 'content-type': mediaType },
          body,
        });
        expect(res.status).toBe(201);
        expect(res.headers.location).toBe(`/v2/${repo}/manifests/${digest}`);
        expect(res.headers['docker-content-digest']).toBe(digest);
      }

      // Head and pull: each manifest and blob by its sha512 digest, byte for byte.
      for (const [digest, { body, mediaType }] of manifests) {
        const head = await call('HEAD', `/v2/${repo}/manifests/${digest}`, {
          headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
        });
        expect(head.status).toBe(200);
        expect(head.headers['content-length']).toBe(String(Buffer.byteLength(body)));
        expect(head.headers['docker-content-digest']).toBe(digest);
        const get = await call('GET', `/v2/${repo}/manifests/${digest}`, {
          headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
        });
        expect(get.status).toBe(200);
        expect(get.headers['content-type']).toBe(mediaType);
        expect(get.headers['docker-content-digest']).toBe(digest);
        expect(get.body.equals(Buffer.from(body))).toBe(true);
      }
      for (const [digest, data] of blobs) {
        const get = await call('GET', `/v2/${repo}/blobs/${digest}`);
        expect(get.status).toBe(200);
        expect(get.headers['docker-content-digest']).toBe(digest);
        expect(get.body.equals(data)).toBe(true);
      }

      // The ECR API knows the index by its sha256 digest: its stored bytes, its largest image's
      // size; a child it references cannot be deleted while it does.
      const indexSha256 = sha256Digest(Buffer.from(manifests.get(index)!.body));
      const got = await client.send(
        new BatchGetImageCommand({
          repositoryName: repo,
          imageIds: [{ imageDigest: indexSha256 }],
        }),
      );
      expect(got.failures).toEqual([]);
      expect(got.images?.[0].imageManifest).toBe(manifests.get(index)!.body);
      expect(got.images?.[0].imageManifestMediaType).toBe(OCI_INDEX);
      const described = await client.send(
        new DescribeImagesCommand({
          repositoryName: repo,
          imageIds: [{ imageDigest: indexSha256 }],
        }),
      );
      expect(described.imageDetails?.[0]).toMatchObject({
        imageDigest: indexSha256,
        imageManifestMediaType: OCI_INDEX,
        imageSizeInBytes: Math.max(...imageSizes),
      });
      const child = sha256Digest(Buffer.from(manifests.get(images[0])!.body));
      const refused = await client.send(
        new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: child }] }),
      );
      expect(refused.failures?.[0]).toMatchObject({
        failureCode: 'ImageReferencedByManifestList',
      });
      expect(refused.failures?.[0].failureReason).toContain(indexSha256);
      const denied = await call('DELETE', `/v2/${repo}/manifests/${images[0]}`);
      expect(denied.status).toBe(403);
      expect(errorCode(denied)).toBe('DENIED');

      // Teardown in the suite's order: manifests in reverse push order (the index first), then
      // the blobs, whose DELETE Berth answers 405.
      for (const digest of [...pushOrder].reverse()) {
        expect((await call('DELETE', `/v2/${repo}/manifests/${digest}`)).status).toBe(202);
        expect((await call('GET', `/v2/${repo}/manifests/${digest}`)).status).toBe(404);
      }
      for (const digest of blobs.keys()) {
        expect((await call('DELETE', `/v2/${repo}/blobs/${digest}`)).status).toBe(405);
      }
    });

    it('management: a tag DELETE is 202, then the digest DELETE 202 or 404, the tags list shrinks, a blob DELETE 405', async () => {
      const repo = 'api/conformance-mgmt';
      await createRepository(repo);
      const { digest, manifest } = await pushImage(repo, 'tagtest0');
      await pushImage(repo, 'other');
      const before = ((await call('GET', `/v2/${repo}/tags/list`)).json as { tags: string[] }).tags;
      const untag = await call('DELETE', `/v2/${repo}/manifests/tagtest0`);
      expect(untag.status).toBe(202);
      expect([202, 404]).toContain(
        (await call('DELETE', `/v2/${repo}/manifests/${digest}`)).status,
      );
      expect((await call('GET', `/v2/${repo}/manifests/${digest}`)).status).toBe(404);
      const after = ((await call('GET', `/v2/${repo}/tags/list`)).json as { tags: string[] }).tags;
      expect(after.length).toBeLessThan(before.length);
      const config = (JSON.parse(manifest) as { config: { digest: string } }).config.digest;
      const blobDelete = await call('DELETE', `/v2/${repo}/blobs/${config}`);
      expect(blobDelete.status).toBe(405);
      expect(errorCode(blobDelete)).toBe('UNSUPPORTED');
    });
  });

  describe('errors a client can cause, in the OCI format', () => {
    const expectError = (res: V2Response, status: number, code: string): void => {
      expect({ status: res.status, code: errorCode(res) }).toEqual({ status, code });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json as { errors: { code: string; message: string }[] };
      expect(body.errors[0].message.length).toBeGreaterThan(0);
    };

    it('NAME_INVALID for a name outside the grammar', async () => {
      expectError(await call('GET', '/v2/Bad..Name/tags/list'), 400, 'NAME_INVALID');
    });

    it('NAME_UNKNOWN for a repository that does not exist', async () => {
      expectError(await call('GET', '/v2/api/nothing/tags/list'), 404, 'NAME_UNKNOWN');
      expectError(await call('POST', '/v2/api/nothing/blobs/uploads/'), 404, 'NAME_UNKNOWN');
    });

    it('MANIFEST_UNKNOWN for a tag or digest not in the repository', async () => {
      expectError(await call('GET', '/v2/api/push/manifests/missing'), 404, 'MANIFEST_UNKNOWN');
      // A HEAD answer has no body: its status says it.
      const head = await call('HEAD', `/v2/api/push/manifests/${sha256Digest(randomBytes(4))}`);
      expect(head.status).toBe(404);
    });

    it('BLOB_UNKNOWN for a blob not in the repository', async () => {
      expectError(
        await call('GET', `/v2/api/push/blobs/${sha256Digest(randomBytes(4))}`),
        404,
        'BLOB_UNKNOWN',
      );
    });

    it('DIGEST_INVALID for a malformed digest, and for an upload whose bytes do not match it', async () => {
      expectError(await call('GET', '/v2/api/push/blobs/sha256:abc'), 400, 'DIGEST_INVALID');
      const res = await call(
        'POST',
        `/v2/api/push/blobs/uploads/?digest=${sha256Digest(Buffer.from('other'))}`,
        { body: 'these bytes' },
      );
      expectError(res, 400, 'DIGEST_INVALID');
      const start = await call('POST', '/v2/api/push/blobs/uploads/');
      expectError(await call('PUT', start.headers.location as string), 400, 'DIGEST_INVALID');
    });

    it('BLOB_UPLOAD_UNKNOWN for an upload id that is not one', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      expectError(
        await call('PATCH', `/v2/api/push/blobs/uploads/${id}`, { body: 'x' }),
        404,
        'BLOB_UPLOAD_UNKNOWN',
      );
      expectError(
        await call('GET', '/v2/api/push/blobs/uploads/not-a-uuid'),
        404,
        'BLOB_UPLOAD_UNKNOWN',
      );
    });

    it('BLOB_UPLOAD_INVALID with 416 and the current Range for a chunk out of order', async () => {
      const start = await call('POST', '/v2/api/push/blobs/uploads/');
      const location = start.headers.location as string;
      await call('PATCH', location, { headers: { 'content-range': '0-9' }, body: randomBytes(10) });
      const res = await call('PATCH', location, {
        headers: { 'content-range': '20-29' },
        body: randomBytes(10),
      });
      expectError(res, 416, 'BLOB_UPLOAD_INVALID');
      expect(res.headers.range).toBe('0-9');
      expect((await call('GET', location)).headers.range).toBe('0-9');
    });

    it('SIZE_INVALID when Content-Range and Content-Length disagree', async () => {
      const start = await call('POST', '/v2/api/push/blobs/uploads/');
      const res = await call('PATCH', start.headers.location as string, {
        headers: { 'content-range': '0-99', 'content-length': '10' },
        body: randomBytes(10),
      });
      expectError(res, 400, 'SIZE_INVALID');
    });

    it('MANIFEST_INVALID for a manifest that is not one', async () => {
      expectError(
        await call('PUT', '/v2/api/push/manifests/bad', {
          headers: { 'content-type': OCI_MANIFEST },
          body: '{not json',
        }),
        400,
        'MANIFEST_INVALID',
      );
    });

    it('MANIFEST_BLOB_UNKNOWN for a manifest naming a blob the repository lacks', async () => {
      const config = Buffer.from('{}');
      const manifest = manifestOf(await pushBlob('api/push', config), 2, [
        [sha256Digest(randomBytes(8)), 8],
      ]);
      expectError(
        await call('PUT', '/v2/api/push/manifests/orphan', {
          headers: { 'content-type': OCI_MANIFEST },
          body: manifest,
        }),
        404,
        'MANIFEST_BLOB_UNKNOWN',
      );
    });

    it("TAG_INVALID with ECR's words for a tag move an IMMUTABLE repository refuses", async () => {
      await createRepository('api/immutable', true);
      await pushImage('api/immutable', 'v1');
      const config = Buffer.from('{"other":true}');
      const manifest = manifestOf(await pushBlob('api/immutable', config), config.length, []);
      const res = await call('PUT', '/v2/api/immutable/manifests/v1', {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expectError(res, 400, 'TAG_INVALID');
      expect((res.json as { errors: { message: string }[] }).errors[0].message).toBe(
        "The image tag 'v1' already exists in the 'api/immutable' repository and cannot be overwritten because the tag is immutable.",
      );
    });

    it('UNSUPPORTED (405) for a blob DELETE', async () => {
      const digest = await pushBlob('api/push', randomBytes(10));
      expectError(await call('DELETE', `/v2/api/push/blobs/${digest}`), 405, 'UNSUPPORTED');
    });
  });
});

/**
 * ECR's request-rate quotas on the /v2 door: each request spends the rate of the ECR operation
 * it stands for, from the same buckets as the ECR API, and a request past it is 429
 * TOOMANYREQUESTS with Retry-After.
 */
describe('the /v2 API under request-rate quotas', () => {
  let app: TestApp;
  let client: ECRClient;
  let auth: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp({ ECR_RATE_LIMITS: 'PutImage=1,BatchGetImage=1' });
    client = app.client();
    auth = { authorization: basicAuth(await registryLogin(client)) };
    await client.send(new CreateRepositoryCommand({ repositoryName: 'rates/app' }));
  });

  afterAll(async () => {
    await app?.close();
  });

  const call = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<V2Response> =>
    v2Request(app.url, method, path, { ...options, headers: { ...auth, ...options.headers } });

  it('answers 429 TOOMANYREQUESTS with Retry-After past the PutImage rate, shared with the ECR API', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const pushed = await call(
      'POST',
      `/v2/rates/app/blobs/uploads/?digest=${sha256Digest(config)}`,
      {
        body: config,
      },
    );
    expect(pushed.status).toBe(201);
    const manifest = (n: number): string =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256Digest(config),
          size: config.length,
        },
        layers: [],
        annotations: { n: String(n) },
      });
    const statuses: number[] = [];
    let refused: V2Response | undefined;
    for (let i = 0; i < 2; i++) {
      const res = await call('PUT', `/v2/rates/app/manifests/t${i}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest(i),
      });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    // A bucket holds one second of requests: one passes, the next (within the second) does not.
    expect(statuses).toEqual([201, 429]);
    expect(errorCode(refused!)).toBe('TOOMANYREQUESTS');
    expect((refused!.json as { errors: { message: string }[] }).errors[0].message).toBe(
      'Rate exceeded',
    );
    expect(refused!.headers['retry-after']).toBe('1');
    expect(refused!.headers['docker-distribution-api-version']).toBe('registry/2.0');

    // The manifest GETs and HEADs spend BatchGetImage's rate, which the ECR API's calls spend too.
    const pause = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 1100));
    const batchGet = (): Promise<unknown> =>
      client.send(
        new BatchGetImageCommand({ repositoryName: 'rates/app', imageIds: [{ imageTag: 't0' }] }),
      );
    await pause();
    await batchGet();
    const past = await call('HEAD', '/v2/rates/app/manifests/t0');
    expect(past.status).toBe(429);
    expect(past.headers['retry-after']).toBe('1');
    await pause();
    expect((await call('GET', '/v2/rates/app/manifests/t0')).status).toBe(200);
    await expect(batchGet()).rejects.toMatchObject({ name: 'ThrottlingException' });
    // Requests that stand for no limited operation are not refused.
    expect((await call('GET', '/v2/')).status).toBe(200);
    expect((await call('GET', '/v2/rates/app/tags/list')).status).toBe(200);
  });
});
