import { InvalidLayerException } from '../../src/layers/layers.errors';
import { UploadNotFoundException } from '../../src/uploads/uploads.errors';
import {
  abortUpload,
  append,
  blobRows,
  cancelUpload,
  collectUntil,
  holdUploadLock,
  completeUpload,
  createRepository,
  initiateUpload,
  layerCount,
  Medium,
  randomLayer,
  readLayer,
  sha256Of,
  createMediumStore,
  MediumStore,
  startMedium,
  storedObjects,
  uploadStatus,
  uploadStorageKeys,
} from '../support/medium';
import { findOrphans, NO_ORPHANS, verifyBlobs } from '../support/storage-check';

const COMPLETIONS = 16;
const RACES = 6;

let store: MediumStore;

beforeAll(async () => {
  store = await createMediumStore();
});

afterAll(async () => {
  await store?.drop();
});

describe.each(['filesystem', 'postgres'] as const)('UploadsService: completion (%s)', (driver) => {
  let medium: Medium;

  beforeAll(async () => {
    medium = await startMedium(store, driver);
  });

  afterAll(async () => {
    await medium?.close();
  });

  /** An upload of `data` in one part, ready to complete; answers its id. */
  const uploadOf = async (repo: string, data: Buffer): Promise<string> => {
    const uploadId = await initiateUpload(medium, repo);
    await append(medium, repo, uploadId, data, { at: 0 });
    return uploadId;
  };

  it(`creates exactly one layer of ${COMPLETIONS} concurrent completions of identical content into one repository; the others report "already there", and one stored copy remains`, async () => {
    const repo = await createRepository(medium);
    const data = randomLayer(256 * 1024);
    const digest = sha256Of(data);
    const uploadIds: string[] = [];
    for (let i = 0; i < COMPLETIONS; i++) uploadIds.push(await uploadOf(repo, data));
    const keys = [...(await uploadStorageKeys(medium, uploadIds)).values()];
    expect(keys).toHaveLength(COMPLETIONS);

    const results = await Promise.all(
      uploadIds.map((id) => completeUpload(medium, repo, id, digest)),
    );

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.every((r) => r.digest === digest)).toBe(true);
    expect(await layerCount(medium, repo, digest)).toBe(1);
    const blobs = await blobRows(medium, digest);
    expect(blobs).toHaveLength(1);
    // Every upload is consumed; the other copies are garbage, collected, and only the blob's
    // object keeps bytes.
    expect((await uploadStorageKeys(medium, uploadIds)).size).toBe(0);
    const kept = [blobs[0].storage_key];
    await collectUntil(medium, async () => {
      const stored = await storedObjects(medium, keys);
      return stored.rows.length === 1 && stored.bytes.length === 1;
    });
    expect(await storedObjects(medium, keys)).toEqual({ rows: kept, bytes: kept });
    expect(sha256Of(await readLayer(medium, repo, digest))).toBe(digest);
    expect((await verifyBlobs(medium.pg, medium.blobDir)).problems).toEqual([]);
  });

  it("refuses a completion whose digest is not the content's (InvalidLayerException), leaving the upload to be completed with the right one", async () => {
    const repo = await createRepository(medium);
    const data = randomLayer(4096);
    const uploadId = await uploadOf(repo, data);

    await expect(
      completeUpload(medium, repo, uploadId, sha256Of(Buffer.from('other bytes'))),
    ).rejects.toThrow(InvalidLayerException);

    expect(await uploadStatus(medium, repo, uploadId)).toEqual({ bytesReceived: data.length });
    expect(await completeUpload(medium, repo, uploadId, sha256Of(data))).toEqual({
      digest: sha256Of(data),
      created: true,
    });
  });

  /** Removes the upload as its kind of caller does; true when this call removed it. */
  const removers = {
    abort: (_repo: string, id: string): Promise<boolean> => abortUpload(medium, id),
    cancel: (repo: string, id: string): Promise<boolean> =>
      cancelUpload(medium, repo, id).then(
        () => true,
        (err: unknown) => {
          if (err instanceof UploadNotFoundException) return false;
          throw err;
        },
      ),
  };

  /** What a completion and a removal of one upload did, and what they left. */
  const race = async (
    repo: string,
    remover: keyof typeof removers,
    order?: 'completion first' | 'removal first',
  ): Promise<'completed' | 'removed'> => {
    const data = randomLayer(64 * 1024);
    const digest = sha256Of(data);
    const uploadId = await uploadOf(repo, data);
    // Either may settle while the test still orders the other: its outcome is read below.
    const started = <T>(call: Promise<T>): Promise<T> => {
      call.catch(() => undefined);
      return call;
    };
    const complete = (): Promise<{ digest: string; created: boolean }> =>
      started(completeUpload(medium, repo, uploadId, digest));
    const remove = (): Promise<boolean> => started(removers[remover](repo, uploadId));
    let completed: Promise<{ digest: string; created: boolean }>;
    let removed: Promise<boolean>;
    if (order === undefined) {
      [completed, removed] = [complete(), remove()];
    } else {
      // Both queue on the upload's row lock, in the order given, and get it in that order.
      const lock = await holdUploadLock(medium, uploadId);
      const first = order === 'completion first' ? complete : remove;
      const second = order === 'completion first' ? remove : complete;
      const a = first();
      await lock.waiters(1);
      const b = second();
      await lock.waiters(2);
      await lock.release();
      [completed, removed] = (order === 'completion first' ? [a, b] : [b, a]) as [
        typeof completed,
        typeof removed,
      ];
    }
    const [completion, removal] = await Promise.allSettled([completed, removed]);
    if (removal.status === 'rejected') throw removal.reason;
    await expect(uploadStatus(medium, repo, uploadId)).rejects.toThrow(UploadNotFoundException);
    if (completion.status === 'fulfilled') {
      expect(completion.value).toEqual({ digest, created: true });
      expect(removal.value).toBe(false);
      expect(sha256Of(await readLayer(medium, repo, digest))).toBe(digest);
      return 'completed';
    }
    expect(completion.reason).toBeInstanceOf(UploadNotFoundException);
    expect(removal.value).toBe(true);
    expect(await layerCount(medium, repo, digest)).toBe(0);
    return 'removed';
  };

  /** Nothing stored that neither an upload nor a blob references, once collected. */
  const expectNoOrphans = async (): Promise<void> => {
    await collectUntil(medium, async () =>
      orphansSettled(await findOrphans(medium.pg, medium.blobDir)),
    );
    expect(await findOrphans(medium.pg, medium.blobDir)).toEqual(NO_ORPHANS);
  };

  it.each(['abort', 'cancel'] as const)(
    'creates the layer when the completion reaches the upload before %s, which then finds no upload',
    async (remover) => {
      const repo = await createRepository(medium);
      expect(await race(repo, remover, 'completion first')).toBe('completed');
      await expectNoOrphans();
    },
  );

  it.each(['abort', 'cancel'] as const)(
    'removes the upload when %s reaches it before the completion, which then answers UploadNotFoundException and creates nothing',
    async (remover) => {
      const repo = await createRepository(medium);
      expect(await race(repo, remover, 'removal first')).toBe('removed');
      await expectNoOrphans();
    },
  );

  it(`settles each of ${RACES} unordered races of a completion with an abort or a cancel one way or the other, leaving no stored bytes but the layers'`, async () => {
    const repo = await createRepository(medium);
    for (let i = 0; i < RACES; i++) await race(repo, i % 2 === 0 ? 'abort' : 'cancel');
    await expectNoOrphans();
  });
});

function orphansSettled(report: typeof NO_ORPHANS): boolean {
  return (
    report.unreferencedObjects.length === 0 &&
    report.directoriesWithoutRow.length === 0 &&
    report.chunksWithoutRow.length === 0 &&
    report.strayParts.length === 0
  );
}
