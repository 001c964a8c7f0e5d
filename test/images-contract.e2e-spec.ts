import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { Client } from 'pg';
import { admin } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { BuiltImage, pushImageBlobs, putImage } from './support/images';
import { errorOf, layerBytes, pushLayer, sha256Digest } from './support/layers';

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json';

type Descriptor = { mediaType: string; size: number; digest: string };
interface ImageManifest {
  schemaVersion: number;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The image of `built` in the other format, written by hand from the two specifications. */
function otherFormat(built: BuiltImage, target: string): string {
  const manifest = JSON.parse(built.manifest) as ImageManifest;
  const oci = target === OCI_MANIFEST;
  const converted = {
    schemaVersion: 2,
    mediaType: target,
    config: {
      mediaType: oci
        ? 'application/vnd.oci.image.config.v1+json'
        : 'application/vnd.docker.container.image.v1+json',
      size: manifest.config.size,
      digest: manifest.config.digest,
    },
    layers: manifest.layers.map((l) => ({
      mediaType: oci
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: l.size,
      digest: l.digest,
    })),
  };
  return JSON.stringify(converted, null, 3);
}

describe('BatchGetImage converts manifests by tag as ECR does, never by digest', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let docker: BuiltImage;
  let oci: BuiltImage;
  const repo = 'contract/convert';
  const get = (imageIds: { imageTag?: string; imageDigest?: string }[], accepted?: string[]) =>
    ecr.send(
      new BatchGetImageCommand({
        repositoryName: repo,
        imageIds,
        ...(accepted ? { acceptedMediaTypes: accepted } : {}),
      }),
    );

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    docker = await pushImageBlobs(ecr, repo, DOCKER_V2);
    oci = await pushImageBlobs(ecr, repo, OCI_MANIFEST);
    await putImage(ecr, repo, docker.manifest, 'docker');
    await putImage(ecr, repo, oci.manifest, 'oci');
  });
  afterAll(() => t.close());

  const image = (manifest: string, mediaType: string, imageTag?: string) => ({
    registryId: t.config.registryId,
    repositoryName: repo,
    imageId: {
      imageDigest: sha256Digest(Buffer.from(manifest)),
      ...(imageTag ? { imageTag } : {}),
    },
    imageManifest: manifest,
    imageManifestMediaType: mediaType,
  });

  it('by tag: Docker schema 2 asked as OCI answers the OCI manifest and its own digest', async () => {
    const expected = otherFormat(docker, OCI_MANIFEST);
    const out = await get([{ imageTag: 'docker' }], [OCI_MANIFEST]);
    expect(out.failures).toEqual([]);
    expect(out.images).toEqual([image(expected, OCI_MANIFEST, 'docker')]);
    expect(out.images![0].imageId!.imageDigest).not.toBe(docker.digest);
  });

  it('by tag: OCI asked as Docker schema 2 answers the Docker manifest and its own digest', async () => {
    const expected = otherFormat(oci, DOCKER_V2);
    const out = await get([{ imageTag: 'oci' }], [DOCKER_V2]);
    expect(out.failures).toEqual([]);
    expect(out.images).toEqual([image(expected, DOCKER_V2, 'oci')]);
  });

  it('by tag: the stored format when it is accepted, or when nothing is named', async () => {
    const both = await get(
      [{ imageTag: 'docker' }, { imageTag: 'oci' }],
      [OCI_MANIFEST, DOCKER_V2],
    );
    expect(both.images).toEqual([
      image(docker.manifest, DOCKER_V2, 'docker'),
      image(oci.manifest, OCI_MANIFEST, 'oci'),
    ]);
    const unnamed = await get([{ imageTag: 'oci' }]);
    expect(unnamed.images).toEqual([image(oci.manifest, OCI_MANIFEST, 'oci')]);
  });

  it('by digest: the stored bytes, whatever is accepted (no translation)', async () => {
    const out = await get([{ imageDigest: docker.digest }, { imageDigest: oci.digest }], [SCHEMA1]);
    expect(out.failures).toEqual([]);
    expect(out.images).toEqual([
      image(docker.manifest, DOCKER_V2),
      image(oci.manifest, OCI_MANIFEST),
    ]);
    const asOci = await get([{ imageDigest: docker.digest }], [OCI_MANIFEST]);
    expect(asOci.images).toEqual([image(docker.manifest, DOCKER_V2)]);
    const asDocker = await get([{ imageDigest: oci.digest }], [DOCKER_V2]);
    expect(asDocker.images).toEqual([image(oci.manifest, OCI_MANIFEST)]);
  });

  it('by tag and digest together: the stored bytes (a digest names exactly them)', async () => {
    const out = await get([{ imageTag: 'docker', imageDigest: docker.digest }], [OCI_MANIFEST]);
    expect(out.images).toEqual([image(docker.manifest, DOCKER_V2, 'docker')]);
  });

  it('answers schema 1 by tag with an ImageNotFound failure saying Berth does not produce it', async () => {
    const out = await get([{ imageTag: 'docker' }], [SCHEMA1]);
    expect(out.images).toEqual([]);
    expect(out.failures).toEqual([
      {
        imageId: { imageTag: 'docker' },
        failureCode: 'ImageNotFound',
        failureReason: `The image manifest cannot be converted to ${SCHEMA1}: Berth does not produce Docker Image Manifest V2 Schema 1; accept ${DOCKER_V2} or ${OCI_MANIFEST}`,
      },
    ]);
  });

  it('answers an OCI index asked as a manifest list as stored: ECR has no such conversion', async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: oci.digest, size: oci.manifest.length }],
    });
    await ecr.send(
      new PutImageCommand({ repositoryName: repo, imageManifest: index, imageTag: 'index' }),
    );
    const out = await get([{ imageTag: 'index' }], [DOCKER_LIST]);
    expect(out.failures).toEqual([]);
    expect(out.images).toEqual([image(index, OCI_INDEX, 'index')]);
  });
});

