import {
  BatchCheckLayerAvailabilityCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { admin } from './support/accounts';
import { ecrClient } from './support/app';
import { Cluster } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import { errorCode, v2Request } from './support/oci-http';
import { pushLayer, sha256Digest } from './support/layers';

/**
 * Far beyond any wait below: a stale answer that ends within BOUND_MS was ended by the
 * notification of the change, not by the entry's expiry.
 */
const CACHE_TTL = '120s';
/** How long another instance may still answer from before a change (docs/performance.md). */
const BOUND_MS = 5000;

type Availability = 'AVAILABLE' | 'UNAVAILABLE' | 'RepositoryNotFoundException';

async function availability(
  client: ECRClient,
  repositoryName: string,
  digest: string,
): Promise<Availability> {
  try {
    const out = await client.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [digest] }),
    );
    return out.layers![0].layerAvailability as 'AVAILABLE' | 'UNAVAILABLE';
  } catch (err) {
    if ((err as Error).name === 'RepositoryNotFoundException')
      return (err as Error).name as Availability;
    throw err;
  }
}

/** Polls `probe` until it answers `want`; answers how long that took, or fails past BOUND_MS. */
async function within<T>(probe: () => Promise<T>, want: T): Promise<number> {
  const started = Date.now();
  for (;;) {
    const got = await probe();
    if (got === want) return Date.now() - started;
    if (Date.now() - started > BOUND_MS) {
      throw new Error(`still ${String(got)} instead of ${String(want)} after ${BOUND_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('layer checks cached on each of two instances on one PostgreSQL', () => {
  let db: TestDatabase;
  let pg: Client;
  let blobDir: string;
  let cluster: Cluster;
  let a: ECRClient;
  let b: ECRClient;
  let basic: string;

  const head = async (url: string, repo: string, digest: string): Promise<number> =>
    (
      await v2Request(url, 'HEAD', `/v2/${repo}/blobs/${digest}`, {
        headers: { authorization: basic },
      })
    ).status;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layer-cache-'));
    cluster = await Cluster.start({
      size: 2,
      databaseUrl: db.url,
      driver: 'postgres',
      blobDir,
      // Collections run when the test asks, and take every unreferenced layer.
      env: { LAYER_CACHE_TTL: CACHE_TTL, LAYER_GRACE: '0s', GC_INTERVAL: '1h' },
    });
    a = ecrClient(cluster.url(0));
    b = ecrClient(cluster.url(1));
    const token = await a.send(new GetAuthorizationTokenCommand({}));
    basic = `Basic ${token.authorizationData![0].authorizationToken}`;
  }, 120_000);

  afterAll(async () => {
    a?.destroy();
    b?.destroy();
    await cluster?.stop();
    await pg?.end();
    await db?.drop();
    if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
  });

  async function repositoryWithLayer(): Promise<{ repo: string; digest: string }> {
    const repo = `cache/${randomBytes(4).toString('hex')}`;
    await a.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const digest = await pushLayer(a, repo, randomBytes(2048));
    // Both instances have read it, and keep it.
    for (let i = 0; i < 2; i++) {
      expect(await availability(a, repo, digest)).toBe('AVAILABLE');
      expect(await head(cluster.url(0), repo, digest)).toBe(200);
    }
    expect(await availability(b, repo, digest)).toBe('AVAILABLE');
    return { repo, digest };
  }

  it('answers from its cache until the notification of a change arrives', async () => {
    const { repo, digest } = await repositoryWithLayer();
    // Deleted with the triggers off: nobody is told.
    await pg.query('BEGIN');
    await pg.query('SET LOCAL session_replication_role = replica');
    await pg.query('DELETE FROM layers WHERE digest = $1', [digest]);
    await pg.query('COMMIT');
    expect(await availability(a, repo, digest)).toBe('AVAILABLE');
    expect(await head(cluster.url(0), repo, digest)).toBe(200);
    // What the trigger would have sent.
    await pg.query(
      `SELECT pg_notify('berth_layer_changes', id::text) FROM repositories WHERE name = $1`,
      [repo],
    );
    await within(() => availability(a, repo, digest), 'UNAVAILABLE');
    await within(() => head(cluster.url(0), repo, digest), 404);
  });

  it('stops reporting on A, within the bound, a layer that a collection on B removed', async () => {
    const { repo, digest } = await repositoryWithLayer();
    const report = await admin<{ layersDeleted?: number }>(
      cluster.url(1),
      'POST',
      '/admin/v1/maintenance/collect-garbage',
      {},
    );
    expect(report.status).toBe(200);
    const rows = await pg.query('SELECT 1 FROM layers WHERE digest = $1', [digest]);
    expect(rows.rowCount).toBe(0);
    await within(() => availability(a, repo, digest), 'UNAVAILABLE');
    await within(() => head(cluster.url(0), repo, digest), 404);
  });

  it('stops reporting on A the layers of a repository that B deleted with force', async () => {
    const { repo, digest } = await repositoryWithLayer();
    await b.send(new DeleteRepositoryCommand({ repositoryName: repo, force: true }));
    await within(() => availability(a, repo, digest), 'RepositoryNotFoundException');
    const res = await v2Request(cluster.url(0), 'GET', `/v2/${repo}/blobs/${digest}`, {
      headers: { authorization: basic },
    });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('NAME_UNKNOWN');
    expect(await head(cluster.url(0), repo, digest)).toBe(404);
    // A repository of the same name is another repository: none of the old layers are in it.
    await b.send(new CreateRepositoryCommand({ repositoryName: repo }));
    expect(await availability(a, repo, digest)).toBe('UNAVAILABLE');
    expect(await head(cluster.url(0), repo, digest)).toBe(404);
  });

  it('reports a layer at once on the instance that completed it', async () => {
    const repo = `cache/${randomBytes(4).toString('hex')}`;
    await a.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const data = randomBytes(4096);
    const digest = sha256Digest(data);
    // docker's flow: HEAD (absent, and now cached so on both), upload, HEAD again.
    for (const [client, url] of [
      [a, cluster.url(0)],
      [b, cluster.url(1)],
    ] as const) {
      expect(await head(url, repo, digest)).toBe(404);
      expect(await availability(client, repo, digest)).toBe('UNAVAILABLE');
    }
    expect(await pushLayer(a, repo, data)).toBe(digest);
    // No wait on the instance that completed it.
    expect(await head(cluster.url(0), repo, digest)).toBe(200);
    expect(await availability(a, repo, digest)).toBe('AVAILABLE');
    // (The other instance may answer from its entry until LAYER_CACHE_TTL: additions notify
    // nothing, see the migration LayerChangeNotifications; layer-cache.spec.ts proves the TTL.)
  });

  it('reads the database while its listening connection is gone, and listens again', async () => {
    const { repo, digest } = await repositoryWithLayer();
    const cut = await pg.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN berth_layer_changes'`,
    );
    expect(cut.rowCount).toBe(2);
    await b.send(new DeleteRepositoryCommand({ repositoryName: repo, force: true }));
    await within(() => availability(a, repo, digest), 'RepositoryNotFoundException');

    // Listening again, the instances are told of changes as before.
    const listening = async (): Promise<number> =>
      Number(
        (
          await pg.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND query = 'LISTEN berth_layer_changes'`,
          )
        ).rows[0].n,
      );
    await within(listening, 2);
    const again = await repositoryWithLayer();
    await b.send(new DeleteRepositoryCommand({ repositoryName: again.repo, force: true }));
    await within(() => availability(a, again.repo, again.digest), 'RepositoryNotFoundException');
  });
});
