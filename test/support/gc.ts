import {
  BatchGetImageCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { admin } from './accounts';
import { complete, initiate, sha256Digest, uploadParts } from './layers';

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

export interface Blob {
  data: Buffer;
  digest: string;
}

export function blobOf(data: Buffer): Blob {
  return { data, digest: sha256Digest(data) };
}

export function randomBlob(size: number): Blob {
  return blobOf(randomBytes(size));
}

/** An image: a config blob of its own and the layers given. */
export interface TestImage {
  config: Blob;
  layers: Blob[];
  manifest: string;
  digest: string;
  tag: string;
}

export function imageOf(layers: Blob[], tag: string): TestImage {
  const config = blobOf(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag, nonce: Math.random() })),
  );
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.data.length,
      digest: config.digest,
    },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: l.data.length,
      digest: l.digest,
    })),
  });
  return { config, layers, manifest, digest: sha256Digest(Buffer.from(manifest)), tag };
}

/** Uploads a blob as a layer; one the repository has already is fine. */
export async function pushBlob(client: ECRClient, repo: string, blob: Blob): Promise<void> {
  const uploadId = await initiate(client, repo);
  await uploadParts(client, repo, uploadId, blob.data, [blob.data.length]);
  try {
    await complete(client, repo, uploadId, [blob.digest]);
  } catch (err) {
    if ((err as Error).name !== 'LayerAlreadyExistsException') throw err;
  }
}

/**
 * Pushes an image as a client does: every blob, then the manifest. A PutImage refused with
 * LayersNotFoundException (a layer was collected between its upload and the manifest) is
 * retried from the blobs, up to `attempts` times. Answers how many attempts it took.
 */
export async function pushImage(
  client: ECRClient,
  repo: string,
  image: TestImage,
  attempts = 1,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    for (const blob of [image.config, ...image.layers]) await pushBlob(client, repo, blob);
    try {
      await client.send(
        new PutImageCommand({
          repositoryName: repo,
          imageManifest: image.manifest,
          imageTag: image.tag,
        }),
      );
      return attempt;
    } catch (err) {
      if ((err as Error).name !== 'LayersNotFoundException' || attempt >= attempts) throw err;
    }
  }
}

/** Downloads a layer through GetDownloadUrlForLayer and its URL. */
export async function download(client: ECRClient, repo: string, digest: string): Promise<Buffer> {
  const { downloadUrl } = await client.send(
    new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: digest }),
  );
  const res = await fetch(downloadUrl!);
  if (res.status !== 200) throw new Error(`download of ${digest}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Pulls an image by tag: its manifest and every blob, each compared byte for byte. */
export async function expectPullsIdentical(
  client: ECRClient,
  repo: string,
  image: TestImage,
): Promise<void> {
  const got = await client.send(
    new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: image.tag }] }),
  );
  expect(got.failures).toEqual([]);
  expect(got.images?.[0]?.imageManifest).toBe(image.manifest);
  for (const blob of [image.config, ...image.layers]) {
    const bytes = await download(client, repo, blob.digest);
    expect({ digest: blob.digest, identical: bytes.equals(blob.data) }).toEqual({
      digest: blob.digest,
      identical: true,
    });
  }
}

/** Where a blob's bytes are, read from the database: undefined once the blob row is gone. */
export async function storageOf(
  pg: Client,
  digest: string,
): Promise<{ key: string; driver: 'filesystem' | 'postgres' } | undefined> {
  const { rows } = await pg.query<{ key: string; driver: 'filesystem' | 'postgres' }>(
    `SELECT s.key, s.driver FROM blobs b JOIN storage_objects s ON s.key = b.storage_key
      WHERE b.digest = $1`,
    [digest],
  );
  return rows[0];
}

/** POST /admin/v1/maintenance/collect-garbage on `url`. */
export async function collectGarbage(
  url: string,
  body: Record<string, unknown> = {},
): Promise<GcReport> {
  const res = await admin<GcReport>(url, 'POST', '/admin/v1/maintenance/collect-garbage', body);
  if (res.status !== 200) throw new Error(`collect-garbage: ${res.status} ${res.text}`);
  return res.json;
}

export interface GcReport {
  dryRun: boolean;
  layerGraceSeconds: number;
  images: number;
  layers: number;
  blobs: number;
  bytes: number;
}
