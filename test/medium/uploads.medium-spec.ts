import { LimitExceededException } from '../../src/common/errors/registry-exception';
import {
  InvalidLayerPartException,
  LayerPartTooSmallException,
} from '../../src/uploads/uploads.errors';
import {
  appendChunks,
  appendPart,
  completeUpload,
  createRepository,
  initiateUpload,
  Medium,
  MiB,
  randomLayer,
  readLayer,
  sha256Of,
  createMediumStore,
  MediumStore,
  startMedium,
  uploadStatus,
} from '../support/medium';
import { findOrphans, verifyBlobs } from '../support/storage-check';

const DRIVERS = ['filesystem', 'postgres'] as const;

async function* chunksOf(...chunks: Buffer[]): AsyncIterable<Buffer> {
  for (const chunk of chunks) yield chunk;
}

/** A body that sends `chunks`, then fails as a connection cut by the client does. */
async function* cutAfter(...chunks: Buffer[]): AsyncIterable<Buffer> {
  yield* chunksOf(...chunks);
  throw new Error('the client hung up');
}

/** The error `promise` rejects with (failing the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

let store: MediumStore;

beforeAll(async () => {
  store = await createMediumStore();
});

afterAll(async () => {
  await store?.drop();
});

describe.each(DRIVERS)('UploadsService: appending to an upload (%s)', (driver) => {
  let medium: Medium;

  beforeAll(async () => {
    medium = await startMedium(store, driver);
  });

  afterAll(async () => {
    await medium?.close();
  });

  it("stores parts appended at the upload's end and hashes them on the way: the completed digest is the SHA-256 of their bytes, which read back whole", async () => {
    const repo = await createRepository(medium);
    const parts = [randomLayer(5 * MiB), randomLayer(1000)];
    const whole = Buffer.concat(parts);
    const uploadId = await initiateUpload(medium, repo);

    let at = 0;
    for (const part of parts) {
      expect(await appendPart(medium, repo, uploadId, at, part)).toEqual({
        bytesReceived: at + part.length,
      });
      at += part.length;
    }
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole));

    expect(completed).toEqual({ digest: sha256Of(whole), created: true });
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
  });

  it("stores chunks of any size appended at the upload's end, whose completed digest is the SHA-256 of their bytes", async () => {
    const repo = await createRepository(medium);
    const chunks = [randomLayer(1), randomLayer(70_000), randomLayer(MiB), randomLayer(3)];
    const whole = Buffer.concat(chunks);
    const uploadId = await initiateUpload(medium, repo);

    // One append of two chunks, then one per chunk at the position the upload answered.
    let { bytesReceived } = await appendChunks(
      medium,
      repo,
      uploadId,
      chunksOf(...chunks.slice(0, 2)),
      0,
    );
    for (const chunk of chunks.slice(2)) {
      ({ bytesReceived } = await appendChunks(
        medium,
        repo,
        uploadId,
        chunksOf(chunk),
        bytesReceived,
      ));
    }
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole), 'chunks');

    expect(bytesReceived).toBe(whole.length);
    expect(completed).toEqual({ digest: sha256Of(whole), created: true });
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
  });

  it("refuses a part that does not start at the upload's end with InvalidLayerPartException carrying lastValidByteReceived, and stores none of it", async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(5 * MiB);
    const uploadId = await initiateUpload(medium, repo);

    const beforeAny = await rejectionOf(appendPart(medium, repo, uploadId, 1, randomLayer(10)));
    await appendPart(medium, repo, uploadId, 0, first);
    const gap = await rejectionOf(
      appendPart(medium, repo, uploadId, first.length + 1, randomLayer(10)),
    );
    const overlap = await rejectionOf(
      appendPart(medium, repo, uploadId, first.length - 1, randomLayer(10)),
    );

    expect(beforeAny).toBeInstanceOf(InvalidLayerPartException);
    // No byte yet: no last valid byte to name.
    expect((beforeAny as InvalidLayerPartException).details.lastValidByteReceived).toBeUndefined();
    for (const refused of [gap, overlap]) {
      expect(refused).toBeInstanceOf(InvalidLayerPartException);
      expect((refused as InvalidLayerPartException).details).toMatchObject({
        uploadId,
        lastValidByteReceived: first.length - 1,
      });
    }
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
    const last = randomLayer(10);
    await appendPart(medium, repo, uploadId, first.length, last);
    const whole = Buffer.concat([first, last]);
    expect(await completeUpload(medium, repo, uploadId, sha256Of(whole))).toEqual({
      digest: sha256Of(whole),
      created: true,
    });
  });

  it("refuses chunks that do not start at the upload's end with InvalidLayerPartException carrying lastValidByteReceived, and stores none of them", async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(1000);
    const uploadId = await initiateUpload(medium, repo);
    await appendChunks(medium, repo, uploadId, chunksOf(first), 0);

    const refused = await rejectionOf(
      appendChunks(medium, repo, uploadId, chunksOf(randomLayer(10)), first.length + 5),
    );

    expect(refused).toBeInstanceOf(InvalidLayerPartException);
    expect((refused as InvalidLayerPartException).details.lastValidByteReceived).toBe(
      first.length - 1,
    );
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
  });

  it('refuses a part after one under 5 MiB (LayerPartTooSmall rules: only the last part may be small)', async () => {
    const repo = await createRepository(medium);
    const small = randomLayer(1000);
    const uploadId = await initiateUpload(medium, repo);
    await appendPart(medium, repo, uploadId, 0, small);

    const refused = await rejectionOf(
      appendPart(medium, repo, uploadId, small.length, randomLayer(10)),
    );

    expect(refused).toBeInstanceOf(InvalidLayerPartException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: small.length });
  });

  it('refuses to complete chunks under 5 MiB but the last under the parts rules (LayerPartTooSmallException), and completes them under the chunks rules', async () => {
    const repo = await createRepository(medium);
    const chunks = [randomLayer(10), randomLayer(10)];
    const uploadId = await initiateUpload(medium, repo);
    for (const [i, chunk] of chunks.entries()) {
      await appendChunks(medium, repo, uploadId, chunksOf(chunk), i * 10);
    }
    const digest = sha256Of(Buffer.concat(chunks));

    await expect(completeUpload(medium, repo, uploadId, digest, 'parts')).rejects.toThrow(
      LayerPartTooSmallException,
    );
    expect(await completeUpload(medium, repo, uploadId, digest, 'chunks')).toEqual({
      digest,
      created: true,
    });
  });

  it('refuses a part over 20 MiB with InvalidLayerPartException, storing none of it', async () => {
    const repo = await createRepository(medium);
    const uploadId = await initiateUpload(medium, repo);

    const refused = await rejectionOf(
      appendPart(medium, repo, uploadId, 0, Buffer.alloc(20 * MiB + 1)),
    );

    expect(refused).toBeInstanceOf(InvalidLayerPartException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: 0 });
  });

  it("leaves the upload as it was when the chunks' body fails after a part was written, and takes the same bytes again", async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(1000);
    // More than one stored part's worth: the failure comes after a part was written.
    const rest = [randomLayer(8 * MiB), randomLayer(1000)];
    const uploadId = await initiateUpload(medium, repo);
    await appendChunks(medium, repo, uploadId, chunksOf(first), 0);

    const failed = await rejectionOf(
      appendChunks(medium, repo, uploadId, cutAfter(...rest), first.length),
    );

    expect(failed.message).toBe('the client hung up');
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
    await appendChunks(medium, repo, uploadId, chunksOf(...rest), first.length);
    const whole = Buffer.concat([first, ...rest]);
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole), 'chunks');
    expect(completed.digest).toBe(sha256Of(whole));
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
    expect((await findOrphans(medium.pg, medium.blobDir)).strayParts).toEqual([]);
  });
});

describe.each(DRIVERS)('UploadsService: upload limits (%s)', (driver) => {
  const MAX_LAYER_SIZE = 12 * MiB;
  let medium: Medium;

  beforeAll(async () => {
    medium = await startMedium(store, driver, {
      MAX_LAYER_PARTS: '2',
      MAX_LAYER_SIZE: String(MAX_LAYER_SIZE),
    });
  });

  afterAll(async () => {
    await medium?.close();
  });

  it('refuses a part past MAX_LAYER_PARTS with LimitExceededException, keeping the parts stored', async () => {
    const repo = await createRepository(medium);
    const parts = [randomLayer(5 * MiB), randomLayer(5 * MiB)];
    const uploadId = await initiateUpload(medium, repo);
    await appendPart(medium, repo, uploadId, 0, parts[0]);
    await appendPart(medium, repo, uploadId, 5 * MiB, parts[1]);

    const refused = await rejectionOf(appendPart(medium, repo, uploadId, 10 * MiB, randomLayer(1)));

    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: 10 * MiB });
    const whole = Buffer.concat(parts);
    expect((await completeUpload(medium, repo, uploadId, sha256Of(whole))).digest).toBe(
      sha256Of(whole),
    );
  });

  it('refuses a part that would take the layer past MAX_LAYER_SIZE with LimitExceededException, and takes a smaller one after', async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(5 * MiB);
    const uploadId = await initiateUpload(medium, repo);
    await appendPart(medium, repo, uploadId, 0, first);

    const refused = await rejectionOf(
      appendPart(
        medium,
        repo,
        uploadId,
        first.length,
        Buffer.alloc(MAX_LAYER_SIZE - first.length + 1),
      ),
    );

    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
    expect(await appendPart(medium, repo, uploadId, first.length, randomLayer(1024))).toEqual({
      bytesReceived: first.length + 1024,
    });
  });

  it('refuses chunks that would take the layer past MAX_LAYER_SIZE with LimitExceededException, leaving the upload as it was', async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(5 * MiB);
    const uploadId = await initiateUpload(medium, repo);
    await appendChunks(medium, repo, uploadId, chunksOf(first), 0);

    const refused = await rejectionOf(
      appendChunks(
        medium,
        repo,
        uploadId,
        chunksOf(Buffer.alloc(4 * MiB), Buffer.alloc(4 * MiB)),
        first.length,
      ),
    );

    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
  });
});
