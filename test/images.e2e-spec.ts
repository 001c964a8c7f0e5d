import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  ListImagesCommand,
  ListImagesCommandOutput,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { DownloadsService } from '../src/downloads/downloads.service';
import { TokensService } from '../src/tokens/tokens.service';
import { startTestApp, TestApp } from './support/app';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { errorOf, layerBytes, pushLayer, sha256Digest } from './support/layers';
import { driverEnv } from './support/swift';

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe.each(['filesystem', 'postgres', 's3'] as const)('images, %s driver', (driver) => {
  let t: TestApp;
  let ecr: ECRClient;
  let image: BuiltImage;
  const repo = 'images/app';

  beforeAll(async () => {
    t = await startTestApp(await driverEnv(driver));
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    image = await pushImageBlobs(ecr, repo);
  });
  afterAll(() => t.close());

  it('pushes an image with tag v1 and pulls it back byte for byte, layers included', async () => {
    const put = await ecr.send(
      new PutImageCommand({ repositoryName: repo, imageManifest: image.manifest, imageTag: 'v1' }),
    );
    expect(put.image).toEqual({
      registryId: t.config.registryId,
      repositoryName: repo,
      imageId: { imageDigest: image.digest, imageTag: 'v1' },
      imageManifest: image.manifest,
      imageManifestMediaType: DOCKER_V2,
    });
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(got.failures).toEqual([]);
    expect(got.images).toHaveLength(1);
    expect(got.images![0].imageManifest).toBe(image.manifest);
    expect(got.images![0].imageId).toEqual({ imageDigest: image.digest, imageTag: 'v1' });

    for (const blob of [image.config, ...image.layers]) {
      const url = await ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: sha256Digest(blob),
        }),
      );
      expect(url.layerDigest).toBe(sha256Digest(blob));
      const res = await fetch(url.downloadUrl!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(blob.length));
      expect(res.headers.get('etag')).toBe(`"${sha256Digest(blob)}"`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(blob)).toBe(true);
      expect(sha256Digest(body)).toBe(sha256Digest(blob));
    }
  });

  it('serves an exact slice for a Range request, and 416 for an unsatisfiable one', async () => {
    const layer = image.layers[1];
    const url = (
      await ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: sha256Digest(layer),
        }),
      )
    ).downloadUrl!;
    const res = await fetch(url, { headers: { Range: 'bytes=1000-70999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-70999/${layer.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(layer.subarray(1000, 71000))).toBe(true);
    const tail = await fetch(url, { headers: { Range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(layer.subarray(layer.length - 10))).toBe(
      true,
    );
    const bad = await fetch(url, { headers: { Range: `bytes=${layer.length}-` } });
    expect(bad.status).toBe(416);
  });

  it('refuses a tampered and an expired download URL with 403 and a clear message', async () => {
    const digest = sha256Digest(image.layers[0]);
    const url = new URL(
      (
        await ecr.send(
          new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: digest }),
        )
      ).downloadUrl!,
    );
    url.searchParams.set('digest', sha256Digest(image.layers[1]));
    const tampered = await fetch(url);
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { message: string }).message).toMatch(
      /signature does not match/,
    );
    const expired = t.app.get(DownloadsService).urlFor({
      repositoryId: url.searchParams.get('repositoryId')!,
      digest,
      accessKeyId: url.searchParams.get('accessKeyId')!,
      expires: Math.floor(Date.now() / 1000) - 1,
    });
    const res = await fetch(expired);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/expired/);
  });

  it('answers LayerInaccessibleException for a layer no image references, LayersNotFoundException for an unknown one', async () => {
    const loose = layerBytes(100);
    await pushLayer(ecr, repo, loose);
    const inaccessible = await errorOf(
      ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: sha256Digest(loose),
        }),
      ),
    );
    expect(inaccessible.name).toBe('LayerInaccessibleException');
    const unknown = await errorOf(
      ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: `sha256:${'1'.repeat(64)}`,
        }),
      ),
    );
    expect(unknown.name).toBe('LayersNotFoundException');
  });

  it('answers ImageAlreadyExistsException for the same manifest and tag again', async () => {
    const err = await errorOf(putImage(ecr, repo, image.manifest, 'v1'));
    expect(err.name).toBe('ImageAlreadyExistsException');
  });

  it('answers ImageDigestDoesNotMatchException for a wrong imageDigest', async () => {
    const err = await errorOf(
      ecr.send(
        new PutImageCommand({
          repositoryName: repo,
          imageManifest: image.manifest,
          imageDigest: `sha256:${'2'.repeat(64)}`,
        }),
      ),
    );
    expect(err.name).toBe('ImageDigestDoesNotMatchException');
  });

  it('answers LayersNotFoundException for a manifest whose layers were never pushed', async () => {
    const manifest = JSON.parse(image.manifest) as { layers: { digest: string }[] };
    manifest.layers[0].digest = `sha256:${'3'.repeat(64)}`;
    const err = await errorOf(putImage(ecr, repo, JSON.stringify(manifest), 'broken'));
    expect(err.name).toBe('LayersNotFoundException');
  });

  it.each([
    [
      'not JSON',
      '{"schemaVersion": 2,',
      undefined,
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    ],
    [
      'an unknown media type',
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-unknown' }),
      undefined,
      /unsupported media type/,
    ],
    [
      'no media type at all',
      JSON.stringify({ schemaVersion: 2, config: {}, layers: [] }),
      undefined,
      // As ECR words it (aws/aws-cli#8620, aws/aws-sdk#193).
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    ],
    [
      'a media type conflicting with the manifest',
      JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_V2 }),
      OCI_INDEX,
      /must equal the manifest's mediaType/,
    ],
  ])(
    'answers InvalidParameterException for a manifest that is %s',
    async (_label, imageManifest, imageManifestMediaType, message) => {
      const err = await errorOf(
        ecr.send(
          new PutImageCommand({ repositoryName: repo, imageManifest, imageManifestMediaType }),
        ),
      );
      expect(err.name).toBe('InvalidParameterException');
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
    },
  );

  it('accepts an OCI image index of two manifests of the repository, and refuses one with a missing manifest', async () => {
    const a = await pushImageBlobs(ecr, repo, 'application/vnd.oci.image.manifest.v1+json');
    const b = await pushImageBlobs(ecr, repo, 'application/vnd.oci.image.manifest.v1+json');
    await putImage(ecr, repo, a.manifest);
    await putImage(ecr, repo, b.manifest);
    const index = (digests: string[]): string =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: digests.map((digest, i) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest,
          size: 500,
          platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
        })),
      });
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: repo,
        imageManifest: index([a.digest, b.digest]),
        imageTag: 'multi',
      }),
    );
    expect(put.image!.imageManifestMediaType).toBe(OCI_INDEX);
    const missing = await errorOf(
      putImage(ecr, repo, index([a.digest, `sha256:${'4'.repeat(64)}`]), 'multi-broken'),
    );
    expect(missing.name).toBe('ReferencedImagesNotFoundException');
    // A manifest an index references cannot be deleted by digest.
    const del = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: a.digest }] }),
    );
    expect(del.failures![0].failureCode).toBe('ImageReferencedByManifestList');
  });

  it('answers failures with ECR codes in BatchGetImage', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: repo,
        imageIds: [
          { imageTag: 'no-such-tag' },
          { imageDigest: 'sha256:zz' },
          { imageTag: 'bad tag!' },
          { imageTag: 'v1', imageDigest: `sha256:${'5'.repeat(64)}` },
          {},
        ],
      }),
    );
    expect(out.images).toEqual([]);
    expect(out.failures!.map((f) => f.failureCode)).toEqual([
      'ImageNotFound',
      'InvalidImageDigest',
      'InvalidImageTag',
      'ImageTagDoesNotMatchDigest',
      'MissingDigestAndTag',
    ]);
  });

  it('describes and lists images with tags, sizes, media types and pagination', async () => {
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
    );
    const detail = described.imageDetails![0];
    expect(detail.imageDigest).toBe(image.digest);
    expect(detail.imageTags).toEqual(['v1']);
    // Config and layers, as ECR counts them.
    expect(detail.imageSizeInBytes).toBe(
      image.layers.reduce((s, l) => s + l.length, image.config.length),
    );
    expect(detail.imagePushedAt).toBeInstanceOf(Date);
    expect(detail.imageManifestMediaType).toBe(DOCKER_V2);
    expect(detail.artifactMediaType).toBe('application/vnd.docker.container.image.v1+json');

    const missing = await errorOf(
      ecr.send(
        new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'nope' }] }),
      ),
    );
    expect(missing.name).toBe('ImageNotFoundException');

    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(
        new DescribeImagesCommand({ repositoryName: repo, maxResults: 1, nextToken }),
      );
      all.push(...page.imageDetails!.map((d) => d.imageDigest!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(new Set(all).size).toBe(all.length);

    const tagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repo, filter: { tagStatus: 'TAGGED' } }),
    );
    expect(tagged.imageDetails!.every((d) => (d.imageTags ?? []).length > 0)).toBe(true);
    const untagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repo, filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageDetails!.every((d) => d.imageTags === undefined)).toBe(true);

    const listed: { imageDigest?: string; imageTag?: string }[] = [];
    nextToken = undefined;
    do {
      const page: ListImagesCommandOutput = await ecr.send(
        new ListImagesCommand({ repositoryName: repo, maxResults: 2, nextToken }),
      );
      listed.push(...page.imageIds!);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(listed).toContainEqual({ imageDigest: image.digest, imageTag: 'v1' });
    const onlyTagged = await ecr.send(
      new ListImagesCommand({ repositoryName: repo, filter: { tagStatus: 'TAGGED' } }),
    );
    expect(onlyTagged.imageIds!.every((id) => id.imageTag !== undefined)).toBe(true);
  });

  it('moves a MUTABLE tag atomically under 16 concurrent writers: one row, pointing at a winner', async () => {
    const manifests = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const m = JSON.parse(image.manifest) as Record<string, unknown>;
        m.annotations = { n: String(i) };
        return JSON.stringify(m);
      }),
    );
    const results = await Promise.allSettled(manifests.map((m) => putImage(ecr, repo, m, 'race')));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const rows = await db.query<{ digest: string }>(
        `SELECT i.digest FROM image_tags t JOIN images i ON i.id = t.image_id WHERE t.tag = 'race'`,
      );
      expect(rows.rows).toHaveLength(1);
      expect(manifests.map((m) => sha256Digest(Buffer.from(m)))).toContain(rows.rows[0].digest);
    } finally {
      await db.end();
    }
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'race' }] }),
    );
    expect(got.images).toHaveLength(1);
  });

  it('lets exactly one of 16 concurrent writers claim a tag in an IMMUTABLE repository', async () => {
    const immutable = 'images/immutable';
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: immutable, imageTagMutability: 'IMMUTABLE' }),
    );
    const built = await pushImageBlobs(ecr, immutable);
    const manifests = Array.from({ length: 16 }, (_, i) => {
      const m = JSON.parse(built.manifest) as Record<string, unknown>;
      m.annotations = { n: String(i) };
      return JSON.stringify(m);
    });
    const results = await Promise.allSettled(
      manifests.map((m) => putImage(ecr, immutable, m, 'release')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(errors.map((e) => e.name)).toEqual(Array(15).fill('ImageTagAlreadyExistsException'));
  });

  it('deletes by tag (untag) and by digest, with failures for what is not there', async () => {
    const r = 'images/delete';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: r }));
    const built = await pushImageBlobs(ecr, r);
    await putImage(ecr, r, built.manifest, 'a');
    await putImage(ecr, r, built.manifest, 'b');
    const untag = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: r,
        imageIds: [{ imageTag: 'a' }, { imageTag: 'zzz' }],
      }),
    );
    expect(untag.imageIds).toEqual([{ imageDigest: built.digest, imageTag: 'a' }]);
    expect(untag.failures!.map((f) => f.failureCode)).toEqual(['ImageNotFound']);
    const notEmpty = await errorOf(ecr.send(new DeleteRepositoryCommand({ repositoryName: r })));
    expect(notEmpty.name).toBe('RepositoryNotEmptyException');
    const del = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: r, imageIds: [{ imageDigest: built.digest }] }),
    );
    expect(del.imageIds).toEqual([{ imageDigest: built.digest, imageTag: 'b' }]);
    const gone = await ecr.send(new ListImagesCommand({ repositoryName: r }));
    expect(gone.imageIds).toEqual([]);
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: r }));
  });

  it('deletes overlapping image sets named in opposite orders concurrently without a ServerException: each image goes once', async () => {
    const r = 'images/delete-orders';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: r }));
    const built = await pushImageBlobs(ecr, r);
    const digests: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = JSON.parse(built.manifest) as Record<string, unknown>;
      m.annotations = { n: String(i) };
      const text = JSON.stringify(m);
      await putImage(ecr, r, text, `t${i}`);
      digests.push(sha256Digest(Buffer.from(text)));
    }
    const ids = digests.map((imageDigest) => ({ imageDigest }));
    // Without one lock order, these two transactions lock the same rows in opposite orders and
    // PostgreSQL aborts one of them as a deadlock.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        ecr.send(
          new BatchDeleteImageCommand({
            repositoryName: r,
            imageIds: i % 2 === 0 ? ids : [...ids].reverse(),
          }),
        ),
      ),
    );
    const rejected = results.flatMap((x) => (x.status === 'rejected' ? [x.reason as Error] : []));
    expect(rejected.map((e) => e.name)).toEqual([]);
    const deleted = results.flatMap((x) =>
      x.status === 'fulfilled' ? (x.value.imageIds ?? []).map((id) => id.imageDigest) : [],
    );
    expect([...deleted].sort()).toEqual([...digests].sort());
    const gone = await ecr.send(new ListImagesCommand({ repositoryName: r }));
    expect(gone.imageIds).toEqual([]);
  });

  it('gives a 12-hour registry token, base64 of AWS:<password>, that the service can verify', async () => {
    const before = Date.now();
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData![0];
    expect(data.proxyEndpoint).toBe(t.url);
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    expect(decoded.startsWith('AWS:')).toBe(true);
    expect(data.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 12 * 3600 * 1000 - 5000);
    expect(data.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 12 * 3600 * 1000 + 5000);
    const tokens = t.app.get(TokensService);
    expect(tokens.verify(decoded.slice(4))?.registryId).toBe(t.config.registryId);
    expect(
      tokens.verify(decoded.slice(4).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))),
    ).toBeUndefined();
  });
});
