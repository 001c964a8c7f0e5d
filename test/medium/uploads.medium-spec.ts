import { LimitExceededException } from '../../src/common/errors/registry-exception';
import { EmptyUploadException, InvalidLayerPartException } from '../../src/uploads/uploads.errors';
import { FREE_CHUNKS, MIN_PART_BYTES, STRICT_PARTS } from '../../src/uploads/uploads.service';
import {
  append,
  completeUpload,
  createMediumStore,
  createRepository,
  initiateUpload,
  Medium,
  MediumStore,
  MiB,
  randomLayer,
  readLayer,
  sha256Of,
  startMedium,
  uploadParts,
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

const revoked = (): Promise<void> => Promise.reject(new Error('the key was deactivated'));

let store: MediumStore;

beforeAll(async () => {
  store = await createMediumStore();
});

afterAll(async () => {
  await store?.drop();
});

describe.each(DRIVERS)('UploadsService.append (%s)', (driver) => {
  let medium: Medium;

  beforeAll(async () => {
    medium = await startMedium(store, driver);
  });

  afterAll(async () => {
    await medium?.close();
  });

  it("stores each STRICT_PARTS append at the upload's end as one part, hashed on the way: the completed digest is the SHA-256 of their bytes, which read back whole", async () => {
    const repo = await createRepository(medium);
    const parts = [randomLayer(5 * MiB), randomLayer(1000)];
    const whole = Buffer.concat(parts);
    const uploadId = await initiateUpload(medium, repo);

    expect(await append(medium, repo, uploadId, parts[0], { at: 0 })).toEqual({
      bytesReceived: parts[0].length,
    });
    expect(await append(medium, repo, uploadId, parts[1], { at: parts[0].length })).toEqual({
      bytesReceived: whole.length,
    });
    expect(await uploadParts(medium, uploadId)).toEqual([parts[0].length, parts[1].length]);
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole));

    expect(completed).toEqual({ digest: sha256Of(whole), created: true });
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
  });

  it('stores FREE_CHUNKS appends of any size, in parts of which all but the last hold at least 5 MiB: the completed digest is the SHA-256 of their bytes', async () => {
    const repo = await createRepository(medium);
    const chunks = [randomLayer(1), randomLayer(70_000), randomLayer(9 * MiB), randomLayer(3)];
    const whole = Buffer.concat(chunks);
    const uploadId = await initiateUpload(medium, repo);

    // One append of two chunks, then one per chunk at the position the upload answered.
    let { bytesReceived } = await append(medium, repo, uploadId, chunksOf(chunks[0], chunks[1]), {
      rules: FREE_CHUNKS,
      at: 0,
    });
    for (const chunk of chunks.slice(2)) {
      ({ bytesReceived } = await append(medium, repo, uploadId, chunksOf(chunk), {
        rules: FREE_CHUNKS,
        at: bytesReceived,
      }));
    }
    const parts = await uploadParts(medium, uploadId);
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole), FREE_CHUNKS);

    expect(bytesReceived).toBe(whole.length);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(whole.length);
    expect(parts.slice(0, -1).every((size) => size >= MIN_PART_BYTES)).toBe(true);
    expect(completed).toEqual({ digest: sha256Of(whole), created: true });
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
  });

  it('gathers many small FREE_CHUNKS appends into one part, so that their number does not grow the parts', async () => {
    const repo = await createRepository(medium);
    const chunks = Array.from({ length: 25 }, () => randomLayer(100));
    const uploadId = await initiateUpload(medium, repo);

    for (const [i, chunk] of chunks.entries()) {
      await append(medium, repo, uploadId, chunk, { rules: FREE_CHUNKS, at: i * 100 });
    }

    expect(await uploadParts(medium, uploadId)).toEqual([2500]);
    const digest = sha256Of(Buffer.concat(chunks));
    expect(await completeUpload(medium, repo, uploadId, digest, FREE_CHUNKS)).toEqual({
      digest,
      created: true,
    });
    expect((await findOrphans(medium.pg, medium.blobDir)).strayParts).toEqual([]);
  });

  it.each([
    ['STRICT_PARTS', STRICT_PARTS],
    ['FREE_CHUNKS', FREE_CHUNKS],
  ])(
    "refuses %s bytes that do not start at the upload's end with InvalidLayerPartException carrying lastValidByteReceived, and stores none of them",
    async (_, rules) => {
      const repo = await createRepository(medium);
      const first = randomLayer(5 * MiB);
      const uploadId = await initiateUpload(medium, repo);

      const beforeAny = await rejectionOf(
        append(medium, repo, uploadId, randomLayer(10), { rules, at: 1 }),
      );
      await append(medium, repo, uploadId, first, { rules, at: 0 });
      const gap = await rejectionOf(
        append(medium, repo, uploadId, randomLayer(10), { rules, at: first.length + 1 }),
      );
      const overlap = await rejectionOf(
        append(medium, repo, uploadId, chunksOf(randomLayer(10)), {
          rules,
          at: first.length - 1,
        }),
      );

      expect(beforeAny).toBeInstanceOf(InvalidLayerPartException);
      // No byte yet: no last valid byte to name.
      expect((beforeAny as InvalidLayerPartException).details.lastValidByteReceived).toBe(
        undefined,
      );
      for (const refused of [gap, overlap]) {
        expect(refused).toBeInstanceOf(InvalidLayerPartException);
        expect((refused as InvalidLayerPartException).details).toMatchObject({
          uploadId,
          lastValidByteReceived: first.length - 1,
        });
      }
      expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
      expect(await uploadParts(medium, uploadId)).toEqual([first.length]);
      const last = randomLayer(10);
      await append(medium, repo, uploadId, last, { rules, at: first.length });
      const whole = Buffer.concat([first, last]);
      expect(await completeUpload(medium, repo, uploadId, sha256Of(whole), rules)).toEqual({
        digest: sha256Of(whole),
        created: true,
      });
    },
  );

  it('refuses a STRICT_PARTS append after a part under 5 MiB (only the last part may be small)', async () => {
    const repo = await createRepository(medium);
    const small = randomLayer(1000);
    const uploadId = await initiateUpload(medium, repo);
    await append(medium, repo, uploadId, small, { at: 0 });

    const refused = await rejectionOf(
      append(medium, repo, uploadId, randomLayer(10), { at: small.length }),
    );

    expect(refused).toBeInstanceOf(InvalidLayerPartException);
    expect(refused.message).toMatch(/at least 5MB/);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: small.length });
  });

  it('refuses a STRICT_PARTS append over 20 MiB with InvalidLayerPartException, storing none of it', async () => {
    const repo = await createRepository(medium);
    const uploadId = await initiateUpload(medium, repo);

    const refused = await rejectionOf(
      append(medium, repo, uploadId, Buffer.alloc(20 * MiB + 1), { at: 0 }),
    );

    expect(refused).toBeInstanceOf(InvalidLayerPartException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: 0 });
  });

  it('refuses an empty STRICT_PARTS append and an upload with no part, and takes both under FREE_CHUNKS (the empty blob)', async () => {
    const repo = await createRepository(medium);
    const empty = sha256Of(Buffer.alloc(0));
    const strict = await initiateUpload(medium, repo);
    const free = await initiateUpload(medium, repo);

    const emptyPart = await rejectionOf(append(medium, repo, strict, Buffer.alloc(0), { at: 0 }));
    await expect(completeUpload(medium, repo, strict, empty)).rejects.toThrow(EmptyUploadException);
    const emptyChunk = await append(medium, repo, free, Buffer.alloc(0), {
      rules: FREE_CHUNKS,
      at: 0,
    });

    expect(emptyPart).toBeInstanceOf(InvalidLayerPartException);
    expect(emptyChunk).toEqual({ bytesReceived: 0 });
    expect(await completeUpload(medium, repo, free, empty, FREE_CHUNKS)).toEqual({
      digest: empty,
      created: true,
    });
    expect(await readLayer(medium, repo, empty)).toHaveLength(0);
  });

  it.each([
    ['STRICT_PARTS', STRICT_PARTS, randomLayer(11)],
    ['FREE_CHUNKS', FREE_CHUNKS, chunksOf(randomLayer(6), randomLayer(5))],
  ] as const)(
    'refuses %s bytes that are not as many as the client declared, storing none of them',
    async (_, rules, body) => {
      const repo = await createRepository(medium);
      const uploadId = await initiateUpload(medium, repo);

      const refused = await rejectionOf(
        append(medium, repo, uploadId, body, {
          rules,
          at: 0,
          declared: { bytes: 10, said: 'the client declared 10' },
        }),
      );

      expect(refused).toBeInstanceOf(InvalidLayerPartException);
      expect(refused.message).toMatch(/but the client declared 10$/);
      expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: 0 });
    },
  );

  it.each([
    ['STRICT_PARTS', STRICT_PARTS],
    ['FREE_CHUNKS', FREE_CHUNKS],
  ])(
    'leaves the upload as it was when a %s append is refused before its commit (its key revoked while the body arrived)',
    async (_, rules) => {
      const repo = await createRepository(medium);
      const first = randomLayer(5 * MiB);
      const uploadId = await initiateUpload(medium, repo);
      await append(medium, repo, uploadId, first, { rules, at: 0 });

      const refused = await rejectionOf(
        append(medium, repo, uploadId, randomLayer(1000), {
          rules,
          at: first.length,
          beforeCommit: revoked,
        }),
      );

      expect(refused.message).toBe('the key was deactivated');
      expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
      expect(await uploadParts(medium, uploadId)).toEqual([first.length]);
      expect(await completeUpload(medium, repo, uploadId, sha256Of(first), rules)).toEqual({
        digest: sha256Of(first),
        created: true,
      });
    },
  );

  it("keeps the parts committed before a FREE_CHUNKS body was cut, which the upload's status tells, and takes the rest from there", async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(1000);
    // More than one part's worth (8 MiB): a part is committed before the cut.
    const rest = [randomLayer(8 * MiB), randomLayer(1000)];
    const whole = Buffer.concat([first, ...rest]);
    const uploadId = await initiateUpload(medium, repo);
    await append(medium, repo, uploadId, first, { rules: FREE_CHUNKS, at: 0 });

    const cut = await rejectionOf(
      append(medium, repo, uploadId, cutAfter(...rest), { rules: FREE_CHUNKS, at: first.length }),
    );
    const { bytesReceived } = await uploadStatus(medium, repo, uploadId);

    expect(cut.message).toBe('the client hung up');
    // What was committed is a prefix of what was sent, on a part boundary.
    expect(bytesReceived).toBeGreaterThan(first.length);
    expect(bytesReceived).toBeLessThan(whole.length);
    expect((await uploadParts(medium, uploadId)).reduce((a, b) => a + b, 0)).toBe(bytesReceived);
    await append(medium, repo, uploadId, whole.subarray(bytesReceived), {
      rules: FREE_CHUNKS,
      at: bytesReceived,
    });
    const completed = await completeUpload(medium, repo, uploadId, sha256Of(whole), FREE_CHUNKS);
    expect(completed).toEqual({ digest: sha256Of(whole), created: true });
    expect(sha256Of(await readLayer(medium, repo, completed.digest))).toBe(sha256Of(whole));
    expect((await findOrphans(medium.pg, medium.blobDir)).strayParts).toEqual([]);
  });
});

