/**
 * The bytes of the /v2 scenarios, made once per run and sent unchanged to every registry:
 *  - an OCI image layout on disk (skopeo's `oci:<dir>:<tag>`) whose layers are uncompressed tars
 *    of one file of random bytes each, so that with `--preserve-digests` skopeo sends them as
 *    they are (no gzip in the measurement): tooling/oci-layout.ts writes it, as for the tests;
 *  - blobs generated on the fly from one random buffer, stamped per MiB with their identity (no
 *    blob is ever held whole in memory, and every MiB of every blob differs), with the digest
 *    computed in a pass before the transfer.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { type BlobLayout, writeBlobLayout } from '../tooling/oci-layout';
import { MiB } from './stats';

export { type Descriptor, OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST } from '../tooling/oci-layout';

export interface LayoutImage extends BlobLayout {
  /** Bytes of the layers, config and manifest: what a push moves. */
  bytes: number;
}

/** An OCI layout under `dir` with one image of one random-file layer per size. */
export function writeLayoutImage(dir: string, layerSizes: number[], tag = 'v1'): LayoutImage {
  const image = writeBlobLayout(dir, layerSizes, tag);
  const { config, layers } = image.manifest;
  return {
    ...image,
    bytes: layers.reduce((sum, l) => sum + l.size, 0) + config.size + image.manifestBytes.length,
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
