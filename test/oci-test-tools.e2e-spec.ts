import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDistribution, type Distribution } from './support/distribution';
import { startDockerd, type Dockerd } from './support/dockerd';
import {
  createContainerStore,
  registryArgs,
  skopeoCopy,
  skopeoInspectRaw,
  type ContainerStore,
} from './support/oci-clients';
import {
  buildRunnableImage,
  readLayoutBlob,
  writeBlobImage,
  type LayoutImage,
} from './support/test-images';

/**
 * The tooling the /v2 client tests stand on, proven against CNCF distribution (the reference
 * registry, and the benchmark's peer): images built locally with no registry, and skopeo, podman,
 * buildah and a private dockerd each moving them, as root without a system daemon. A failure
 * here is the machine's or the tooling's, not Berth's.
 */
describe('the /v2 test tooling, against CNCF distribution', () => {
  let work: string;
  let registry: Distribution;
  let image: LayoutImage;
  let store: ContainerStore;
  let dockerd: Dockerd;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-oci-tools-'));
    [registry, image, dockerd] = await Promise.all([
      startDistribution(),
      buildRunnableImage(path.join(work, 'runnable')),
      startDockerd(),
    ]);
    store = createContainerStore();
  }, 180_000);

  afterAll(async () => {
    store?.remove();
    await Promise.all([registry?.stop(), dockerd?.stop()]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('builds a multi-layer image with umoci: busybox first, then one layer per given layer', () => {
    expect(image.manifest.layers).toHaveLength(3);
    expect(image.expectedOutput).toMatch(/^layer one [0-9a-f]+\nlayer two [0-9a-f]+\n$/);
    const config = JSON.parse(
      readLayoutBlob(image.layout, image.manifest.config.digest).toString(),
    ) as { os: string; config: { Cmd: string[] } };
    expect(config.os).toBe('linux');
    expect(config.config.Cmd).toEqual(['/bin/cat', '/berth/one.txt', '/berth/two.txt']);
  });

  it('skopeo copies the layout to the registry and back, byte for byte', async () => {
    const ref = `docker://${registry.host}/tools/skopeo:v1`;
    await skopeoCopy(image.ref, ref);
    const raw = await skopeoInspectRaw(ref);
    expect(Buffer.from(raw.stdout)).toEqual(image.manifestBytes);
    const back = path.join(work, 'back');
    await skopeoCopy(ref, `oci:${back}:v1`);
    for (const layer of image.manifest.layers) {
      expect(readLayoutBlob(back, layer.digest)).toEqual(
        readLayoutBlob(image.layout, layer.digest),
      );
    }
  });

  it('podman pulls and pushes as root with no daemon; buildah pushes', async () => {
    await skopeoCopy(image.ref, `docker://${registry.host}/tools/podman:v1`);
    await store.podman(['pull', ...registryArgs(), `${registry.host}/tools/podman:v1`]);
    await store.podman([
      'push',
      ...registryArgs(),
      `${registry.host}/tools/podman:v1`,
      `docker://${registry.host}/tools/podman:pushed`,
    ]);
    await store.buildah([
      'push',
      ...registryArgs(),
      `${registry.host}/tools/podman:v1`,
      `docker://${registry.host}/tools/buildah:pushed`,
    ]);
    const tags = (await (await fetch(`${registry.url}/v2/tools/buildah/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toEqual(['pushed']);
  });

  it('a private dockerd pulls over HTTP from a loopback registry, runs the image with no network, and pushes it', async () => {
    await skopeoCopy(image.ref, `docker://${registry.host}/tools/docker:v1`);
    await dockerd.docker(['pull', `${registry.host}/tools/docker:v1`]);
    const run = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${registry.host}/tools/docker:v1`,
    ]);
    expect(run.stdout).toBe(image.expectedOutput);
    await dockerd.docker([
      'tag',
      `${registry.host}/tools/docker:v1`,
      `${registry.host}/tools/docker:pushed`,
    ]);
    await dockerd.docker(['push', `${registry.host}/tools/docker:pushed`]);
    const head = await fetch(`${registry.url}/v2/tools/docker/manifests/pushed`, {
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
  });

  it('writes a layout of given layer sizes that skopeo copies unchanged', async () => {
    const blobImage = writeBlobImage(path.join(work, 'blobs'), [1024, 3 * 1024 * 1024]);
    expect(blobImage.manifest.layers.map((l) => l.size)).toEqual([
      512 + 1024 + 1024,
      512 + 3 * 1024 * 1024 + 1024,
    ]);
    const ref = `docker://${registry.host}/tools/blobs:v1`;
    await skopeoCopy(blobImage.ref, ref);
    expect(Buffer.from((await skopeoInspectRaw(ref)).stdout)).toEqual(blobImage.manifestBytes);
  });
});
