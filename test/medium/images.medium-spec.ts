import { ImageTagAlreadyExistsException } from '../../src/images/images.errors';
import { ReferencedImagesNotFoundException } from '../../src/images/images.errors';
import { LayersNotFoundException } from '../../src/layers/layers.errors';
import {
  createRepository,
  deleteImages,
  getManifest,
  imageDigests,
  imageManifest,
  indexManifest,
  Medium,
  pushImageBlobs,
  pushLayer,
  putManifest,
  randomLayer,
  sha256Of,
  createMediumStore,
  MediumStore,
  startMedium,
  tagRows,
} from '../support/medium';

const digestOf = (manifest: string): string => sha256Of(Buffer.from(manifest, 'utf8'));

let store: MediumStore;

beforeAll(async () => {
  store = await createMediumStore();
});

afterAll(async () => {
  await store?.drop();
});

// The manifest store keeps rows only: which driver stored the layers does not matter to it, so
// it runs on one (the default).
describe('ImagesService: the manifest store', () => {
  let medium: Medium;

  beforeAll(async () => {
    medium = await startMedium(store, 'filesystem');
  });

  afterAll(async () => {
    await medium?.close();
  });

  it('refuses a manifest whose layers are not layers of the repository, naming them, and stores no image', async () => {
    const repo = await createRepository(medium);
    const other = await createRepository(medium);
    const config = randomLayer(64);
    const layer = randomLayer(1024);
    await pushLayer(medium, repo, config);
    // The layer exists, but in another repository: it does not count.
    await pushLayer(medium, other, layer);
    const manifest = imageManifest(config, [layer]);

    const refused = putManifest(medium, repo, manifest, 'v1');

    await expect(refused).rejects.toThrow(LayersNotFoundException);
    await expect(refused).rejects.toThrow(sha256Of(layer));
    await expect(refused).rejects.not.toThrow(sha256Of(config));
    expect(await imageDigests(medium, repo)).toEqual([]);
    expect(await tagRows(medium, repo)).toEqual([]);
  });

  it('stores a manifest and serves exactly its bytes by tag and by digest', async () => {
    const repo = await createRepository(medium);
    const manifest = await pushImageBlobs(medium, repo, 2);

    const put = await putManifest(medium, repo, manifest, 'v1');

    expect(put).toEqual({ digest: digestOf(manifest), created: true });
    const byTag = await getManifest(medium, repo, { imageTag: 'v1' });
    const byDigest = await getManifest(medium, repo, { imageDigest: put.digest });
    expect(byTag).toMatchObject({ digest: put.digest, tag: 'v1', manifest });
    expect(byDigest).toMatchObject({ digest: put.digest, manifest });
  });

  it('reports "already there" for the same manifest put twice, with or without its tag, and keeps one image and one tag', async () => {
    const repo = await createRepository(medium);
    const manifest = await pushImageBlobs(medium, repo);
    const untagged = await pushImageBlobs(medium, repo, 1, 'untagged');
    await putManifest(medium, repo, manifest, 'v1');
    await putManifest(medium, repo, untagged);

    const again = await putManifest(medium, repo, manifest, 'v1');
    const againUntagged = await putManifest(medium, repo, untagged);

    expect(again).toEqual({ digest: digestOf(manifest), created: false });
    expect(againUntagged).toEqual({ digest: digestOf(untagged), created: false });
    expect(await imageDigests(medium, repo)).toEqual(
      [digestOf(manifest), digestOf(untagged)].sort(),
    );
    expect(await tagRows(medium, repo)).toEqual([{ tag: 'v1', digest: digestOf(manifest) }]);
  });

  it('adds a second tag to a stored manifest put under it, on the same image', async () => {
    const repo = await createRepository(medium);
    const manifest = await pushImageBlobs(medium, repo);
    await putManifest(medium, repo, manifest, 'v1');

    await putManifest(medium, repo, manifest, 'latest');

    expect(await imageDigests(medium, repo)).toEqual([digestOf(manifest)]);
    expect(await tagRows(medium, repo)).toEqual([
      { tag: 'latest', digest: digestOf(manifest) },
      { tag: 'v1', digest: digestOf(manifest) },
    ]);
  });

  it('moves a tag to the manifest last put under it; the image it left stays, untagged', async () => {
    const repo = await createRepository(medium);
    const first = await pushImageBlobs(medium, repo, 1, 'first');
    const second = await pushImageBlobs(medium, repo, 1, 'second');
    await putManifest(medium, repo, first, 'latest');

    const moved = await putManifest(medium, repo, second, 'latest');

    expect(moved).toEqual({ digest: digestOf(second), created: true });
    expect(await tagRows(medium, repo)).toEqual([{ tag: 'latest', digest: digestOf(second) }]);
    expect(await imageDigests(medium, repo)).toEqual([digestOf(first), digestOf(second)].sort());
    expect(await getManifest(medium, repo, { imageTag: 'latest' })).toMatchObject({
      manifest: second,
    });
  });

  it('refuses to move an immutable tag (ImageTagAlreadyExistsException), leaving it where it was, yet reports the same manifest under it as "already there"', async () => {
    const repo = await createRepository(medium, { immutableTags: true });
    const first = await pushImageBlobs(medium, repo, 1, 'first');
    const second = await pushImageBlobs(medium, repo, 1, 'second');
    await putManifest(medium, repo, first, 'v1');

    await expect(putManifest(medium, repo, second, 'v1')).rejects.toThrow(
      ImageTagAlreadyExistsException,
    );
    const again = await putManifest(medium, repo, first, 'v1');

    expect(again).toEqual({ digest: digestOf(first), created: false });
    expect(await tagRows(medium, repo)).toEqual([{ tag: 'v1', digest: digestOf(first) }]);
    // The refused put stored nothing either: its transaction was rolled back whole.
    expect(await imageDigests(medium, repo)).toEqual([digestOf(first)]);
  });

  it('refuses an index that references a manifest not in the repository, naming it, and stores nothing', async () => {
    const repo = await createRepository(medium);
    const stored = await pushImageBlobs(medium, repo, 1, 'stored');
    const absent = await pushImageBlobs(medium, repo, 1, 'never put');
    await putManifest(medium, repo, stored);
    const index = indexManifest([stored, absent]);

    const refused = putManifest(medium, repo, index, 'multi');

    await expect(refused).rejects.toThrow(ReferencedImagesNotFoundException);
    await expect(refused).rejects.toThrow(digestOf(absent));
    expect(await imageDigests(medium, repo)).toEqual([digestOf(stored)]);
    expect(await tagRows(medium, repo)).toEqual([]);
  });

  it('stores an index of stored manifests, and keeps a child from deletion while the index references it', async () => {
    const repo = await createRepository(medium);
    const amd64 = await pushImageBlobs(medium, repo, 1, 'amd64');
    const arm64 = await pushImageBlobs(medium, repo, 1, 'arm64');
    await putManifest(medium, repo, amd64);
    await putManifest(medium, repo, arm64);
    const index = indexManifest([amd64, arm64]);

    const put = await putManifest(medium, repo, index, 'multi');
    const deleting = await deleteImages(medium, repo, [{ imageDigest: digestOf(amd64) }]);

    expect(put).toEqual({ digest: digestOf(index), created: true });
    expect(deleting.deleted).toEqual([]);
    expect(deleting.failures).toEqual([
      expect.objectContaining({ failureCode: 'ImageReferencedByManifestList' }),
    ]);
    expect(await imageDigests(medium, repo)).toContain(digestOf(amd64));
  });

  it('deletes an image by digest with all its tags, after which neither its tag nor its digest finds it', async () => {
    const repo = await createRepository(medium);
    const manifest = await pushImageBlobs(medium, repo);
    const { digest } = await putManifest(medium, repo, manifest, 'v1');
    await putManifest(medium, repo, manifest, 'v2');

    const result = await deleteImages(medium, repo, [{ imageDigest: digest }]);

    expect(result.failures).toEqual([]);
    expect(result.deleted).toEqual(
      expect.arrayContaining([
        { imageDigest: digest, imageTag: 'v1' },
        { imageDigest: digest, imageTag: 'v2' },
      ]),
    );
    expect(await getManifest(medium, repo, { imageTag: 'v1' })).toBeUndefined();
    expect(await getManifest(medium, repo, { imageDigest: digest })).toBeUndefined();
    expect(await imageDigests(medium, repo)).toEqual([]);
    expect(await tagRows(medium, repo)).toEqual([]);
  });

  it('leaves exactly one tag row, on one of the manifests put, when concurrent puts move one tag', async () => {
    const repo = await createRepository(medium);
    const manifests: string[] = [];
    for (let i = 0; i < 12; i++) manifests.push(await pushImageBlobs(medium, repo, 1, `m${i}`));

    const puts = await Promise.all(manifests.map((m) => putManifest(medium, repo, m, 'latest')));

    expect(puts.every((p) => p.created)).toBe(true);
    const tags = await tagRows(medium, repo);
    expect(tags).toHaveLength(1);
    expect(manifests.map(digestOf)).toContain(tags[0].digest);
    expect(await imageDigests(medium, repo)).toEqual(manifests.map(digestOf).sort());
  });

  it('creates the image once when the same manifest is put concurrently under one tag; the others report "already there"', async () => {
    const repo = await createRepository(medium);
    const manifest = await pushImageBlobs(medium, repo);

    const puts = await Promise.all(
      Array.from({ length: 12 }, () => putManifest(medium, repo, manifest, 'latest')),
    );

    expect(puts.filter((p) => p.created)).toHaveLength(1);
    expect(puts.every((p) => p.digest === digestOf(manifest))).toBe(true);
    expect(await imageDigests(medium, repo)).toEqual([digestOf(manifest)]);
    expect(await tagRows(medium, repo)).toEqual([{ tag: 'latest', digest: digestOf(manifest) }]);
  });
});
