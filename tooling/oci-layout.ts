/**
 * OCI image layouts written byte by byte, for the tests and the benchmark (tooling/: code both
 * use, and the service does not): an image whose layers are uncompressed tars of one file of
 * random bytes each, on disk where skopeo reads it (`oci:<layout>:<tag>`). With
 * `--preserve-digests` skopeo sends such layers as they are: no gzip in the way.
 */
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** An image in an OCI layout. */
export interface BlobLayout {
  /** The layout's directory. */
  layout: string;
  tag: string;
  /** The image as skopeo names it: `oci:<layout>:<tag>`. */
  ref: string;
  manifestDigest: string;
  manifestBytes: Buffer;
  manifest: ImageManifest;
}

const MiB = 1024 * 1024;
/** The modification time of the layers' files: a fixed one. */
const LAYER_MTIME = 0o14500000000;

/** `sha256:<hex>` of `data`, as a descriptor names it. */
export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A ustar header for one regular file of `size` bytes (mode 0644, owner 0, modified `mtime`). */
export function tarHeader(name: string, size: number, mtime: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write(mtime.toString(8).padStart(11, '0') + '\0', 136);
  header.write('        ', 148); // checksum placeholder: eight spaces
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return header;
}

/**
 * Writes a tar of one file of `size` random bytes into `file`, in 1 MiB steps (a 512 MiB layer is
 * never in memory); returns its digest and size.
 */
function writeRandomTarLayer(file: string, name: string, size: number): Descriptor {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(MiB);
  const write = (data: Buffer): void => {
    hash.update(data);
    fs.writeSync(fd, data);
  };
  try {
    write(tarHeader(name, size, LAYER_MTIME));
    for (let done = 0; done < size; done += MiB) {
      write(randomFillSync(buffer.subarray(0, Math.min(MiB, size - done))));
    }
    // The file's padding to a block, then the two zero blocks that end an archive.
    write(Buffer.alloc(((512 - (size % 512)) % 512) + 1024));
  } finally {
    fs.closeSync(fd);
  }
  return {
    mediaType: OCI_LAYER_TAR,
    digest: `sha256:${hash.digest('hex')}`,
    size: fs.statSync(file).size,
  };
}

/**
 * An OCI layout under `dir` (in `dir/layout`) holding one image whose layers are tars of one
 * random file each, of `layerSizes` bytes. Layers are written to disk as they are made.
 */
export function writeBlobLayout(dir: string, layerSizes: number[], tag = 'v1'): BlobLayout {
  const layout = path.join(dir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(
    path.join(layout, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  const putBlob = (data: Buffer): string => {
    const digest = sha256Digest(data);
    fs.writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), data);
    return digest;
  };
  const layers = layerSizes.map((size, i) => {
    const temp = path.join(blobs, `layer-${i}.partial`);
    const layer = writeRandomTarLayer(temp, `data-${i}.bin`, size);
    fs.renameSync(temp, path.join(blobs, layer.digest.slice('sha256:'.length)));
    return layer;
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: putBlob(config), size: config.length },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = putBlob(manifestBytes);
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: manifestDigest,
          size: manifestBytes.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { layout, tag, ref: `oci:${layout}:${tag}`, manifestDigest, manifestBytes, manifest };
}
