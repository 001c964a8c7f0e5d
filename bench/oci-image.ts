/**
 * The bytes of the /v2 scenarios, made once per run and sent unchanged to every registry:
 *  - an OCI image layout on disk (skopeo's `oci:<dir>:<tag>`) whose layers are uncompressed tars
 *    of one file of random bytes each, so that with `--preserve-digests` skopeo sends them as
 *    they are (no gzip in the measurement); the layout test/support/test-images.ts writes;
 *  - blobs generated on the fly from one random buffer, stamped per MiB with their identity (no
 *    blob is ever held whole in memory, and every MiB of every blob differs), with the digest
 *    computed in a pass before the transfer.
 */
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MiB } from './stats';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface LayoutImage {
  layout: string;
  tag: string;
  /** `oci:<layout>:<tag>`. */
  ref: string;
  manifestDigest: string;
  layers: Descriptor[];
  /** Bytes of the layers, config and manifest: what a push moves. */
  bytes: number;
}

const sha256 = (data: Buffer): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A ustar header for one regular file (mode 0644, owner 0, a fixed time). */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write('14500000000\0', 136);
  header.write('        ', 148); // checksum placeholder: eight spaces
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return header;
}

/** A tar of one file of `size` random bytes, written to `file` in 1 MiB steps. */
function writeRandomTarLayer(file: string, name: string, size: number): Descriptor {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(MiB);
  const write = (data: Buffer): void => {
    hash.update(data);
    fs.writeSync(fd, data);
  };
  try {
    write(tarHeader(name, size));
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

/** An OCI layout under `dir` with one image of one random-file layer per size. */
export function writeLayoutImage(dir: string, layerSizes: number[], tag = 'v1'): LayoutImage {
  const layout = path.join(dir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(
    path.join(layout, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  const putBlob = (data: Buffer): string => {
    const digest = sha256(data);
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
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: putBlob(config), size: config.length },
      layers,
    }),
  );
  const manifestDigest = putBlob(manifest);
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return {
    layout,
    tag,
    ref: `oci:${layout}:${tag}`,
    manifestDigest,
    layers,
    bytes: layers.reduce((sum, l) => sum + l.size, 0) + config.length + manifest.length,
  };
}

// ---------------------------------------------------------------------------------------------
// generated blobs

/** The step blobs are made, sent and hashed in. */
export const CHUNK = MiB;
const BASE_CHUNKS = 16;
let baseBuffer: Buffer | undefined;
const RUN_NONCE = randomFillSync(Buffer.alloc(4)).readUInt32BE(0);

function base(): Buffer {
  baseBuffer ??= randomFillSync(Buffer.allocUnsafe(BASE_CHUNKS * CHUNK));
  return baseBuffer;
}

export interface BlobSpec {
  /** Which blob: the bytes are a function of (run, id, size). */
  id: number;
  size: number;
  digest: string;
}

/** Fills `target` with chunk `index` of blob `id`; answers the part of it that is the chunk. */
export function fillChunk(target: Buffer, id: number, size: number, index: number): Buffer {
  const length = Math.min(CHUNK, size - index * CHUNK);
  const offset = (index % BASE_CHUNKS) * CHUNK;
  base().copy(target, 0, offset, offset + length);
  if (length >= 12) {
    target.writeUInt32BE(RUN_NONCE, 0);
    target.writeUInt32BE(id, 4);
    target.writeUInt32BE(index, 8);
  }
  return target.subarray(0, length);
}

export function chunkCount(size: number): number {
  return Math.ceil(size / CHUNK);
}

/** The blob `id` of `size` bytes, with its digest (hashes it once, about 1 s per GiB). */
export function blobSpec(id: number, size: number): BlobSpec {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let i = 0; i < chunkCount(size); i++) hash.update(fillChunk(buffer, id, size, i));
  return { id, size, digest: `sha256:${hash.digest('hex')}` };
}
