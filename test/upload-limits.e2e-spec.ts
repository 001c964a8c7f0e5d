import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { startTestApp, TestApp } from './support/app';
import {
  complete,
  errorOf,
  initiate,
  layerBytes,
  MiB,
  sha256Digest,
  uploadPart,
  uploadParts,
} from './support/layers';

describe('the parts of an upload', () => {
  let t: TestApp;
  let ecr: ECRClient;
  const repo = 'limits/parts';

  beforeAll(async () => {
    t = await startTestApp({ MAX_LAYER_PARTS: '3' });
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  });
  afterAll(() => t.close());

  it('answers LimitExceededException for the part past MAX_LAYER_PARTS; the parts before it complete', async () => {
    const data = layerBytes(3 * 5 * MiB);
    const uploadId = await initiate(ecr, repo);
    await uploadParts(ecr, repo, uploadId, data, [5 * MiB, 5 * MiB, 5 * MiB]);
    const err = await errorOf(uploadPart(ecr, repo, uploadId, Buffer.from('more'), 15 * MiB));
    expect(err.name).toBe('LimitExceededException');
    expect(err.message).toBe(
      `The upload with id '${uploadId}' already has 3 layer parts, the most an upload may have (3)`,
    );
    // Nothing of the refused part was kept: the layer is the three parts.
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
  });

  it('refuses, when it arrives, a part after one under 5 MiB, with where the upload stands', async () => {
    const first = layerBytes(MiB);
    const uploadId = await initiate(ecr, repo);
    expect(await uploadPart(ecr, repo, uploadId, first, 0)).toBe(MiB - 1);
    for (const next of [layerBytes(MiB), layerBytes(5 * MiB)]) {
      const err = await errorOf(uploadPart(ecr, repo, uploadId, next, MiB));
      expect(err.name).toBe('InvalidLayerPartException');
      expect(err.message).toBe(
        `All layer parts except the last part should be at least 5MB; the part ending at byte ${MiB - 1} holds ${MiB} bytes, so no part may follow it`,
      );
      expect(err).toMatchObject({
        registryId: t.config.registryId,
        repositoryName: repo,
        uploadId,
        lastValidByteReceived: MiB - 1,
      });
    }
    // The small part was the last one after all: the upload completes with it.
    expect(await complete(ecr, repo, uploadId, [sha256Digest(first)])).toBe(sha256Digest(first));
  });

  it('lets a part of exactly 5 MiB be followed, and not one a byte shorter', async () => {
    const data = layerBytes(5 * MiB + 10);
    const exact = await initiate(ecr, repo);
    await uploadParts(ecr, repo, exact, data, [5 * MiB, 10]);
    expect(await complete(ecr, repo, exact, [sha256Digest(data)])).toBe(sha256Digest(data));

    const short = await initiate(ecr, repo);
    await uploadPart(ecr, repo, short, data.subarray(0, 5 * MiB - 1), 0);
    const err = await errorOf(
      uploadPart(ecr, repo, short, data.subarray(5 * MiB - 1), 5 * MiB - 1),
    );
    expect(err.name).toBe('InvalidLayerPartException');
    expect(err).toMatchObject({ lastValidByteReceived: 5 * MiB - 2 });
  });
});