describe('imageSizeInBytes counts the config, and an index is its largest manifest', () => {
  let t: TestApp;
  let ecr: ECRClient;
  const repo = 'contract/size';
  let small: BuiltImage;
  let large: BuiltImage;
  let index: string;
  const sizeOf = (b: BuiltImage): number =>
    b.config.length + b.layers.reduce((sum, l) => sum + l.length, 0);
  const describeSizes = async (app: TestApp): Promise<Record<string, number>> => {
    const out = await app.client().send(new DescribeImagesCommand({ repositoryName: repo }));
    return Object.fromEntries(out.imageDetails!.map((d) => [d.imageDigest!, d.imageSizeInBytes!]));
  };

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    // Two images of different sizes, the smaller listed first in the index.
    const a = await pushImageBlobs(ecr, repo, OCI_MANIFEST);
    let b = await pushImageBlobs(ecr, repo, DOCKER_V2);
    while (sizeOf(b) === sizeOf(a)) b = await pushImageBlobs(ecr, repo, DOCKER_V2);
    [small, large] = sizeOf(a) < sizeOf(b) ? [a, b] : [b, a];
    await putImage(ecr, repo, small.manifest);
    await putImage(ecr, repo, large.manifest);
    index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [small, large].map((b) => ({
        mediaType: (JSON.parse(b.manifest) as ImageManifest).mediaType,
        digest: b.digest,
        size: b.manifest.length,
      })),
    });
    await putImage(ecr, repo, index, 'multi');
  });
  afterAll(() => t.close());

  it('answers layers + config for an image, the max of its manifests for an index', async () => {
    expect(await describeSizes(t)).toEqual({
      [small.digest]: sizeOf(small),
      [large.digest]: sizeOf(large),
      [sha256Digest(Buffer.from(index))]: sizeOf(large),
    });
  });

  it('gives the admin API the same sizeBytes', async () => {
    const repos = await admin<{ items: { repositoryId: string }[] }>(
      t.url,
      'GET',
      `/admin/v1/repositories?accountId=${t.config.registryId}&name=${encodeURIComponent(repo)}`,
    );
    const images = await admin<{ items: { digest: string; sizeBytes: number }[] }>(
      t.url,
      'GET',
      `/admin/v1/repositories/${repos.json.items[0].repositoryId}/images`,
    );
    expect(Object.fromEntries(images.json.items.map((i) => [i.digest, i.sizeBytes]))).toEqual(
      await describeSizes(t),
    );
  });

  it('recomputes the sizes stored before (layers only; sum of manifest sizes) on migration', async () => {
    const expected = await describeSizes(t);
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      // What the previous code stored, and the migration not yet applied.
      const layersOnly = (b: BuiltImage): number => b.layers.reduce((s, l) => s + l.length, 0);
      for (const b of [small, large]) {
        await db.query('UPDATE images SET size = $1 WHERE digest = $2', [layersOnly(b), b.digest]);
      }
      await db.query('UPDATE images SET size = $1 WHERE digest = $2', [
        small.manifest.length + large.manifest.length,
        sha256Digest(Buffer.from(index)),
      ]);
      await db.query(
        "DELETE FROM berth_migrations WHERE name = 'ImageSizeWithConfig1764900000000'",
      );
    } finally {
      await db.end();
    }
    expect(await describeSizes(t)).not.toEqual(expected);
    // A new instance on the same database applies the migration at start-up.
    const next = await startTestApp({}, t.db);
    try {
      expect(await describeSizes(next)).toEqual(expected);
    } finally {
      await next.app.close();
    }
  });
});

