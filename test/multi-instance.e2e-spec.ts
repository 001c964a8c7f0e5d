import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { FilesystemBlobStore } from '../src/storage/filesystem-blob.store';
import { ecrClient } from './support/app';
import { BerthProcess, startBerthProcess } from './support/berth-process';
import { createTestDatabase, TestDatabase } from './support/database';
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

describe.each(['postgres', 'filesystem'])(
  'two Berth processes on one PostgreSQL, %s driver',
  (driver) => {
    let db: TestDatabase;
    let pg: Client;
    let blobDir: string;
    const dataDirs: string[] = [];
    let instances: BerthProcess[] = [];
    let clients: ECRClient[] = [];
    const repo = 'shared/app';

    beforeAll(async () => {
      db = await createTestDatabase();
      pg = new Client({ connectionString: db.url });
      await pg.connect();
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-blobs-'));
      instances = await Promise.all(
        [0, 1].map(() =>
          startBerthProcess({
            DATABASE_URL: db.url,
            BLOB_STORE: driver,
            BLOB_DIR: blobDir,
            DATA_DIR:
              dataDirs[
                dataDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-instance-'))) - 1
              ],
          }),
        ),
      );
      clients = instances.map((i) => ecrClient(i.url));
      await clients[0].send(new CreateRepositoryCommand({ repositoryName: repo }));
    }, 120_000);

    afterAll(async () => {
      clients.forEach((c) => c.destroy());
      await Promise.all(instances.map((i) => i.stop()));
      await pg.end();
      await db.drop();
      for (const dir of [blobDir, ...dataDirs]) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('completes an upload whose parts alternate between the instances', async () => {
      const data = layerBytes(16 * MiB + 3);
      const uploadId = await initiate(clients[0], repo);
      await uploadParts(clients, repo, uploadId, data, [5 * MiB, 5 * MiB, 5 * MiB]);
      expect(await complete(clients[1], repo, uploadId, [sha256Digest(data)])).toBe(
        sha256Digest(data),
      );
    });

    it('of 32 concurrent completions of identical content across both, exactly one succeeds and one copy is stored', async () => {
      const data = layerBytes(512 * 1024);
      const digest = sha256Digest(data);
      const uploads = await Promise.all(
        Array.from({ length: 32 }, (_, i) => initiate(clients[i % 2], repo)),
      );
      await Promise.all(uploads.map((id, i) => uploadPart(clients[i % 2], repo, id, data, 0)));
      const results = await Promise.allSettled(
        uploads.map((id, i) => complete(clients[(i + 1) % 2], repo, id, [digest])),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      expect(ok).toHaveLength(1);
      expect(errors.map((e) => e.name)).toEqual(Array(31).fill('LayerAlreadyExistsException'));

      const one = async (sql: string, params: unknown[]): Promise<number> =>
        Number((await pg.query<{ n: string }>(sql, params)).rows[0].n);
      expect(await one('SELECT count(*) AS n FROM blobs WHERE digest = $1', [digest])).toBe(1);
      expect(await one('SELECT count(*) AS n FROM layers WHERE digest = $1', [digest])).toBe(1);
      expect(
        await one('SELECT count(*) AS n FROM uploads WHERE id = ANY($1::uuid[])', [uploads]),
      ).toBe(0);

      // The redundant copies are collected in the background by the instances that found them.
      const orphans = (): Promise<number> =>
        one(
          `SELECT count(*) AS n FROM storage_objects s
          WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = s.key)
            AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.storage_key = s.key)`,
          [],
        );
      for (let i = 0; i < 100 && (await orphans()) > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await orphans()).toBe(0);
      if (driver === 'filesystem') {
        const onDisk = await new FilesystemBlobStore(blobDir).listKeys();
        const known = (await pg.query<{ key: string }>('SELECT key FROM storage_objects')).rows.map(
          (r) => r.key,
        );
        expect(onDisk.filter((k) => !known.includes(k))).toEqual([]);
      } else {
        expect(
          await one(
            'SELECT count(DISTINCT storage_key) AS n FROM blob_chunks WHERE storage_key IN (SELECT storage_key FROM blobs WHERE digest = $1)',
            [digest],
          ),
        ).toBe(1);
      }
    });

    it('tells the second of two instances receiving the same part where the upload stands', async () => {
      const uploadId = await initiate(clients[0], repo);
      const part = layerBytes(2 * MiB);
      const results = await Promise.allSettled(
        clients.map((c) => uploadPart(c, repo, uploadId, part, 0)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const err = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))[0];
      expect(err.name).toBe('InvalidLayerPartException');
      expect((err as unknown as Record<string, unknown>).lastValidByteReceived).toBe(2 * MiB - 1);
      const again = await errorOf(uploadPart(clients[1], repo, uploadId, part, 0));
      expect(again.name).toBe('InvalidLayerPartException');
    });
  },
);
