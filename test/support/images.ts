import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tarHeader } from '../../tooling/oci-layout';
import { pushLayer, sha256Digest } from './layers';

/** A one-file ustar archive: enough to be a real layer. */
export function tarOf(name: string, content: Buffer): Buffer {
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([
    tarHeader(name, content.length, 0),
    content,
    padding,
    Buffer.alloc(1024, 0),
  ]);
}

export interface BuiltImage {
  config: Buffer;
  layers: Buffer[];
  manifest: string;
  digest: string;
}

/** Pushes a config blob and two gzip-compressed tar layers, and answers the schema 2 manifest. */
export async function pushImageBlobs(
  client: ECRClient,
  repositoryName: string,
  mediaType = 'application/vnd.docker.distribution.manifest.v2+json',
): Promise<BuiltImage> {
  const layers = [
    gzipSync(tarOf('hello.txt', Buffer.from(`hello ${randomBytes(8).toString('hex')}\n`))),
    gzipSync(tarOf('data.bin', randomBytes(300 * 1024))),
  ];
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256Digest(l)) },
      config: { Cmd: ['/bin/sh'] },
    }),
  );
  for (const blob of [config, ...layers]) await pushLayer(client, repositoryName, blob);
  const oci = mediaType === 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: oci
          ? 'application/vnd.oci.image.config.v1+json'
          : 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: sha256Digest(config),
      },
      layers: layers.map((l) => ({
        mediaType: oci
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: l.length,
        digest: sha256Digest(l),
      })),
    },
    null,
    3,
  );
  return { config, layers, manifest, digest: sha256Digest(Buffer.from(manifest)) };
}

export async function putImage(
  client: ECRClient,
  repositoryName: string,
  imageManifest: string,
  imageTag?: string,
): Promise<string> {
  const out = await client.send(new PutImageCommand({ repositoryName, imageManifest, imageTag }));
  return out.image!.imageId!.imageDigest!;
}
