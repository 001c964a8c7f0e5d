import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTool, toolPath } from './oci-tools';

/**
 * Test images made on this machine, with no registry: an OCI image layout on disk that skopeo,
 * podman, buildah and docker can read (skopeo's `oci:<dir>:<tag>` transport).
 *
 * - `buildRunnableImage`: a real, runnable multi-layer image, made with umoci: busybox-static as
 *   its only binary in the first layer, then one layer per entry of `layers`. Its command prints
 *   the files it was given, so a test that runs it knows every layer arrived.
 * - `writeBlobImage`: a layout made byte by byte, with layers of given sizes (uncompressed tar of
 *   one file of random bytes each): large images for transfer tests and the benchmark, without
 *   umoci's gzip in the way.
 */

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

export interface LayoutImage {
  /** The layout's directory. */
  layout: string;
  tag: string;
  /** The image as skopeo names it: `oci:<layout>:<tag>`. */
  ref: string;
  manifestDigest: string;
  manifestBytes: Buffer;
  manifest: ImageManifest;
  /** What the image prints when run (runnable images only). */
  expectedOutput?: string;
}

/** The bytes of blob `digest` of a layout. */
export function readLayoutBlob(layout: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(':');
  return fs.readFileSync(path.join(layout, 'blobs', algorithm, hex));
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The manifest tagged `tag` in a layout's index.json. */
export function readLayoutImage(layout: string, tag: string): LayoutImage {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: (Descriptor & { annotations?: Record<string, string> })[];
  };
  const entry = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (!entry) throw new Error(`no image tagged ${tag} in ${layout}`);
  const manifestBytes = readLayoutBlob(layout, entry.digest);
  return {
    layout,
    tag,
    ref: `oci:${layout}:${tag}`,
    manifestDigest: entry.digest,
    manifestBytes,
    manifest: JSON.parse(manifestBytes.toString('utf8')) as ImageManifest,
  };
}

export interface RunnableImageOptions {
  tag?: string;
  /** One layer each, after busybox's: file path (inside the image) to content. */
  layers?: Record<string, string>[];
}

/**
 * A runnable image in a new OCI layout under `dir`: busybox, then `layers`. Run, it prints each
 * file of every layer in order (`cat`), which is its `expectedOutput`.
 */
export async function buildRunnableImage(
  dir: string,
  options: RunnableImageOptions = {},
): Promise<LayoutImage> {
  const tag = options.tag ?? 'v1';
  const layers = options.layers ?? [
    { '/berth/one.txt': `layer one ${randomBytes(8).toString('hex')}\n` },
    { '/berth/two.txt': `layer two ${randomBytes(8).toString('hex')}\n` },
  ];
  const layout = path.join(dir, 'layout');
  const bundle = path.join(dir, 'bundle');
  const image = `${layout}:${tag}`;
  await runTool('umoci', ['init', '--layout', layout]);
  await runTool('umoci', ['new', '--image', image]);

  const repack = async (write: (rootfs: string) => void): Promise<void> => {
    fs.rmSync(bundle, { recursive: true, force: true });
    await runTool('umoci', ['unpack', '--rootless', '--image', image, bundle]);
    write(path.join(bundle, 'rootfs'));
    await runTool('umoci', ['repack', '--image', image, bundle]);
  };
  await repack((rootfs) => {
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.copyFileSync(toolPath('busybox'), path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'cat', 'ls']) {
      fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    }
  });
  const files: string[] = [];
  let expectedOutput = '';
  for (const layer of layers) {
    await repack((rootfs) => {
      for (const [file, content] of Object.entries(layer)) {
        const target = path.join(rootfs, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
        files.push(file);
        expectedOutput += content;
      }
    });
  }
  await runTool('umoci', [
    'config',
    '--image',
    image,
    '--config.cmd',
    '/bin/cat',
    ...files.flatMap((file) => ['--config.cmd', file]),
  ]);
  // Drop the manifests and configs each step above left behind.
  await runTool('umoci', ['gc', '--layout', layout]);
  fs.rmSync(bundle, { recursive: true, force: true });
  return { ...readLayoutImage(layout, tag), expectedOutput };
}

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

/**
 * Writes a tar of one file of `size` random bytes into `file`, in 1 MiB steps (a 512 MiB layer is
 * never in memory); returns its digest and size.
 */
function writeRandomTarLayer(file: string, name: string, size: number): Descriptor {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  const write = (data: Buffer): void => {
    hash.update(data);
    fs.writeSync(fd, data);
  };
  try {
    write(tarHeader(name, size));
    const step = 1024 * 1024;
    for (let done = 0; done < size; done += step) write(randomBytes(Math.min(step, size - done)));
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
 * An OCI layout under `dir` holding one image whose layers are tars of one random file each, of
 * `layerSizes` bytes. Layers are written to disk as they are made.
 */
export function writeBlobImage(dir: string, layerSizes: number[], tag = 'v1'): LayoutImage {
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
