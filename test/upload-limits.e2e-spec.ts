import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ecrClient, startTestApp, TestApp } from './support/app';
import { admin, createAccount } from './support/accounts';
import { Cluster } from './support/cluster';
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

/** The outcome of each of a set of concurrent calls: 'ok' or the error's name. */
async function outcomes(calls: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(calls);
  return settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name));
}

function tally(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

async function openUploads(db: Client, repositoryName?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM uploads u JOIN repositories r ON r.id = u.repository_id
      WHERE $1::text IS NULL OR r.name = $1`,
    [repositoryName ?? null],
  );
  return rows[0].n;
}

describe('the parts of an upload', () => {
  let t: TestApp;
  let ecr: ECRClient;
  const repo = 'limits/parts';

  beforeAll(async () => {
    t = await startTestApp({ MAX_LAYER_PARTS: '3' });
    ecr = t.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  });
  afterAll(() => t.close());

  it('answers LimitExceededException for the part past MAX_LAYER_PARTS; the parts before it complete', async () => {
    const data = layerBytes(3 * 5 * MiB);
    const uploadId = await initiate(ecr, repo);
    await uploadParts(ecr, repo, uploadId, data, [5 * MiB, 5 * MiB, 5 * MiB]);
    const err = await errorOf(uploadPart(ecr, repo, uploadId, Buffer.from('more'), 15 * MiB));
    expect(err.name).toBe('LimitExceededException');
    expect(err.message).toBe(
      `The upload with id '${uploadId}' already has 3 layer parts, the most an upload may have (3)`,
    );
    // Nothing of the refused part was kept: the layer is the three parts.
    expect(await complete(ecr, repo, uploadId, [sha256Digest(data)])).toBe(sha256Digest(data));
  });

  it('refuses, when it arrives, a part after one under 5 MiB, with where the upload stands', async () => {
    const first = layerBytes(MiB);
    const uploadId = await initiate(ecr, repo);
    expect(await uploadPart(ecr, repo, uploadId, first, 0)).toBe(MiB - 1);
    for (const next of [layerBytes(MiB), layerBytes(5 * MiB)]) {
      const err = await errorOf(uploadPart(ecr, repo, uploadId, next, MiB));
      expect(err.name).toBe('InvalidLayerPartException');
      expect(err.message).toBe(
        `All layer parts except the last part should be at least 5MB; the part ending at byte ${MiB - 1} holds ${MiB} bytes, so no part may follow it`,
      );
      expect(err).toMatchObject({
        registryId: t.config.registryId,
        repositoryName: repo,
        uploadId,
        lastValidByteReceived: MiB - 1,
      });
    }
    // The small part was the last one after all: the upload completes with it.
    expect(await complete(ecr, repo, uploadId, [sha256Digest(first)])).toBe(sha256Digest(first));
  });

  it('lets a part of exactly 5 MiB be followed, and not one a byte shorter', async () => {
    const data = layerBytes(5 * MiB + 10);
    const exact = await initiate(ecr, repo);
    await uploadParts(ecr, repo, exact, data, [5 * MiB, 10]);
    expect(await complete(ecr, repo, exact, [sha256Digest(data)])).toBe(sha256Digest(data));

    const short = await initiate(ecr, repo);
    await uploadPart(ecr, repo, short, data.subarray(0, 5 * MiB - 1), 0);
    const err = await errorOf(
      uploadPart(ecr, repo, short, data.subarray(5 * MiB - 1), 5 * MiB - 1),
    );
    expect(err.name).toBe('InvalidLayerPartException');
    expect(err).toMatchObject({ lastValidByteReceived: 5 * MiB - 2 });
  });
});

describe('uploads in progress per repository and per account', () => {
  let t: TestApp;
  let ecr: ECRClient;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({
      MAX_OPEN_UPLOADS_PER_REPOSITORY: '3',
      MAX_OPEN_UPLOADS_PER_ACCOUNT: '5',
    });
    ecr = t.client();
    db = new Client({ connectionString: t.db.url });
    await db.connect();
    for (const name of ['open/a', 'open/b', 'open/c', 'open/race'])
      await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });
  afterEach(async () => {
    // Each test starts with no upload in progress.
    await db.query('DELETE FROM uploads');
  });

  it('answers LimitExceededException past the per-repository limit; a finished upload frees its place', async () => {
    const ids = [await initiate(ecr, 'open/a'), await initiate(ecr, 'open/a')];
    ids.push(await initiate(ecr, 'open/a'));
    const err = await errorOf(initiate(ecr, 'open/a'));
    expect(err.name).toBe('LimitExceededException');
    expect(err.message).toBe(
      `The repository with name 'open/a' in registry with id '${t.config.registryId}' already has 3 layer uploads in progress, the most a repository may have (3); complete one, or wait until abandoned ones expire`,
    );
    expect(await openUploads(db, 'open/a')).toBe(3);
    // Another repository of the account still has room.
    await initiate(ecr, 'open/b');

    // A completed upload and an aborted one each free a place.
    const data = layerBytes(1000);
    await uploadPart(ecr, 'open/a', ids[0], data, 0);
    await complete(ecr, 'open/a', ids[0], [sha256Digest(data)]);
    await initiate(ecr, 'open/a');
    expect((await errorOf(initiate(ecr, 'open/a'))).name).toBe('LimitExceededException');
    expect((await admin(t.url, 'DELETE', `/admin/v1/uploads/${ids[1]}`)).status).toBe(204);
    await initiate(ecr, 'open/a');
  });

  it('answers LimitExceededException past the per-account limit, counting every repository; other accounts are unaffected', async () => {
    for (let i = 0; i < 3; i++) await initiate(ecr, 'open/a');
    for (let i = 0; i < 2; i++) await initiate(ecr, 'open/b');
    const err = await errorOf(initiate(ecr, 'open/c'));
    expect(err.name).toBe('LimitExceededException');
    expect(err.message).toBe(
      `The registry with id '${t.config.registryId}' already has 5 layer uploads in progress, the most an account may have (5); complete one, or wait until abandoned ones expire`,
    );
    expect(await openUploads(db)).toBe(5);

    const other = await createAccount(t.url);
    const otherEcr = t.client({ credentials: other.credentials });
    await otherEcr.send(new CreateRepositoryCommand({ repositoryName: 'open/a' }));
    for (let i = 0; i < 3; i++) await initiate(otherEcr, 'open/a');
    expect((await errorOf(initiate(otherEcr, 'open/a'))).name).toBe('LimitExceededException');
    expect((await errorOf(initiate(ecr, 'open/c'))).name).toBe('LimitExceededException');
  });

  it('of 24 concurrent initiations against a limit of 3, exactly 3 succeed and 3 uploads exist', async () => {
    const results = await outcomes(Array.from({ length: 24 }, () => initiate(ecr, 'open/race')));
    expect(tally(results)).toEqual({ ok: 3, LimitExceededException: 21 });
    expect(await openUploads(db, 'open/race')).toBe(3);
  });
});

describe('upload limits over three Berth processes on one PostgreSQL', () => {
  let db: TestDatabase;
  let pg: Client;
  let blobDir: string;
  let cluster: Cluster;
  let clients: ECRClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-limit-blobs-'));
    cluster = await Cluster.start({
      size: 3,
      databaseUrl: db.url,
      driver: 'postgres',
      blobDir,
      env: { MAX_OPEN_UPLOADS_PER_REPOSITORY: '4', MAX_OPEN_UPLOADS_PER_ACCOUNT: '7' },
    });
    clients = cluster.urls.map((url) => ecrClient(url));
    for (const name of ['spread/a', 'spread/b'])
      await clients[0].send(new CreateRepositoryCommand({ repositoryName: name }));
  }, 120_000);
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await cluster?.stop();
    await pg?.end();
    await db?.drop();
    if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('of 30 concurrent initiations spread over the instances, exactly the per-repository limit succeed', async () => {
    const results = await outcomes(
      Array.from({ length: 30 }, (_, i) => initiate(clients[i % 3], 'spread/a')),
    );
    expect(tally(results)).toEqual({ ok: 4, LimitExceededException: 26 });
    expect(await openUploads(pg, 'spread/a')).toBe(4);
  });

  it('the per-account limit holds too, with the account full from another repository', async () => {
    // spread/a holds 4 of the account's 7; of 30 racing for spread/b, 3 fit.
    const results = await outcomes(
      Array.from({ length: 30 }, (_, i) => initiate(clients[i % 3], 'spread/b')),
    );
    expect(tally(results)).toEqual({ ok: 3, LimitExceededException: 27 });
    expect(await openUploads(pg)).toBe(7);
  });
});
