import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ecrClient } from './support/app';
import { Cluster, Driver } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import {
  complete,
  errorOf,
  initiate,
  layerBytes,
  MiB,
  pushLayer,
  sha256Digest,
  uploadPart,
  uploadParts,
} from './support/layers';
import {
  findOrphans,
  objectDir,
  orphanCount,
  verifyBlobs,
  NO_ORPHANS,
} from './support/storage-check';
import { bucketContents, deleteS3Object, getS3Object, putS3Object } from './support/s3-check';

const INSTANCES = 3;

/** The outcome of each of a set of concurrent SDK calls: 'ok' or the error's name. */
async function outcomes(calls: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(calls);
  return settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name));
}

function tally(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** A minimal image: a config blob and one layer, pushed, and its schema 2 manifest. */
async function pushSmallImage(client: ECRClient, repositoryName: string): Promise<string> {
  const layer = randomBytes(4096);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }),
  );
  await pushLayer(client, repositoryName, config);
  await pushLayer(client, repositoryName, layer);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256Digest(config),
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: sha256Digest(layer),
      },
    ],
  });
}

describe.each<Driver>(['postgres', 'filesystem', 's3'])(
  'three Berth processes on one PostgreSQL, %s driver',
  (driver) => {
    let db: TestDatabase;
    let pg: Client;
    let blobDir: string;
    let cluster: Cluster;
    let clients: ECRClient[] = [];
    const repo = 'shared/app';

    beforeAll(async () => {
      db = await createTestDatabase();
      pg = new Client({ connectionString: db.url });
      await pg.connect();
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-blobs-'));
      cluster = await Cluster.start({ size: INSTANCES, databaseUrl: db.url, driver, blobDir });
      clients = cluster.urls.map((url) => ecrClient(url));
      await clients[0].send(new CreateRepositoryCommand({ repositoryName: repo }));
    }, 120_000);

    afterAll(async () => {
      clients.forEach((c) => c.destroy());
      await cluster?.stop();
      await pg?.end();
      await db?.drop();
      if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
    });

    it('completes an upload whose parts go round-robin to the three instances', async () => {
      const sizes = [5 * MiB, 6 * MiB, 5 * MiB + 1, 7 * MiB, 5 * MiB, 5 * MiB];
      const data = layerBytes(sizes.reduce((a, b) => a + b, 0) + 12_345);
      const digest = sha256Digest(data);
      const uploadId = await initiate(clients[0], repo);
      // Seven parts: instance 0, 1, 2, 0, 1, 2, 0; completed on instance 1.
      await uploadParts(clients, repo, uploadId, data, sizes);
      expect(await complete(clients[1], repo, uploadId, [digest])).toBe(digest);

      // Read back through the third instance: the bytes every instance wrote are one layer.
      // (A layer is downloadable once an image references it.)
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
      await pushLayer(clients[0], repo, config);
      await clients[0].send(
        new PutImageCommand({
          repositoryName: repo,
          imageTag: 'round-robin',
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            config: {
              mediaType: 'application/vnd.docker.container.image.v1+json',
              size: config.length,
              digest: sha256Digest(config),
            },
            layers: [
              {
                mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
                size: data.length,
                digest,
              },
            ],
          }),
        }),
      );
      const { downloadUrl } = await clients[2].send(
        new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: digest }),
      );
      const res = await fetch(downloadUrl!);
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(body.length).toBe(data.length);
      expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(digest);
      const { rows } = await pg.query<{ part_sizes: string[] }>(
        'SELECT part_sizes FROM blobs WHERE digest = $1',
        [digest],
      );
      expect(rows[0].part_sizes.map(Number)).toEqual([...sizes, 12_345]);
    });

    it('of 64 concurrent completions of identical content, exactly one succeeds and one copy is stored', async () => {
      const data = layerBytes(512 * 1024);
      const digest = sha256Digest(data);
      const uploads = await Promise.all(
        Array.from({ length: 64 }, (_, i) => initiate(clients[i % INSTANCES], repo)),
      );
      await Promise.all(
        uploads.map((id, i) => uploadPart(clients[i % INSTANCES], repo, id, data, 0)),
      );
      const results = await outcomes(
        uploads.map((id, i) => complete(clients[(i + 1) % INSTANCES], repo, id, [digest])),
      );
      // No ServerException (a 5xx), no deadlock, no unique violation leaking out.
      expect(tally(results)).toEqual({ ok: 1, LayerAlreadyExistsException: 63 });

      const one = async (sql: string, params: unknown[] = []): Promise<number> =>
        Number((await pg.query<{ n: string }>(sql, params)).rows[0].n);
      expect(await one('SELECT count(*) AS n FROM blobs WHERE digest = $1', [digest])).toBe(1);
      expect(await one('SELECT count(*) AS n FROM layers WHERE digest = $1', [digest])).toBe(1);
      expect(
        await one('SELECT count(*) AS n FROM uploads WHERE id = ANY($1::uuid[])', [uploads]),
      ).toBe(0);

      // The 63 redundant copies are collected in the background by the instances that found
      // them; then exactly one stored copy remains, and it hashes to its digest.
      // (Generous: on s3 each removal is a few round trips to a loaded S3 server.)
      let report = await findOrphans(pg, blobDir, cluster.s3);
      for (const until = Date.now() + 60_000; orphanCount(report) > 0 && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 100));
        report = await findOrphans(pg, blobDir, cluster.s3);
      }
      expect(report).toEqual(NO_ORPHANS);
      const key = (
        await pg.query<{ storage_key: string }>('SELECT storage_key FROM blobs WHERE digest = $1', [
          digest,
        ])
      ).rows[0].storage_key;
      if (driver === 'filesystem') {
        const copies = fs
          .readdirSync(blobDir)
          .filter((p) => p !== '.tmp')
          .flatMap((p) => fs.readdirSync(path.join(blobDir, p)))
          .filter((k) => fs.readdirSync(path.join(blobDir, k.slice(0, 2), k)).length > 0);
        expect(copies).toContain(key);
        expect(await one('SELECT count(*) AS n FROM storage_objects')).toBe(copies.length);
      } else if (driver === 's3') {
        // One object per storage object row (the blobs of the tests before too), this one's among them.
        const rows = await pg.query<{ key: string }>(
          'SELECT key FROM storage_objects ORDER BY key',
        );
        const keys = rows.rows.map((r) => r.key);
        expect(keys).toContain(key);
        expect((await bucketContents(cluster.s3!)).objects.sort()).toEqual(keys);
      } else {
        expect(
          await one(
            'SELECT count(DISTINCT storage_key) AS n FROM blob_chunks WHERE storage_key = $1',
            [key],
          ),
        ).toBe(1);
      }
      expect(await one('SELECT count(*) AS n FROM storage_objects')).toBe(
        await one('SELECT count(*) AS n FROM blobs'),
      );
    });

    it('tells the other instances receiving the same part where the upload stands', async () => {
      const uploadId = await initiate(clients[0], repo);
      const part = layerBytes(5 * MiB);
      const settled = await Promise.allSettled(
        clients.map((c) => uploadPart(c, repo, uploadId, part, 0)),
      );
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      expect(errors.map((e) => e.name)).toEqual([
        'InvalidLayerPartException',
        'InvalidLayerPartException',
      ]);
      for (const err of errors) {
        expect((err as unknown as Record<string, unknown>).lastValidByteReceived).toBe(5 * MiB - 1);
      }
      const again = await errorOf(uploadPart(clients[2], repo, uploadId, part, 0));
      expect(again.name).toBe('InvalidLayerPartException');
      // The next part goes on from where the upload stands, on any instance.
      const next = layerBytes(1000);
      expect(await uploadPart(clients[1], repo, uploadId, next, 5 * MiB)).toBe(5 * MiB + 999);
      const all = Buffer.concat([part, next]);
      expect(await complete(clients[2], repo, uploadId, [sha256Digest(all)])).toBe(
        sha256Digest(all),
      );
    });

    it('moves one tag under concurrent PutImage calls from all three, ending on one image', async () => {
      const raceRepo = 'race/tags';
      await clients[0].send(new CreateRepositoryCommand({ repositoryName: raceRepo }));
      const manifests: string[] = [];
      for (let i = 0; i < 12; i++) manifests.push(await pushSmallImage(clients[i % 3], raceRepo));
      const digests = manifests.map((m) => sha256Digest(Buffer.from(m)));

      for (let round = 0; round < 4; round++) {
        const results = await outcomes(
          manifests.map((imageManifest, i) =>
            clients[(i + round) % INSTANCES].send(
              new PutImageCommand({ repositoryName: raceRepo, imageManifest, imageTag: 'latest' }),
            ),
          ),
        );
        // Every call moves the tag, except one that finds it on its own image already.
        expect(results.filter((r) => r !== 'ok' && r !== 'ImageAlreadyExistsException')).toEqual(
          [],
        );
        expect(results.filter((r) => r === 'ImageAlreadyExistsException').length).toBeLessThan(2);

        const rows = await pg.query<{ digest: string }>(
          `SELECT i.digest FROM image_tags t JOIN images i ON i.id = t.image_id
            JOIN repositories r ON r.id = t.repository_id
           WHERE r.name = $1 AND t.tag = 'latest'`,
          [raceRepo],
        );
        expect(rows.rows).toHaveLength(1);
        const holder = rows.rows[0].digest;
        // The last writer wins: the holder is an image whose call moved the tag this round.
        expect(results[digests.indexOf(holder)]).toBe('ok');
        for (const client of clients) {
          const got = await client.send(
            new BatchGetImageCommand({
              repositoryName: raceRepo,
              imageIds: [{ imageTag: 'latest' }],
            }),
          );
          expect(got.images?.map((i) => i.imageId?.imageDigest)).toEqual([holder]);
          const described = await client.send(
            new DescribeImagesCommand({ repositoryName: raceRepo }),
          );
          const tagged = (described.imageDetails ?? []).filter((d) =>
            d.imageTags?.includes('latest'),
          );
          expect(tagged.map((d) => d.imageDigest)).toEqual([holder]);
          expect(described.imageDetails).toHaveLength(12);
        }
      }
    });

    it('of concurrent PutImage calls naming one tag in an IMMUTABLE repository, exactly one wins', async () => {
      const immutable = 'race/immutable';
      await clients[1].send(
        new CreateRepositoryCommand({ repositoryName: immutable, imageTagMutability: 'IMMUTABLE' }),
      );
      const manifests: string[] = [];
      for (let i = 0; i < 12; i++) manifests.push(await pushSmallImage(clients[i % 3], immutable));
      const results = await outcomes(
        manifests.map((imageManifest, i) =>
          clients[i % INSTANCES].send(
            new PutImageCommand({ repositoryName: immutable, imageManifest, imageTag: 'v1' }),
          ),
        ),
      );
      expect(tally(results)).toEqual({ ok: 1, ImageTagAlreadyExistsException: 11 });
      const winner = sha256Digest(Buffer.from(manifests[results.indexOf('ok')]));
      const got = await clients[2].send(
        new BatchGetImageCommand({ repositoryName: immutable, imageIds: [{ imageTag: 'v1' }] }),
      );
      expect(got.images?.map((i) => i.imageId?.imageDigest)).toEqual([winner]);

      // One manifest sent by all three at once, untagged: one image, the rest already exist.
      const again = await outcomes(
        clients.flatMap((c) =>
          [0, 1].map(() =>
            c.send(new PutImageCommand({ repositoryName: immutable, imageManifest: manifests[0] })),
          ),
        ),
      );
      // Unless it won the tag above, the failed calls left no image of it behind.
      expect(tally(again)).toEqual(
        results[0] === 'ok'
          ? { ImageAlreadyExistsException: 6 }
          : { ok: 1, ImageAlreadyExistsException: 5 },
      );
    });

    it('answers PutImage racing BatchDeleteImage of the same image without a 5xx', async () => {
      const raceRepo = 'race/delete';
      await clients[2].send(new CreateRepositoryCommand({ repositoryName: raceRepo }));
      const imageManifest = await pushSmallImage(clients[0], raceRepo);
      const imageDigest = sha256Digest(Buffer.from(imageManifest));
      const seen: string[] = [];
      for (let round = 0; round < 40; round++) {
        const results = await outcomes([
          clients[round % INSTANCES].send(
            new PutImageCommand({ repositoryName: raceRepo, imageManifest, imageTag: 'race' }),
          ),
          clients[(round + 1) % INSTANCES].send(
            new PutImageCommand({ repositoryName: raceRepo, imageManifest, imageTag: 'other' }),
          ),
          clients[(round + 2) % INSTANCES].send(
            new BatchDeleteImageCommand({
              repositoryName: raceRepo,
              imageIds: [round % 2 === 0 ? { imageDigest } : { imageTag: 'race' }],
            }),
          ),
        ]);
        seen.push(...results);
        // Whatever the order, a tag never names a missing image.
        const dangling = await pg.query(
          `SELECT t.tag FROM image_tags t LEFT JOIN images i ON i.id = t.image_id
            WHERE i.id IS NULL`,
        );
        expect(dangling.rows).toEqual([]);
      }
      expect(seen.filter((r) => r !== 'ok' && r !== 'ImageAlreadyExistsException')).toEqual([]);
    });

    it('leaves every blob hashing to its digest and nothing orphaned', async () => {
      const blobs = await verifyBlobs(pg, blobDir, cluster.s3);
      expect(blobs.problems).toEqual([]);
      expect(blobs.checked).toBeGreaterThan(40);
      const report = await findOrphans(pg, blobDir, cluster.s3);
      // Uploads left open on purpose above are referenced, so nothing is an orphan.
      expect(orphanCount(report)).toBe(0);
    });

    it('has storage checks that see a changed byte, a missing part and every kind of orphan', async () => {
      const { rows } = await pg.query<{ digest: string; storage_key: string; parts: number }>(
        `SELECT digest, storage_key, cardinality(part_sizes) AS parts FROM blobs
          ORDER BY size DESC LIMIT 1`,
      );
      const { digest, storage_key: key, parts } = rows[0];
      const dir = objectDir(blobDir, key);
      const flip = async (): Promise<void> => {
        if (driver === 's3') {
          const bytes = await getS3Object(cluster.s3!, key);
          bytes[100] ^= 0xff;
          await putS3Object(cluster.s3!, key, bytes);
        } else if (driver === 'filesystem') {
          const file = path.join(dir, '0');
          const fd = fs.openSync(file, 'r+');
          const byte = Buffer.alloc(1);
          fs.readSync(fd, byte, 0, 1, 100);
          byte[0] ^= 0xff;
          fs.writeSync(fd, byte, 0, 1, 100);
          fs.closeSync(fd);
        } else {
          await pg.query(
            `UPDATE blob_chunks SET data = set_byte(data, 100, 255 - get_byte(data, 100))
              WHERE storage_key = $1 AND part_no = 0 AND chunk_no = 0`,
            [key],
          );
        }
      };
      await flip();
      expect((await verifyBlobs(pg, blobDir, cluster.s3)).problems).toEqual([
        expect.stringMatching(new RegExp(`^${digest}: the stored bytes hash to sha256:`)),
      ]);
      await flip();
      expect((await verifyBlobs(pg, blobDir, cluster.s3)).problems).toEqual([]);

      // Orphans of every kind, made by hand.
      const stray = randomUUID();
      await pg.query('INSERT INTO storage_objects (key, driver) VALUES ($1, $2)', [stray, driver]);
      const noRow = randomUUID();
      fs.mkdirSync(objectDir(blobDir, noRow), { recursive: true });
      fs.writeFileSync(path.join(objectDir(blobDir, noRow), '0'), 'x');
      fs.mkdirSync(path.join(blobDir, '.tmp'), { recursive: true });
      fs.writeFileSync(path.join(blobDir, '.tmp', `${noRow}.0.abc.tmp`), 'x');
      if (driver === 'filesystem') fs.writeFileSync(path.join(dir, String(parts)), 'x');
      else if (driver === 's3') {
        await putS3Object(cluster.s3!, `${key}.tail`, Buffer.from('x'));
        await putS3Object(cluster.s3!, noRow, Buffer.from('x'));
      } else {
        await pg.query(
          'INSERT INTO blob_chunks (storage_key, part_no, chunk_no, data) VALUES ($1, $2, 0, $3)',
          [key, parts, Buffer.from('x')],
        );
      }
      expect(await findOrphans(pg, blobDir, cluster.s3)).toEqual({
        unreferencedObjects: [`${stray} (${driver})`],
        directoriesWithoutRow: [noRow],
        chunksWithoutRow: [],
        strayParts: [
          {
            filesystem: `${key}/${parts} (filesystem)`,
            postgres: `${key}/${parts} (1 chunks)`,
            s3: `${key}.tail (object) of a blob`,
          }[driver],
        ],
        tempFiles: [`${noRow}.0.abc.tmp`],
        bucketWithoutRow: driver === 's3' ? [`${noRow} (object)`] : [],
      });

      // A part missing from storage is a problem of its blob.
      let away: Buffer | undefined;
      const missingPart = async (restore: boolean): Promise<void> => {
        if (driver === 's3') {
          if (restore) await putS3Object(cluster.s3!, key, away!);
          else {
            away = await getS3Object(cluster.s3!, key);
            await deleteS3Object(cluster.s3!, key);
          }
        } else if (driver === 'filesystem') {
          if (restore) fs.renameSync(`${path.join(dir, '0')}.away`, path.join(dir, '0'));
          else fs.renameSync(path.join(dir, '0'), `${path.join(dir, '0')}.away`);
        } else {
          await pg.query(
            'UPDATE blob_chunks SET part_no = $2 WHERE storage_key = $1 AND part_no = $3',
            restore ? [key, 0, 1000] : [key, 1000, 0],
          );
        }
      };
      await missingPart(false);
      expect((await verifyBlobs(pg, blobDir, cluster.s3)).problems).toContainEqual(
        expect.stringMatching(new RegExp(`^${digest}: `)),
      );
      await missingPart(true);

      // Clean up, and all is as it was.
      await pg.query('DELETE FROM storage_objects WHERE key = $1', [stray]);
      fs.rmSync(objectDir(blobDir, noRow), { recursive: true });
      fs.rmSync(path.join(blobDir, '.tmp', `${noRow}.0.abc.tmp`));
      if (driver === 'filesystem') fs.rmSync(path.join(dir, String(parts)));
      else if (driver === 's3') {
        await deleteS3Object(cluster.s3!, `${key}.tail`);
        await deleteS3Object(cluster.s3!, noRow);
      } else
        await pg.query('DELETE FROM blob_chunks WHERE storage_key = $1 AND part_no = $2', [
          key,
          parts,
        ]);
      expect(orphanCount(await findOrphans(pg, blobDir, cluster.s3))).toBe(0);
      expect((await verifyBlobs(pg, blobDir, cluster.s3)).problems).toEqual([]);
    });
  },
);
