import {
  CreateRepositoryCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { STREAM_PART_BYTES } from '../src/uploads/uploads.service';
import { startTestApp, type TestApp } from './support/app';
import { imageOf, pushImage, randomBlob } from './support/gc';
import {
  complete,
  errorOf,
  initiate,
  layerBytes,
  MiB,
  sha256Digest,
  uploadPart,
} from './support/layers';
import { errorCode, streamingPatch, v2Request, type V2Response } from './support/oci-http';
import { basicAuth, registryLogin } from './support/oci-registry';
import { findOrphans, NO_ORPHANS, verifyBlobs } from './support/storage-check';
import { s3TestEnv } from './support/swift';
import { TcpForwarder } from './support/tcp-forwarder';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a 500 must not show: a stack, a socket error, where the bytes go. */
const LEAKS = /\n\s+at |ECONNREFUSED|ECONNRESET|socket|127\.0\.0\.1|bucket|berth-test/i;

/**
 * The s3 driver with its S3 server gone from the network (the instance reaches the run's Swift
 * through a forwarder the test takes down, so that the other test files' Swift keeps serving)
 * while pushes are under way: each door answers its own protocol's server error, nothing is
 * recorded of the bytes S3 did not take, and once S3 is back the same pushes resume where they
 * stood and their layers read back whole.
 */
describe('the s3 driver with S3 unreachable mid-push', () => {
  let forwarder: TcpForwarder;
  let t: TestApp;
  let ecr: ECRClient;
  let pg: Client;
  let auth: Record<string, string>;
  const repo = 'outage/s3';

  beforeAll(async () => {
    const env = await s3TestEnv();
    forwarder = await TcpForwarder.start({
      host: '127.0.0.1',
      port: Number(new URL(env.S3_ENDPOINT).port),
    });
    t = await startTestApp({ ...env, S3_ENDPOINT: forwarder.url });
    ecr = t.client();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    auth = { authorization: basicAuth(await registryLogin(ecr)) };
  });
  afterEach(() => forwarder.up());
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    await forwarder?.down();
  });

  const v2 = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<V2Response> =>
    v2Request(t.url, method, path, { ...options, headers: { ...auth, ...options.headers } });

  const bytesRecorded = async (uploadId: string): Promise<number> =>
    Number(
      (
        await pg.query<{ n: string }>('SELECT bytes_received AS n FROM uploads WHERE id = $1', [
          uploadId,
        ])
      ).rows[0].n,
    );

  /** Every blob hashes to its digest in the bucket, and nothing is stored that no row holds. */
  const expectStorageConsistent = async (): Promise<void> => {
    expect((await verifyBlobs(pg, t.config.blobDir, t.config.s3)).problems).toEqual([]);
    expect(await findOrphans(pg, t.config.blobDir, t.config.s3)).toEqual(NO_ORPHANS);
  };

  it('answers ServerException to UploadLayerPart and CompleteLayerUpload while S3 is unreachable, then the same push resumes and completes', async () => {
    const data = layerBytes(5 * MiB + 300_000);
    const uploadId = await initiate(ecr, repo);
    await uploadPart(ecr, repo, uploadId, data.subarray(0, 5 * MiB), 0);

    await forwarder.down();
    const part = await errorOf(uploadPart(ecr, repo, uploadId, data.subarray(5 * MiB), 5 * MiB));
    expect(part.name).toBe('ServerException');
    expect(part.$metadata.httpStatusCode).toBe(500);
    expect(part.message).not.toMatch(LEAKS);
    // The part S3 did not take is not recorded: the upload stands where it stood.
    expect(await bytesRecorded(uploadId)).toBe(5 * MiB);
    // Completing what was stored needs S3 too (the parts are joined there).
    const early = await errorOf(
      complete(ecr, repo, uploadId, [sha256Digest(data.subarray(0, 5 * MiB))]),
    );
    expect(early.name).toBe('ServerException');
    expect(early.message).not.toMatch(LEAKS);
    expect(await bytesRecorded(uploadId)).toBe(5 * MiB);

    await forwarder.up();
    expect(await uploadPart(ecr, repo, uploadId, data.subarray(5 * MiB), 5 * MiB)).toBe(
      data.length - 1,
    );
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
    const blob = await v2('GET', `/v2/${repo}/blobs/${sha256Digest(data)}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(data)).toBe(true);
    await expectStorageConsistent();
  });

  it('answers 500 UNKNOWN to a /v2 PATCH cut off from S3 mid-body, keeps the parts stored before, and the push resumes and completes', async () => {
    const data = layerBytes(2 * STREAM_PART_BYTES + 123_456);
    const started = await v2('POST', `/v2/${repo}/blobs/uploads/`);
    expect(started.status).toBe(202);
    const location = String(started.headers.location);
    const uploadId = location.split('/').pop()!;

    // The first part reaches S3 and is committed; then S3 goes away while the body still comes.
    const patch = streamingPatch(t.url, location, auth);
    patch.write(data.subarray(0, STREAM_PART_BYTES + MiB));
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(50)) {
      if ((await bytesRecorded(uploadId)) === STREAM_PART_BYTES) break;
    }
    expect(await bytesRecorded(uploadId)).toBe(STREAM_PART_BYTES);
    await forwarder.down();
    patch.write(data.subarray(STREAM_PART_BYTES + MiB));
    patch.end();
    const cut = await patch.answer;
    expect(cut.status).toBe(500);
    expect(errorCode(cut)).toBe('UNKNOWN');
    expect(cut.body.toString()).not.toMatch(LEAKS);

    // Where the upload stands needs no S3: at the end of the part stored before.
    const status = await v2('GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.range).toBe(`0-${STREAM_PART_BYTES - 1}`);
    // Finishing while S3 is still away: the same protocol error, and nothing recorded.
    const early = await v2('PUT', `${location}?digest=${sha256Digest(data)}`, {
      headers: { 'content-range': `${STREAM_PART_BYTES}-${data.length - 1}` },
      body: data.subarray(STREAM_PART_BYTES),
    });
    expect(early.status).toBe(500);
    expect(errorCode(early)).toBe('UNKNOWN');
    expect(await bytesRecorded(uploadId)).toBe(STREAM_PART_BYTES);

    await forwarder.up();
    const rest = await v2('PATCH', location, {
      headers: {
        'content-range': `${STREAM_PART_BYTES}-${data.length - 1}`,
        'content-type': 'application/octet-stream',
      },
      body: data.subarray(STREAM_PART_BYTES),
    });
    expect(rest.status).toBe(202);
    expect(rest.headers.range).toBe(`0-${data.length - 1}`);
    const done = await v2('PUT', `${location}?digest=${sha256Digest(data)}`);
    expect(done.status).toBe(201);
    const blob = await v2('GET', `/v2/${repo}/blobs/${sha256Digest(data)}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(data)).toBe(true);
    await expectStorageConsistent();
  });

  it("answers a blob read while S3 is unreachable with a server error in each door's format, and serves it once S3 is back", async () => {
    const layer = randomBlob(100_000);
    await pushImage(ecr, repo, imageOf([layer], 'read'));
    const { downloadUrl } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: layer.digest }),
    );

    await forwarder.down();
    const away = await v2('GET', `/v2/${repo}/blobs/${layer.digest}`);
    expect(away.status).toBe(500);
    expect(errorCode(away)).toBe('UNKNOWN');
    expect(away.headers['docker-content-digest']).toBeUndefined();
    expect(away.body.toString()).not.toMatch(LEAKS);
    const download = await fetch(downloadUrl!);
    expect(download.status).toBe(500);
    expect(download.headers.get('cache-control')).toBeNull();
    expect(await download.json()).toEqual({
      __type: 'ServerException',
      message: expect.not.stringMatching(LEAKS) as string,
    });

    await forwarder.up();
    const back = await v2('GET', `/v2/${repo}/blobs/${layer.digest}`);
    expect(back.status).toBe(200);
    expect(back.body.equals(layer.data)).toBe(true);
    expect((await fetch(downloadUrl!)).status).toBe(200);
  });
});
