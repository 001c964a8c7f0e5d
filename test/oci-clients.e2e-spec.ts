import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, type TestApp } from './support/app';
import { startDockerd, type Dockerd } from './support/dockerd';
import { pushLayer } from './support/layers';
import {
  createContainerStore,
  registryArgs,
  registryHost,
  skopeoCopy,
  skopeoInspectRaw,
  type ContainerStore,
  type RegistryCredentials,
} from './support/oci-clients';
import { registryLogin } from './support/oci-registry';
import { buildRunnableImage, readLayoutBlob, type LayoutImage } from './support/test-images';

/**
 * The real clients against Berth's /v2 door: skopeo, podman, buildah and docker push and pull a
 * runnable multi-layer image, logged in with an ECR authorization token, and what one door
 * stores the other reads.
 */
describe('/v2 with real clients', () => {
  let work: string;
  let app: TestApp;
  let client: ECRClient;
  let host: string;
  let creds: RegistryCredentials;
  let image: LayoutImage;
  let dockerd: Dockerd;
  let store: ContainerStore;

  const createRepository = (repositoryName: string): Promise<unknown> =>
    client.send(new CreateRepositoryCommand({ repositoryName }));

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-oci-clients-'));
    [app, image, dockerd] = await Promise.all([
      startTestApp(),
      buildRunnableImage(path.join(work, 'runnable')),
      startDockerd(),
    ]);
    client = app.client();
    host = registryHost(app.url);
    creds = await registryLogin(client);
    store = createContainerStore();
  }, 180_000);

  afterAll(async () => {
    store?.remove();
    await Promise.all([app?.close(), dockerd?.stop()]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('skopeo copies an image in and out unchanged, and the ECR API sees its layers and image', async () => {
    await createRepository('clients/skopeo');
    const ref = `docker://${host}/clients/skopeo:v1`;
    await skopeoCopy(image.ref, ref, { destCreds: creds });
    expect(Buffer.from((await skopeoInspectRaw(ref, creds)).stdout)).toEqual(image.manifestBytes);

    const back = path.join(work, 'skopeo-back');
    await skopeoCopy(ref, `oci:${back}:v1`, { srcCreds: creds });
    for (const blob of [image.manifest.config, ...image.manifest.layers]) {
      expect(readLayoutBlob(back, blob.digest)).toEqual(readLayoutBlob(image.layout, blob.digest));
    }

    const layers = await client.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: 'clients/skopeo',
        layerDigests: image.manifest.layers.map((l) => l.digest),
      }),
    );
    expect(layers.layers?.map((l) => l.layerAvailability)).toEqual(
      image.manifest.layers.map(() => 'AVAILABLE'),
    );
    const described = await client.send(
      new DescribeImagesCommand({ repositoryName: 'clients/skopeo' }),
    );
    expect(described.imageDetails?.[0]).toMatchObject({
      imageDigest: image.manifestDigest,
      imageTags: ['v1'],
    });
  });

  it('docker logs in with the token, pulls, runs the image with no network, and pushes it', async () => {
    await createRepository('clients/docker-src');
    await createRepository('clients/docker');
    await skopeoCopy(image.ref, `docker://${host}/clients/docker-src:v1`, { destCreds: creds });

    const login = await dockerd.login(host, creds.username, creds.password);
    expect(login.stdout).toContain('Login Succeeded');
    await dockerd.docker(['pull', `${host}/clients/docker-src:v1`]);
    const run = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${host}/clients/docker-src:v1`,
    ]);
    expect(run.stdout).toBe(image.expectedOutput);

    await dockerd.docker(['tag', `${host}/clients/docker-src:v1`, `${host}/clients/docker:pushed`]);
    await dockerd.docker(['push', `${host}/clients/docker:pushed`]);
    // What docker pushed is an image for the ECR API, with the same layers byte for byte.
    const got = await client.send(
      new BatchGetImageCommand({
        repositoryName: 'clients/docker',
        imageIds: [{ imageTag: 'pushed' }],
      }),
    );
    const manifest = JSON.parse(got.images![0].imageManifest!) as {
      layers: { digest: string }[];
    };
    expect(manifest.layers.map((l) => l.digest)).toEqual(
      image.manifest.layers.map((l) => l.digest),
    );
    const back = path.join(work, 'docker-back');
    await skopeoCopy(`docker://${host}/clients/docker:pushed`, `oci:${back}:v1`, {
      srcCreds: creds,
    });
    for (const layer of image.manifest.layers) {
      expect(readLayoutBlob(back, layer.digest)).toEqual(
        readLayoutBlob(image.layout, layer.digest),
      );
    }
  });

  it('an image pushed with the AWS SDK pulls and runs with docker', async () => {
    await createRepository('clients/sdk');
    for (const blob of [image.manifest.config, ...image.manifest.layers]) {
      await pushLayer(client, 'clients/sdk', readLayoutBlob(image.layout, blob.digest));
    }
    await client.send(
      new PutImageCommand({
        repositoryName: 'clients/sdk',
        imageTag: 'v1',
        imageManifest: image.manifestBytes.toString('utf8'),
        // umoci writes no mediaType member into the manifest: the request names it.
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      }),
    );
    await dockerd.login(host, creds.username, creds.password);
    const run = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${host}/clients/sdk:v1`,
    ]);
    expect(run.stdout).toBe(image.expectedOutput);
  });

  it('podman pulls and pushes as root with no daemon, and buildah pushes', async () => {
    await createRepository('clients/podman');
    await createRepository('clients/buildah');
    await skopeoCopy(image.ref, `docker://${host}/clients/podman:v1`, { destCreds: creds });
    await store.podman(['pull', ...registryArgs(creds), `${host}/clients/podman:v1`]);
    await store.podman([
      'push',
      ...registryArgs(creds),
      `${host}/clients/podman:v1`,
      `docker://${host}/clients/podman:pushed`,
    ]);
    await store.buildah([
      'push',
      ...registryArgs(creds),
      `${host}/clients/podman:v1`,
      `docker://${host}/clients/buildah:pushed`,
    ]);
    for (const repositoryName of ['clients/podman', 'clients/buildah']) {
      const described = await client.send(
        new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: 'pushed' }] }),
      );
      expect(described.imageDetails).toHaveLength(1);
    }
  });
});