describe.each(DRIVERS)('UploadsService.append: upload limits (%s)', (driver) => {
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

  it.each([
    ['STRICT_PARTS', STRICT_PARTS],
    ['FREE_CHUNKS', FREE_CHUNKS],
  ])(
    'refuses %s bytes past MAX_LAYER_PARTS with LimitExceededException, keeping the parts stored',
    async (_, rules) => {
      const repo = await createRepository(medium);
      const parts = [randomLayer(5 * MiB), randomLayer(5 * MiB)];
      const uploadId = await initiateUpload(medium, repo);
      await append(medium, repo, uploadId, parts[0], { rules, at: 0 });
      await append(medium, repo, uploadId, parts[1], { rules, at: 5 * MiB });

      const refused = await rejectionOf(
        append(medium, repo, uploadId, randomLayer(1), { rules, at: 10 * MiB }),
      );

      expect(refused).toBeInstanceOf(LimitExceededException);
      expect(await uploadParts(medium, uploadId)).toEqual([5 * MiB, 5 * MiB]);
      const whole = Buffer.concat(parts);
      expect((await completeUpload(medium, repo, uploadId, sha256Of(whole), rules)).digest).toBe(
        sha256Of(whole),
      );
    },
  );

  it('refuses a STRICT_PARTS append that would take the layer past MAX_LAYER_SIZE with LimitExceededException, and takes a smaller one after', async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(5 * MiB);
    const uploadId = await initiateUpload(medium, repo);
    await append(medium, repo, uploadId, first, { at: 0 });

    const refused = await rejectionOf(
      append(medium, repo, uploadId, Buffer.alloc(MAX_LAYER_SIZE - first.length + 1), {
        at: first.length,
      }),
    );

    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
    expect(await append(medium, repo, uploadId, randomLayer(1024), { at: first.length })).toEqual({
      bytesReceived: first.length + 1024,
    });
  });

  it('refuses FREE_CHUNKS that would take the layer past MAX_LAYER_SIZE with LimitExceededException, committing none of the part that would', async () => {
    const repo = await createRepository(medium);
    const first = randomLayer(5 * MiB);
    const uploadId = await initiateUpload(medium, repo);
    await append(medium, repo, uploadId, first, { rules: FREE_CHUNKS, at: 0 });

    const refused = await rejectionOf(
      append(medium, repo, uploadId, chunksOf(Buffer.alloc(4 * MiB), Buffer.alloc(4 * MiB)), {
        rules: FREE_CHUNKS,
        at: first.length,
      }),
    );

    expect(refused).toBeInstanceOf(LimitExceededException);
    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: first.length });
  });
});