describe('lastRecordedPullTime: recorded by BatchGetImage and by a download, once a day', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let db: Client;
  let built: BuiltImage;
  const repo = 'contract/pulls';
  const detail = async () =>
    (
      await ecr.send(
        new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
      )
    ).imageDetails![0];
  /** The row's version: any UPDATE of it, even one writing the same values, changes xmin. */
  const row = async (): Promise<{ xmin: string; last_pulled_at: Date | null }> =>
    (
      await db.query<{ xmin: string; last_pulled_at: Date | null }>(
        'SELECT xmin::text AS xmin, last_pulled_at FROM images WHERE digest = $1',
        [built.digest],
      )
    ).rows[0];
  const age = (days: number) =>
    db.query(
      `UPDATE images SET last_pulled_at = now() - make_interval(days => $1) WHERE digest = $2`,
      [days, built.digest],
    );

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    db = new Client({ connectionString: t.db.url });
    await db.connect();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    built = await pushImageBlobs(ecr, repo);
    await putImage(ecr, repo, built.manifest, 'v1');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('is absent until the image is pulled', async () => {
    expect((await detail()).lastRecordedPullTime).toBeUndefined();
  });

  it('is set by a BatchGetImage, and a second pull within the day writes nothing', async () => {
    const before = Date.now();
    await ecr.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
    );
    const first = (await detail()).lastRecordedPullTime!;
    expect(first).toBeInstanceOf(Date);
    expect(first.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(first.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const version = await row();
    await ecr.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: built.digest }] }),
    );
    expect(await row()).toEqual(version);
    expect((await detail()).lastRecordedPullTime).toEqual(first);
  });

  it('is refreshed by a BatchGetImage once the record is a day old', async () => {
    await age(2);
    const stale = (await row()).last_pulled_at!;
    await ecr.send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }),
    );
    const refreshed = (await detail()).lastRecordedPullTime!;
    expect(refreshed.getTime()).toBeGreaterThan(stale.getTime() + 24 * 3600 * 1000);
    expect(refreshed.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('is refreshed by a layer download once a day, and a fresh record makes a download write nothing', async () => {
    await age(3);
    const stale = (await row()).last_pulled_at!;
    const download = async (): Promise<void> => {
      const url = await ecr.send(
        new GetDownloadUrlForLayerCommand({
          repositoryName: repo,
          layerDigest: sha256Digest(built.layers[0]),
        }),
      );
      const res = await fetch(url.downloadUrl!);
      expect(Buffer.from(await res.arrayBuffer()).equals(built.layers[0])).toBe(true);
    };
    // Asking for the URL is not a pull; fetching the bytes is.
    await ecr.send(
      new GetDownloadUrlForLayerCommand({
        repositoryName: repo,
        layerDigest: sha256Digest(built.layers[0]),
      }),
    );
    expect((await row()).last_pulled_at).toEqual(stale);
    await download();
    const refreshed = (await detail()).lastRecordedPullTime!;
    expect(refreshed.getTime()).toBeGreaterThan(stale.getTime() + 24 * 3600 * 1000);
    const version = await row();
    await download();
    expect(await row()).toEqual(version);
  });
});

