import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type BlobLayout,
  type Descriptor,
  type ImageManifest,
  writeBlobLayout,
} from '../../tooling/oci-layout';
import { runTool, toolPath } from './oci-tools';

/**
 * Test images made on this machine, with no registry: an OCI image layout on disk that skopeo,
 * podman, buildah and docker can read (skopeo's `oci:<dir>:<tag>` transport).
 *
 * - `buildRunnableImage`: a real, runnable multi-layer image, made with umoci: busybox-static as
 *   its only binary in the first layer, then one layer per entry of `layers`. Its command prints
 *   the files it was given, so a test that runs it knows every layer arrived.
 * - `writeBlobImage`: a layout made byte by byte, with layers of given sizes (uncompressed tar of
 *   one file of random bytes each): large images for transfer tests, without umoci's gzip in the
 *   way. tooling/oci-layout.ts writes it, and the benchmark's images too.
 */

export {
  type Descriptor,
  type ImageManifest,
  OCI_CONFIG,
  OCI_LAYER_TAR,
  OCI_MANIFEST,
} from '../../tooling/oci-layout';

export interface LayoutImage extends BlobLayout {
  /** What the image prints when run (runnable images only). */
  expectedOutput?: string;
}

/** The bytes of blob `digest` of a layout. */
export function readLayoutBlob(layout: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(':');
  return fs.readFileSync(path.join(layout, 'blobs', algorithm, hex));
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

/**
 * An OCI layout under `dir` holding one image whose layers are tars of one random file each, of
 * `layerSizes` bytes. Layers are written to disk as they are made.
 */
export function writeBlobImage(dir: string, layerSizes: number[], tag = 'v1'): LayoutImage {
  return writeBlobLayout(dir, layerSizes, tag);
}
