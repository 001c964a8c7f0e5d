import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { GarbageCollectorService } from '../src/gc/garbage-collector.service';
import { admin } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import {
  collectGarbage,
  download,
  expectPullsIdentical,
  imageOf,
  pushBlob,
  pushImage,
  randomBlob,
  storageOf,
} from './support/gc';
import { errorOf } from './support/layers';
import { bucketContents } from './support/s3-check';
import { findOrphans, NO_ORPHANS, objectDir, verifyBlobs } from './support/storage-check';
import { driverEnv } from './support/swift';

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

const DRIVERS = ['filesystem', 'postgres', 's3'] as const;

describe.each(DRIVERS)('garbage collection, %s driver', (driver) => {
  let t: TestApp;
  let ecr: ECRClient;
  let pg: Client;
  let blobDir: string;
  const repo = 'gc/app';

  beforeAll(async () => {
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-blobs-'));
    t = await startTestApp({ ...(await driverEnv(driver)), BLOB_DIR: blobDir, LAYER_GRACE: '0' });
    ecr = t.client();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  /** Whether any byte of the object is still stored, looked up below the service. */
  async function bytesStored(key: string): Promise<boolean> {
    if (fs.existsSync(objectDir(blobDir, key))) return true;
    if (t.config.s3) {
      const bucket = await bucketContents(t.config.s3);
      const names = [...bucket.objects, ...bucket.uploads];
      if (names.includes(key) || names.includes(`${key}.tail`)) return true;
    }
    const { rows } = await pg.query('SELECT 1 FROM blob_chunks WHERE storage_key = $1 LIMIT 1', [
      key,
    ]);
    return rows.length > 0;
  }

  it('removes the layer only a deleted image held, bytes included; shared layers still download', async () => {
    const [l1, l2, l3] = [randomBlob(200_000), randomBlob(150_000), randomBlob(120_000)];
    const a = imageOf([l1, l2], 'a');
    const b = imageOf([l2, l3], 'b');
    await pushImage(ecr, repo, a);
    await pushImage(ecr, repo, b);
    const l1Storage = (await storageOf(pg, l1.digest))!;
    const aConfig = (await storageOf(pg, a.config.digest))!;
    expect(l1Storage.driver).toBe(driver);
    expect(await bytesStored(l1Storage.key)).toBe(true);

    // Nothing is garbage while both images exist.
    expect(await collectGarbage(t.url, { dryRun: true })).toMatchObject({
      layers: 0,
      blobs: 0,
      bytes: 0,
    });

    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'a' }] }),
    );
    const expected = { layers: 2, blobs: 2, bytes: l1.data.length + a.config.data.length };
    const dry = await collectGarbage(t.url, { dryRun: true });
    expect(dry).toEqual({ dryRun: true, layerGraceSeconds: 0, images: 0, ...expected });
    // A dry run removed nothing.
    expect(await storageOf(pg, l1.digest)).toEqual(l1Storage);

    const report = await collectGarbage(t.url);
    expect(report).toEqual({ dryRun: false, layerGraceSeconds: 0, images: 0, ...expected });

    // Below the service: no row, no file, no chunk of L1 or of A's config.
    for (const gone of [l1Storage, aConfig]) {
      const { rows } = await pg.query('SELECT 1 FROM storage_objects WHERE key = $1', [gone.key]);
      expect(rows).toEqual([]);
      expect(await bytesStored(gone.key)).toBe(false);
    }
    expect(await storageOf(pg, l1.digest)).toBeUndefined();
    const layers = await pg.query<{ digest: string }>('SELECT digest FROM layers ORDER BY digest');
    expect(layers.rows.map((r) => r.digest)).toEqual(
      [b.config.digest, l2.digest, l3.digest].sort(),
    );

    await expectPullsIdentical(ecr, repo, b);
    expect((await download(ecr, repo, l2.digest)).equals(l2.data)).toBe(true);
    expect((await download(ecr, repo, l3.digest)).equals(l3.data)).toBe(true);
    expect((await verifyBlobs(pg, blobDir, t.config.s3)).problems).toEqual([]);
    expect(await findOrphans(pg, blobDir, t.config.s3)).toEqual(NO_ORPHANS);

    // A second run finds nothing left.
    expect(await collectGarbage(t.url)).toMatchObject({ layers: 0, blobs: 0, bytes: 0 });

    // Both runs are in the history, newest first, a page at a time; the dry runs are not.
    type Runs = { items: Record<string, unknown>[]; nextCursor: string | null };
    const first = await admin<Runs>(
      t.url,
      'GET',
      '/admin/v1/maintenance/garbage-collections?limit=1',
    );
    expect(first.status).toBe(200);
    expect(first.json.items).toEqual([
      {
        startedAt: expect.any(String) as string,
        finishedAt: expect.any(String) as string,
        requested: true,
        layers: 0,
        blobs: 0,
        bytes: 0,
      },
    ]);
    const second = await admin<Runs>(
      t.url,
      'GET',
      `/admin/v1/maintenance/garbage-collections?limit=1&cursor=${first.json.nextCursor}`,
    );
    expect(second.json.items).toEqual([expect.objectContaining({ requested: true, ...expected })]);
    expect(second.json.nextCursor).toBeNull();

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(sample(metrics, 'berth_gc_reclaimed_bytes_total')).toBe(expected.bytes);
    const stored = [b.config, l2, l3].reduce((n, x) => n + x.data.length, 0);
    expect(sample(metrics, 'berth_stored_bytes')).toBe(stored + Buffer.byteLength(b.manifest));
  });

  it('counts a blob two repositories of an account hold once for the account, once in each repository', async () => {
    const shared = randomBlob(90_000);
    const own = randomBlob(30_000);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'gc/other' }));
    const before = await admin<{ storedBytes: number }>(
      t.url,
      'GET',
      `/admin/v1/accounts/${t.config.registryId}`,
    );
    const x = imageOf([shared], 'x');
    const y = imageOf([shared, own], 'y');
    await pushImage(ecr, repo, x);
    await pushImage(ecr, 'gc/other', y);
    const account = await admin<{ storedBytes: number }>(
      t.url,
      'GET',
      `/admin/v1/accounts/${t.config.registryId}`,
    );
    expect(account.json.storedBytes - before.json.storedBytes).toBe(
      shared.data.length +
        own.data.length +
        x.config.data.length +
        y.config.data.length +
        Buffer.byteLength(x.manifest) +
        Buffer.byteLength(y.manifest),
    );
    const listed = await admin<{ items: { accountId: string; storedBytes: number }[] }>(
      t.url,
      'GET',
      '/admin/v1/accounts',
    );
    expect(listed.json.items.find((a) => a.accountId === t.config.registryId)?.storedBytes).toBe(
      account.json.storedBytes,
    );
    const other = await admin<{ items: { storedBytes: number }[] }>(
      t.url,
      'GET',
      `/admin/v1/repositories?name=${encodeURIComponent('gc/other')}`,
    );
    expect(other.json.items[0].storedBytes).toBe(
      shared.data.length + own.data.length + y.config.data.length + Buffer.byteLength(y.manifest),
    );
  });

  it('DeleteRepository with force reclaims the bytes only that repository held, at once', async () => {
    const name = 'gc/doomed';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const kept = randomBlob(40_000);
    const keeper = imageOf([kept], 'keeper');
    await pushImage(ecr, repo, keeper);
    const exclusive = randomBlob(70_000);
    const doomed = imageOf([exclusive, kept], 'doomed');
    await pushImage(ecr, name, doomed);
    // A layer no image references goes too.
    await pushBlob(ecr, name, randomBlob(10));
    const exclusiveStorage = (await storageOf(pg, exclusive.digest))!;

    await ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    for (let i = 0; i < 100 && (await storageOf(pg, exclusive.digest)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await storageOf(pg, exclusive.digest)).toBeUndefined();
    expect(await storageOf(pg, doomed.config.digest)).toBeUndefined();
    for (let i = 0; i < 100 && (await bytesStored(exclusiveStorage.key)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await bytesStored(exclusiveStorage.key)).toBe(false);
    await expectPullsIdentical(ecr, repo, keeper);
    expect(await findOrphans(pg, blobDir, t.config.s3)).toEqual(NO_ORPHANS);
  });

  it('expires images for lifecycle policies through the same collection', async () => {
    const lone = randomBlob(25_000);
    const old = imageOf([lone], 'old');
    await pushImage(ecr, repo, old);
    const [{ id }] = (
      await pg.query<{ id: string }>('SELECT id FROM repositories WHERE name = $1', [repo])
    ).rows;
    const collector = t.app.get(GarbageCollectorService);
    const out = await collector.expireImages(id, [old.digest, `sha256:${'0'.repeat(64)}`]);
    expect(out.expired).toEqual([old.digest]);
    expect(out.kept).toEqual([{ digest: `sha256:${'0'.repeat(64)}`, reason: 'missing' }]);
    expect(out.report).toMatchObject({
      images: 1,
      layers: 2,
      blobs: 2,
      bytes: lone.data.length + old.config.data.length,
    });
    const err = await errorOf(download(ecr, repo, lone.digest));
    expect(err.name).toBe('LayersNotFoundException');
  });
});

describe('garbage collection with the default LAYER_GRACE', () => {
  let t: TestApp;
  let ecr: ECRClient;

  beforeAll(async () => {
    t = await startTestApp();
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'gc/grace' }));
  });
  afterAll(() => t?.close());

  it('keeps a layer no image references yet while it is younger than 24h', async () => {
    const loose = randomBlob(5_000);
    await pushBlob(ecr, 'gc/grace', loose);
    const report = await collectGarbage(t.url);
    expect(report).toEqual({
      dryRun: false,
      layerGraceSeconds: 86_400,
      images: 0,
      layers: 0,
      blobs: 0,
      bytes: 0,
    });
    // The layer is still there: a PutImage referencing it now succeeds.
    await pushImage(ecr, 'gc/grace', imageOf([loose], 'late'));
  });

  it('refuses a dryRun that is not a boolean with 400', async () => {
    const res = await admin(t.url, 'POST', '/admin/v1/maintenance/collect-garbage', {
      dryRun: 'yes',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