describe('BatchCheckLayerAvailability answers the media type a manifest gives the blob', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let docker: BuiltImage;
  let oci: BuiltImage;
  let loose: Buffer;
  const repo = 'contract/media-types';
  const check = async (app: TestApp) => {
    const blobs = [docker.config, docker.layers[0], oci.config, oci.layers[0], loose];
    return app.client().send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: repo,
        layerDigests: blobs.map((b) => sha256Digest(b)),
      }),
    );
  };
  const layer = (blob: Buffer, mediaType: string) => ({
    layerDigest: sha256Digest(blob),
    layerAvailability: 'AVAILABLE',
    layerSize: blob.length,
    mediaType,
  });

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    docker = await pushImageBlobs(ecr, repo, DOCKER_V2);
    oci = await pushImageBlobs(ecr, repo, OCI_MANIFEST);
    await putImage(ecr, repo, docker.manifest, 'docker');
    await putImage(ecr, repo, oci.manifest, 'oci');
    loose = layerBytes(64);
    await pushLayer(ecr, repo, loose);
  });
  afterAll(() => t.close());

  const expected = () => ({
    failures: [],
    layers: [
      layer(docker.config, 'application/vnd.docker.container.image.v1+json'),
      layer(docker.layers[0], 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
      layer(oci.config, 'application/vnd.oci.image.config.v1+json'),
      layer(oci.layers[0], 'application/vnd.oci.image.layer.v1.tar+gzip'),
      // No manifest references it: the default.
      layer(loose, 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
    ],
  });

  it('answers config and layer types from the manifests, the default for an unreferenced blob', async () => {
    const out = await check(t);
    expect({ failures: out.failures, layers: out.layers }).toEqual(expected());
  });

  it('fills the types in for images pushed before, on migration', async () => {
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      await db.query('ALTER TABLE image_layers DROP COLUMN media_type');
      await db.query(
        "DELETE FROM berth_migrations WHERE name = 'ImageLayerMediaTypes1764907200000'",
      );
    } finally {
      await db.end();
    }
    const next = await startTestApp({}, t.db);
    try {
      const out = await check(next);
      expect({ failures: out.failures, layers: out.layers }).toEqual(expected());
    } finally {
      await next.app.close();
    }
  });
});

