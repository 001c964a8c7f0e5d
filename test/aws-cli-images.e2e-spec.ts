import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, TestApp } from './support/app';
import { awsCli, AwsCliResult, findAwsCli } from './support/aws-cli';
import { pushImageBlobs } from './support/images';
import { sha256Digest } from './support/layers';

interface CliImage {
  imageId: { imageDigest: string; imageTag?: string };
  imageManifest: string;
}

describe('the AWS CLI v2 pushes and pulls an image', () => {
  let t: TestApp;
  let dir: string;
  const ecr = (...args: string[]): Promise<AwsCliResult> => awsCli(t.url, ['ecr', ...args]);

  beforeAll(async () => {
    findAwsCli();
    t = await startTestApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-image-'));
  });
  afterAll(async () => {
    await t?.close();
    // Unset when the set-up failed (no CLI): its error is the one to see.
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('put-image, batch-get-image and get-download-url-for-layer round-trip the image', async () => {
    const client = t.client();
    await client.send(new CreateRepositoryCommand({ repositoryName: 'cli/image' }));
    const image = await pushImageBlobs(client, 'cli/image');
    const manifestFile = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifestFile, image.manifest);

    const put = await ecr(
      'put-image',
      '--repository-name',
      'cli/image',
      '--image-tag',
      'v1',
      '--image-manifest',
      `file://${manifestFile}`,
    );
    expect(put.stderr).toBe('');
    expect((put.json as { image: CliImage }).image.imageId).toEqual({
      imageDigest: image.digest,
      imageTag: 'v1',
    });

    const [got, url, again] = await Promise.all([
      ecr('batch-get-image', '--repository-name', 'cli/image', '--image-ids', 'imageTag=v1'),
      ecr(
        'get-download-url-for-layer',
        '--repository-name',
        'cli/image',
        '--layer-digest',
        sha256Digest(image.layers[0]),
      ),
      ecr(
        'put-image',
        '--repository-name',
        'cli/image',
        '--image-tag',
        'v1',
        '--image-manifest',
        `file://${manifestFile}`,
      ),
    ]);
    const images = (got.json as { images: CliImage[] }).images;
    expect(images).toHaveLength(1);
    expect(images[0].imageManifest).toBe(image.manifest);
    const downloadUrl = (url.json as { downloadUrl: string }).downloadUrl;
    const body = Buffer.from(await (await fetch(downloadUrl)).arrayBuffer());
    expect(body.equals(image.layers[0])).toBe(true);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('ImageAlreadyExistsException');
  });
});
