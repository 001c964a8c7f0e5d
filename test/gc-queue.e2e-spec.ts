import { BatchDeleteImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { GarbageCollectorService } from '../src/gc/garbage-collector.service';
import { admin } from './support/accounts';
import { startTestApp, TestApp } from './support/app';
import { startBerthProcess } from './support/berth-process';
import {
  collectGarbage,
  download,
  expectPullsIdentical,
  GcReport,
  imageOf,
  pushImage,
  randomBlob,
  storageOf,
} from './support/gc';
import { errorOf } from './support/layers';
import { findOrphans, NO_ORPHANS, verifyBlobs } from './support/storage-check';

/**
 * Collection driven by the review queues: what a deletion frees is queued in its transaction,
 * a re-reference before the entry is due keeps the layer, the dry run reads the queues and
 * matches the run, one requested run at a time, and the reconciliation pass finds what the
 * queues never saw, resuming after a crash where it stopped.
 */
describe('garbage collection from the review queues', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let pg: Client;
  let blobDir: string;

  beforeAll(async () => {
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-queue-'));
    // A long grace: entries become due only when the test ages them.
    t = await startTestApp({ BLOB_DIR: blobDir, LAYER_GRACE: '1h' });
    ecr = t.client();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  /** Makes every layer of the repository, and its queue entries, older than the grace. */
  async function age(repo: string): Promise<void> {
    await pg.query(
      `UPDATE layers SET created_at = created_at - interval '2 hours'
        WHERE repository_id = (SELECT id FROM repositories WHERE name = $1)`,
      [repo],
    );
    await pg.query(
      `UPDATE gc_layer_reviews q SET since = l.created_at FROM layers l
        WHERE l.id = q.layer_id AND l.repository_id = (SELECT id FROM repositories WHERE name = $1)`,
      [repo],
    );
  }

  async function queued(digest: string): Promise<number> {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM gc_layer_reviews q JOIN layers l ON l.id = q.layer_id
        WHERE l.digest = $1`,
      [digest],
    );
    return Number(rows[0].n);
  }

  it('keeps a layer a push re-references after its queue entry was written and before it is due', async () => {
    const repo = 'queue/revive';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const shared = randomBlob(30_000);
    const exclusive = randomBlob(20_000);
    const first = imageOf([shared, exclusive], 'first');
    await pushImage(ecr, repo, first);
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'first' }] }),
    );
    // The deletion queued the layers it freed, in its own transaction.
    expect(await queued(shared.digest)).toBeGreaterThan(0);
    expect(await queued(exclusive.digest)).toBeGreaterThan(0);

    // Before the entries are due, a push references the shared layer again.
    const second = imageOf([shared], 'second');
    await pushImage(ecr, repo, second);
    await age(repo);

    const report = await collectGarbage(t.url);
    // The exclusive layer and the first config went; the shared one stayed.
    expect(report).toMatchObject({ layers: 2, blobs: 2 });
    await expectPullsIdentical(ecr, repo, second);
    const err = await errorOf(download(ecr, repo, exclusive.digest));
    expect(err.name).toBe('LayersNotFoundException');
    // Its entry was settled: found referenced, it waits for the next deletion to queue it again.
    expect(await queued(shared.digest)).toBe(0);
    expect(await findOrphans(pg, blobDir)).toEqual(NO_ORPHANS);
  });

  it('reports in a dry run exactly what the run then removes, reading only the queues', async () => {
    const [a, b] = ['queue/dry-a', 'queue/dry-b'];
    for (const name of [a, b])
      await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const crossRepo = randomBlob(40_000);
    const within = randomBlob(15_000);
    const lone = randomBlob(25_000);
    const doomedA = imageOf([crossRepo, lone], 'doomed');
    const keptA = imageOf([within], 'kept');
    const doomedA2 = imageOf([within], 'doomed-2');
    const keptB = imageOf([crossRepo], 'kept');
    await pushImage(ecr, a, doomedA);
    await pushImage(ecr, a, keptA);
    await pushImage(ecr, a, doomedA2);
    await pushImage(ecr, b, keptB);
    await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: a,
        imageIds: [{ imageTag: 'doomed' }, { imageTag: 'doomed-2' }],
      }),
    );
    await age(a);
    await age(b);

    const dry = await collectGarbage(t.url, { dryRun: true });
    const real = await collectGarbage(t.url);
    // Repository a loses crossRepo (b keeps the blob), lone, and both configs; within stays.
    const expected = {
      layers: 4,
      blobs: 3,
      bytes: lone.data.length + doomedA.config.data.length + doomedA2.config.data.length,
    };
    expect(dry).toEqual({ ...real, dryRun: true });
    expect(real).toMatchObject(expected);
    expect(await collectGarbage(t.url, { dryRun: true })).toMatchObject({
      layers: 0,
      blobs: 0,
      bytes: 0,
    });
    await expectPullsIdentical(ecr, a, keptA);
    await expectPullsIdentical(ecr, b, keptB);
  });

  it('answers 409 to a second requested run while the first is running, and the first completes', async () => {
    const hold = new Client({ connectionString: t.db.url });
    await hold.connect();
    try {
      // The first run waits on this lock at its storage stage (a dry run does not read that queue).
      await hold.query('BEGIN');
      await hold.query('LOCK TABLE gc_storage_reviews IN ACCESS EXCLUSIVE MODE');
      const first = collectGarbage(t.url);
      await new Promise((r) => setTimeout(r, 300));
      const second = await admin<{ detail?: string; status: number }>(
        t.url,
        'POST',
        '/admin/v1/maintenance/collect-garbage',
        {},
      );
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(second.text).toMatch(/still running/);
      // A dry run is no run: it answers at once, from the queues.
      const dry = await admin<GcReport>(t.url, 'POST', '/admin/v1/maintenance/collect-garbage', {
        dryRun: true,
      });
      expect(dry.status).toBe(200);
      await hold.query('COMMIT');
      expect(await first).toMatchObject({ dryRun: false });
    } finally {
      await hold.end();
    }
    expect(await collectGarbage(t.url)).toMatchObject({ dryRun: false });
  });
});

describe('reconciliation of garbage the queues never saw', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let pg: Client;
  let blobDir: string;
  const repo = 'queue/reconcile';

  beforeAll(async () => {
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-reconcile-'));
    t = await startTestApp({ BLOB_DIR: blobDir, LAYER_GRACE: '0', GC_INTERVAL: '1d' });
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

  it('after a crash mid-pass, resumes from its stored position and the collection removes what was left', async () => {
    const keptLayer = randomBlob(10_000);
    const lost = randomBlob(30_000);
    const kept = imageOf([keptLayer], 'kept');
    const orphaned = imageOf([lost], 'orphaned');
    await pushImage(ecr, repo, kept);
    await pushImage(ecr, repo, orphaned);
    const lostStorage = (await storageOf(pg, lost.digest))!;
    // A deletion whose queue rows never were: triggers off (as for data written before the
    // queues existed), and the queues emptied of the image's upload entries.
    await pg.query('BEGIN');
    await pg.query('SET LOCAL session_replication_role = replica');
    await pg.query(
      'DELETE FROM image_layers WHERE image_id = (SELECT id FROM images WHERE digest = $1)',
      [orphaned.digest],
    );
    await pg.query(
      'DELETE FROM image_tags WHERE image_id = (SELECT id FROM images WHERE digest = $1)',
      [orphaned.digest],
    );
    await pg.query('DELETE FROM images WHERE digest = $1', [orphaned.digest]);
    await pg.query('COMMIT');
    await pg.query('DELETE FROM gc_layer_reviews');
    expect(await collectGarbage(t.url, { dryRun: true })).toMatchObject({ layers: 0, blobs: 0 });
    expect(await collectGarbage(t.url)).toMatchObject({ layers: 0, blobs: 0 });

    // A pass dies right after its first batch committed.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-reconcile-victim-'));
    const victim = await startBerthProcess({
      DATABASE_URL: t.db.url,
      BLOB_DIR: blobDir,
      DATA_DIR: dataDir,
      LAYER_GRACE: '0',
      GC_INTERVAL: '1d',
      BERTH_KILL_POINT: 'gc.reconcile.batched',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      victim.child.once('exit', (_code, signal) => resolve(signal)),
    );
    // Its start-up check finds no pass due; the request starts one from the first row.
    const answer = await admin(victim.url, 'POST', '/admin/v1/maintenance/reconcile-garbage').then(
      (res) => res.status,
      (error: Error) => error.name,
    );
    expect(answer).not.toBe(200);
    expect(await exited).toBe('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });

    // The batch that committed fed the queue and stored where the pass is.
    const [state] = (
      await pg.query<{ stage: string | null; started_at: Date | null }>(
        'SELECT stage, started_at FROM gc_reconciliation',
      )
    ).rows;
    expect(state.stage).toBe('blobs');
    expect(await collectGarbage(t.url, { dryRun: true })).toMatchObject({ layers: 2, blobs: 2 });

    // Another instance carries the pass on from there (not from the first row) ...
    const collector = t.app.get(GarbageCollectorService);
    const resumed = await collector.reconcile();
    expect(resumed.finished).toBe(true);
    expect(resumed.layers).toBe(0);
    const [after] = (
      await pg.query<{ stage: string | null; started_at: Date; finished_at: Date }>(
        'SELECT stage, started_at, finished_at FROM gc_reconciliation',
      )
    ).rows;
    expect(after.stage).toBeNull();
    expect(after.started_at).toEqual(state.started_at);

    // ... and the collection removes what the crash left.
    expect(await collectGarbage(t.url)).toMatchObject({
      layers: 2,
      blobs: 2,
      bytes: lost.data.length + orphaned.config.data.length,
    });
    const { rows } = await pg.query('SELECT 1 FROM storage_objects WHERE key = $1', [
      lostStorage.key,
    ]);
    expect(rows).toEqual([]);
    expect((await verifyBlobs(pg, blobDir)).problems).toEqual([]);
    expect(await findOrphans(pg, blobDir)).toEqual(NO_ORPHANS);
    await expectPullsIdentical(ecr, repo, kept);
  });

  it('on demand, a full pass queues nothing twice', async () => {
    const report = await admin<{ finished: boolean; layers: number; read: number }>(
      t.url,
      'POST',
      '/admin/v1/maintenance/reconcile-garbage',
    );
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ finished: true, layers: 0, blobs: 0, storageObjects: 0 });
    expect(report.json.read).toBeGreaterThan(0);
  });
});