describe('errors and failures in the words real ECR answers were seen with', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let built: BuiltImage;
  const repo = 'contract/wording';

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    built = await pushImageBlobs(ecr, repo);
    await putImage(ecr, repo, built.manifest, 'v1');
  });
  afterAll(() => t.close());

  it('PutImage of a taken tag in an IMMUTABLE repository: "…because the tag is immutable."', async () => {
    const immutable = 'contract/wording-immutable';
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: immutable, imageTagMutability: 'IMMUTABLE' }),
    );
    const first = await pushImageBlobs(ecr, immutable);
    const second = await pushImageBlobs(ecr, immutable);
    await putImage(ecr, immutable, first.manifest, 'release');
    const err = await errorOf(putImage(ecr, immutable, second.manifest, 'release'));
    expect(err.name).toBe('ImageTagAlreadyExistsException');
    expect(err.message).toBe(
      `The image tag 'release' already exists in the '${immutable}' repository and cannot be overwritten because the tag is immutable.`,
    );
  });

  it.each([
    [
      'BatchDeleteImage',
      () =>
        ecr.send(
          new BatchDeleteImageCommand({
            repositoryName: repo,
            imageIds: Array.from({ length: 101 }, (_, i) => ({ imageTag: `t${i}` })),
          }),
        ),
      "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length less than or equal to 100'",
    ],
    [
      'BatchGetImage',
      () => ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [] })),
      "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'",
    ],
  ])('%s with a list out of bounds: "Member must have length …"', async (_op, call, message) => {
    const err = await errorOf(call());
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(message);
  });

  it.each([
    [{ imageTag: 'latest' }, "{imageDigest:'null', imageTag:'latest'}"],
    [
      { imageDigest: `sha256:${'7'.repeat(64)}` },
      `{imageDigest:'sha256:${'7'.repeat(64)}', imageTag:'null'}`,
    ],
  ])('DescribeImages of a missing image %j names both members', async (imageId, shown) => {
    const err = await errorOf(
      ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [imageId] })),
    );
    expect(err.name).toBe('ImageNotFoundException');
    expect(err.message).toBe(
      `The image with imageId ${shown} does not exist within the repository with name '${repo}' in the registry with id '${t.config.registryId}'`,
    );
  });

  it('BatchDeleteImage of a manifest an index lists: "Requested image referenced by manifest list: [<index>]"', async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: DOCKER_V2, digest: built.digest, size: built.manifest.length }],
    });
    const indexDigest = await putImage(ecr, repo, index, 'multi');
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: repo,
        imageIds: [{ imageDigest: built.digest }],
      }),
    );
    expect(out.imageIds).toEqual([]);
    expect(out.failures).toEqual([
      {
        imageId: { imageDigest: built.digest },
        failureCode: 'ImageReferencedByManifestList',
        failureReason: `Requested image referenced by manifest list: [${indexDigest}]`,
      },
    ]);
  });

  it('PutImage of a manifest without mediaType and without imageManifestMediaType: "Invalid JSON syntax"', async () => {
    const manifest = JSON.parse(built.manifest) as Record<string, unknown>;
    delete manifest.mediaType;
    const err = await errorOf(putImage(ecr, repo, JSON.stringify(manifest), 'no-type'));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    );
    // With imageManifestMediaType the same manifest is accepted, as in ECR.
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: repo,
        imageManifest: JSON.stringify(manifest),
        imageManifestMediaType: DOCKER_V2,
        imageTag: 'typed',
      }),
    );
    expect(put.image!.imageManifestMediaType).toBe(DOCKER_V2);
  });
});

describe('DescribeImages refuses imageIds with maxResults or nextToken, as DescribeRepositories does', () => {
  let t: TestApp;
  let ecr: ECRClient;
  const repo = 'contract/describe';

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const built = await pushImageBlobs(ecr, repo);
    await putImage(ecr, repo, built.manifest, 'v1');
    await putImage(ecr, repo, (await pushImageBlobs(ecr, repo)).manifest, 'v2');
  });
  afterAll(() => t.close());

  it.each([
    ['maxResults', { maxResults: 1 }],
    ['nextToken', { nextToken: 'whatever' }],
  ])('answers InvalidParameterException for imageIds with %s', async (member, extra) => {
    const err = await errorOf(
      ecr.send(
        new DescribeImagesCommand({
          repositoryName: repo,
          imageIds: [{ imageTag: 'v1' }],
          ...extra,
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      `Invalid parameter at '${member}' failed to satisfy constraint: 'cannot be used together with imageIds'`,
    );
    const repoErr = await errorOf(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repo], ...extra })),
    );
    expect(repoErr.name).toBe('InvalidParameterException');
    expect(repoErr.message).toBe(
      `Invalid parameter at '${member}' failed to satisfy constraint: 'cannot be used together with repositoryNames'`,
    );
  });

  it('still pages without imageIds, and answers imageIds alone', async () => {
    const page = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, maxResults: 1 }));
    expect(page.imageDetails).toHaveLength(1);
    expect(page.nextToken).toBeDefined();
    const named = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v2' }] }),
    );
    expect(named.imageDetails!.map((d) => d.imageTags)).toEqual([['v2']]);
  });
});
