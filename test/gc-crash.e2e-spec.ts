import { BatchDeleteImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { KILL_POINTS } from '../src/config/kill-points';
import { ecrClient } from './support/app';
import { startBerthProcess } from './support/berth-process';
import { Cluster, Driver } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import {
  collectGarbage,
  expectPullsIdentical,
  imageOf,
  pushImage,
  randomBlob,
  storageOf,
  TestImage,
} from './support/gc';
import { findOrphans, NO_ORPHANS, objectDir, verifyBlobs } from './support/storage-check';

/**
 * kill -9 of an instance in the middle of a garbage collection, at each named point of it
 * (BERTH_KILL_POINT makes the process SIGKILL itself there): after the locks, after the deletes
 * of each stage before their commit, and after each commit before the next stage. Whatever the
 * point, no image that exists loses a byte, what the crash left is exactly what the point says
 * (rolled back, or committed and unreferenced), and the next run on another instance removes it.
 */

const REPO = 'crash/gc';

/** What the crash must have left of the garbage image's rows, at each point. */
const LEFT: Record<(typeof KILL_POINTS)[number], 'layers' | 'blobs' | 'objects'> = {
  'gc.layers.locked': 'layers',
  'gc.layers.deleted': 'layers',
  'gc.layers.committed': 'blobs',
  'gc.blobs.deleted': 'blobs',
  'gc.blobs.committed': 'objects',
  'gc.storage.removed': 'objects',
};

describe.each<Driver>(['filesystem', 'postgres'])(
  'kill -9 during a collection, %s driver',
  (driver) => {
    let db: TestDatabase;
    let pg: Client;
    let blobDir: string;
    let cluster: Cluster;
    let ecr: ECRClient;
    const keptImages: TestImage[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      pg = new Client({ connectionString: db.url });
      await pg.connect();
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-crash-'));
      cluster = await Cluster.start({
        size: 1,
        databaseUrl: db.url,
        driver,
        blobDir,
        // Only the collections this test starts run.
        env: { LAYER_GRACE: '0', GC_INTERVAL: '1d' },
      });
      ecr = ecrClient(cluster.url(0));
      await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    }, 120_000);

    afterAll(async () => {
      ecr?.destroy();
      await cluster?.stop();
      await pg?.end();
      await db?.drop();
      if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
    });

    async function count(sql: string, params: unknown[]): Promise<number> {
      const { rows } = await pg.query<{ n: string }>(sql, params);
      return Number(rows[0].n);
    }

    it.each(KILL_POINTS.map((p) => [p]))(
      'at %s: no image loses a byte, and the next run removes what was left',
      async (point) => {
        // A kept image and a deleted one sharing a layer; the deleted one's own layer and config
        // are the garbage.
        const shared = randomBlob(60_000);
        const exclusive = randomBlob(80_000);
        const kept = imageOf([shared, randomBlob(20_000)], `kept-${point}`);
        const doomed = imageOf([shared, exclusive], `doomed-${point}`);
        await pushImage(ecr, REPO, kept);
        await pushImage(ecr, REPO, doomed);
        keptImages.push(kept);
        const exclusiveStorage = (await storageOf(pg, exclusive.digest))!;
        await ecr.send(
          new BatchDeleteImageCommand({
            repositoryName: REPO,
            imageIds: [{ imageTag: doomed.tag }],
          }),
        );

        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-victim-'));
        const victim = await startBerthProcess({
          DATABASE_URL: db.url,
          BLOB_STORE: driver,
          BLOB_DIR: blobDir,
          DATA_DIR: dataDir,
          LAYER_GRACE: '0',
          GC_INTERVAL: '1d',
          BERTH_KILL_POINT: point,
        });
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          victim.child.once('exit', (_code, signal) => resolve(signal)),
        );
        const answer = await collectGarbage(victim.url).then(
          (report) => ({ report }),
          (error: Error) => ({ error }),
        );
        expect(answer).toHaveProperty('error');
        expect(await exited).toBe('SIGKILL');
        fs.rmSync(dataDir, { recursive: true, force: true });

        // No image lost a byte: every blob row's bytes hash to its digest, and every image pulls.
        expect((await verifyBlobs(pg, blobDir)).problems).toEqual([]);
        for (const image of keptImages) await expectPullsIdentical(ecr, REPO, image);

        // What was left is exactly what the point says.
        const layers = await count('SELECT count(*) AS n FROM layers WHERE digest = $1', [
          exclusive.digest,
        ]);
        const blobs = await count('SELECT count(*) AS n FROM blobs WHERE digest = $1', [
          exclusive.digest,
        ]);
        const objects = await count('SELECT count(*) AS n FROM storage_objects WHERE key = $1', [
          exclusiveStorage.key,
        ]);
        expect({ layers, blobs, objects }).toEqual({
          layers: LEFT[point] === 'layers' ? 1 : 0,
          blobs: LEFT[point] === 'objects' ? 0 : 1,
          objects: 1,
        });
        if (LEFT[point] === 'objects') {
          expect((await findOrphans(pg, blobDir)).unreferencedObjects).toContain(
            `${exclusiveStorage.key} (${driver})`,
          );
        }
        if (point === 'gc.storage.removed') {
          // Inside the byte removal: a file went at once, chunk deletions rolled back with the
          // transaction; either way the row is left for the next run.
          const chunks = await count(
            'SELECT count(*) AS n FROM blob_chunks WHERE storage_key = $1',
            [exclusiveStorage.key],
          );
          const file = fs.existsSync(objectDir(blobDir, exclusiveStorage.key));
          expect({ file, chunks: chunks > 0 }).toEqual({
            file: false,
            chunks: driver === 'postgres',
          });
        }

        // The next run, on another instance, removes it all, bytes included.
        const report = await collectGarbage(cluster.url(0));
        expect(report).toMatchObject({
          layers: LEFT[point] === 'layers' ? 2 : 0,
          blobs: LEFT[point] === 'objects' ? 0 : 2,
        });
        expect(await storageOf(pg, exclusive.digest)).toBeUndefined();
        expect(
          await count('SELECT count(*) AS n FROM storage_objects WHERE key = $1', [
            exclusiveStorage.key,
          ]),
        ).toBe(0);
        expect(fs.existsSync(objectDir(blobDir, exclusiveStorage.key))).toBe(false);
        expect(
          await count('SELECT count(*) AS n FROM blob_chunks WHERE storage_key = $1', [
            exclusiveStorage.key,
          ]),
        ).toBe(0);
        expect(await findOrphans(pg, blobDir)).toEqual(NO_ORPHANS);
        for (const image of keptImages) await expectPullsIdentical(ecr, REPO, image);
      },
      60_000,
    );
  },
);
