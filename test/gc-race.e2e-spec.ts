import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ecrClient } from './support/app';
import { Cluster, Driver } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import {
  Blob,
  collectGarbage,
  expectPullsIdentical,
  imageOf,
  pushImage,
  randomBlob,
  TestImage,
} from './support/gc';
import { Prng } from './support/prng';
import { findOrphans, NO_ORPHANS, verifyBlobs } from './support/storage-check';

/**
 * Online collection racing pushes on three instances: 64 pushes (each on its own instance, its
 * layers drawn from a small shared pool) while images that share those layers are deleted and
 * collections run in a loop on every instance. LAYER_GRACE is 2 s: long enough for one push to
 * go from its first upload to its PutImage (with 0, a tight loop of collections takes every new
 * config blob before its manifest arrives, and no push ever gets through, which is what the grace
 * is for), short enough that the shared layers of deleted images are collected while other
 * pushes reuse them. A push whose PutImage is refused with
 * LayersNotFoundException (its layer was collected between upload and manifest) pushes its
 * blobs again, as a client would. Whatever the interleaving, every image a push reported as
 * stored must pull byte-identical, and storage must hold exactly the referenced bytes.
 */

const INSTANCES = 3;
const PUSHES = 64;
const WORKERS = 16;
const POOL = 12;
const REPO = 'race/app';

describe.each<Driver>(['filesystem', 'postgres'])(
  'collection racing pushes and deletes on three instances, %s driver',
  (driver) => {
    let db: TestDatabase;
    let pg: Client;
    let blobDir: string;
    let cluster: Cluster;
    let clients: ECRClient[];

    beforeAll(async () => {
      db = await createTestDatabase();
      pg = new Client({ connectionString: db.url });
      await pg.connect();
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-race-'));
      cluster = await Cluster.start({
        size: INSTANCES,
        databaseUrl: db.url,
        driver,
        blobDir,
        // The schedulers collect too, every 0.5–1.5 s, besides the loop below.
        env: { LAYER_GRACE: '2s', GC_INTERVAL: '1s' },
      });
      clients = cluster.urls.map((url) => ecrClient(url));
      await clients[0].send(new CreateRepositoryCommand({ repositoryName: REPO }));
    }, 120_000);

    afterAll(async () => {
      clients?.forEach((c) => c.destroy());
      await cluster?.stop();
      await pg?.end();
      await db?.drop();
      if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
    });

    it('loses no byte of any image stored, and leaves no orphan and no missing byte', async () => {
      const prng = new Prng(driver === 'filesystem' ? 0x6c : 0x9d);
      const pool: Blob[] = Array.from({ length: POOL }, () =>
        randomBlob(prng.int(8 * 1024, 64 * 1024)),
      );
      const images: TestImage[] = Array.from({ length: PUSHES }, (_, i) => {
        const picked = new Set<number>();
        while (picked.size < 3) picked.add(prng.int(0, POOL - 1));
        return imageOf(
          [...picked].map((p) => pool[p]),
          `push-${i}`,
        );
      });

      const stored: number[] = [];
      const deleted = new Set<number>();
      let retries = 0;
      let collections = 0;
      let collectedDuringPushes = 0;
      let pushing = true;

      const failures: string[] = [];
      const pushes = (async () => {
        let next = 0;
        try {
          await Promise.all(
            Array.from({ length: WORKERS }, async () => {
              while (next < PUSHES) {
                const i = next++;
                try {
                  const attempts = await pushImage(clients[i % INSTANCES], REPO, images[i], 50);
                  retries += attempts - 1;
                  stored.push(i);
                } catch (err) {
                  failures.push(`push ${i}: ${(err as Error).name}: ${(err as Error).message}`);
                }
              }
            }),
          );
        } finally {
          pushing = false;
        }
      })();

      // Half the images are deleted once stored, while other pushes reuse their layers.
      const deleter = (async () => {
        let n = 0;
        while (pushing || stored.some((i) => i % 2 === 0 && !deleted.has(i))) {
          if (!pushing && failures.length > 0) break;
          const victim = stored.find((i) => i % 2 === 0 && !deleted.has(i));
          if (victim === undefined) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          deleted.add(victim);
          const out = await clients[n++ % INSTANCES].send(
            new BatchDeleteImageCommand({
              repositoryName: REPO,
              imageIds: [{ imageTag: images[victim].tag }],
            }),
          );
          expect(out.failures).toEqual([]);
        }
      })();

      const collector = (async () => {
        while (pushing) {
          const report = await collectGarbage(cluster.url(collections++));
          collectedDuringPushes += report.layers;
        }
      })();

      await Promise.all([pushes, deleter, collector]);
      // What the loop and the schedulers left, once past the grace: nothing referenced goes,
      // the rest does.
      await new Promise((r) => setTimeout(r, 2500));
      await collectGarbage(cluster.url(0));
      console.log(
        `${driver}: ${PUSHES} pushes, ${deleted.size} images deleted, ${collections} collections ` +
          `in the loop removing ${collectedDuringPushes} layers, ${retries} PutImage refused with LayersNotFoundException and pushed again`,
      );

      expect(failures).toEqual([]);
      // The collections did race the pushes: they removed layers while images were being pushed.
      expect(collectedDuringPushes).toBeGreaterThan(0);
      expect(stored).toHaveLength(PUSHES);
      const kept = stored.filter((i) => !deleted.has(i));
      for (const i of kept) await expectPullsIdentical(clients[i % INSTANCES], REPO, images[i]);
      for (const i of deleted) {
        const got = await clients[0].send(
          new BatchGetImageCommand({
            repositoryName: REPO,
            imageIds: [{ imageTag: images[i].tag }],
          }),
        );
        expect(got.failures?.[0]?.failureCode).toBe('ImageNotFound');
      }

      const blobs = await verifyBlobs(pg, blobDir);
      expect(blobs.problems).toEqual([]);
      expect(await findOrphans(pg, blobDir)).toEqual(NO_ORPHANS);
      // Exactly what the kept images reference is stored, once.
      const referenced = new Set(
        kept.flatMap((i) => [images[i].config, ...images[i].layers].map((b) => b.digest)),
      );
      const { rows } = await pg.query<{ digest: string }>('SELECT digest FROM blobs');
      expect(rows.map((r) => r.digest).sort()).toEqual([...referenced].sort());
      const layers = await pg.query<{ digest: string }>('SELECT digest FROM layers');
      expect(layers.rows.map((r) => r.digest).sort()).toEqual([...referenced].sort());
    }, 60_000);
  },
);
