import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ecrClient } from './support/app';
import { Cluster } from './support/cluster';
import { createTestDatabase, TestDatabase } from './support/database';
import { Blob, download, imageOf, randomBlob, TestImage } from './support/gc';
import { applyLifecyclePolicies, keepNewest, pushImageTagged } from './support/lifecycle';

const REPOSITORIES = 6;
const IMAGES_PER_REPOSITORY = 5;

/** `berth_gc_removed_total{kind="images"}` of one instance. */
async function imagesRemoved(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('berth_gc_removed_total{kind="images"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

interface Fixture {
  repo: string;
  shared: Blob;
  images: TestImage[];
  /** What the policy expires: all but the newest two tagged and the newest untagged. */
  doomed: string[];
  kept: TestImage[];
}

/**
 * Pushes REPOSITORIES repositories of IMAGES_PER_REPOSITORY images (tagged, untagged, tagged,
 * …), every image of a repository sharing one layer, each with a policy keeping the newest two
 * tagged and the newest untagged image.
 */
async function populate(client: ECRClient, prefix: string): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (let r = 0; r < REPOSITORIES; r++) {
    const repo = `${prefix}/r${r}`;
    await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
    const shared = randomBlob(20_000);
    const images: TestImage[] = [];
    for (let i = 0; i < IMAGES_PER_REPOSITORY; i++) {
      const image = imageOf([shared, randomBlob(3000)], `v-${i}`);
      await pushImageTagged(client, repo, image, i % 2 === 0 ? image.tag : undefined);
      images.push(image);
    }
    // Tagged: 0, 2, 4 (4 and 2 stay); untagged: 1, 3 (3 stays).
    fixtures.push({
      repo,
      shared,
      images,
      doomed: [images[0].digest, images[1].digest].sort(),
      kept: [images[2], images[3], images[4]],
    });
  }
  return fixtures;
}

async function putPolicies(client: ECRClient, fixtures: Fixture[]): Promise<void> {
  for (const f of fixtures) {
    await client.send(
      new PutLifecyclePolicyCommand({
        repositoryName: f.repo,
        lifecyclePolicyText: keepNewest('v-', 2, 1),
      }),
    );
  }
}

/** The images of the repository left, their shared layer still downloads with every other. */
async function expectOnlyKept(client: ECRClient, f: Fixture): Promise<void> {
  const out = await client.send(new DescribeImagesCommand({ repositoryName: f.repo }));
  expect((out.imageDetails ?? []).map((d) => d.imageDigest).sort()).toEqual(
    f.kept.map((i) => i.digest).sort(),
  );
  for (const image of f.kept) {
    for (const blob of [image.config, ...image.layers]) {
      expect((await download(client, f.repo, blob.digest)).equals(blob.data)).toBe(true);
    }
  }
}

/** Two processes on one database and blob directory, with `env`. */
function twoInstances(env: Record<string, string>): {
  cluster: () => Cluster;
  clients: () => ECRClient[];
  pg: () => Client;
} {
  let db: TestDatabase;
  let pg: Client;
  let blobDir: string;
  let cluster: Cluster;
  let clients: ECRClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lifecycle-blobs-'));
    cluster = await Cluster.start({
      size: 2,
      databaseUrl: db.url,
      driver: 'filesystem',
      blobDir,
      env: { LAYER_GRACE: '0', ...env },
    });
    clients = cluster.urls.map((url) => ecrClient(url));
  }, 120_000);

  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await cluster?.stop();
    await pg?.end();
    await db?.drop();
    if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
  });

  return { cluster: () => cluster, clients: () => clients, pg: () => pg };
}

async function totalImagesRemoved(cluster: Cluster): Promise<number> {
  return (await Promise.all(cluster.urls.map(imagesRemoved))).reduce((a, b) => a + b, 0);
}

describe('two Berth processes applying lifecycle policies on demand at once', () => {
  // The periodic evaluation first runs half an hour or more after the start: not in this test.
  const env = twoInstances({ LIFECYCLE_INTERVAL: '1h' });

  it('between their two answers every doomed image is expired exactly once', async () => {
    const cluster = env.cluster();
    const clients = env.clients();
    const fixtures = await populate(clients[0], 'ondemand');
    await putPolicies(clients[1], fixtures);
    const before = await totalImagesRemoved(cluster);
    const runs = await Promise.all(cluster.urls.map((url) => applyLifecyclePolicies(url)));

    const expiredBy = new Map<string, number>();
    for (const run of runs) {
      expect(run.failed).toBe(0);
      for (const r of run.repositories) {
        for (const e of r.expired) {
          expiredBy.set(e.imageDigest, (expiredBy.get(e.imageDigest) ?? 0) + 1);
        }
      }
    }
    const doomed = fixtures.flatMap((f) => f.doomed).sort();
    // Each doomed image is in exactly one of the two answers, and nothing else is.
    expect([...expiredBy.keys()].sort()).toEqual(doomed);
    expect([...expiredBy.values()].every((n) => n === 1)).toBe(true);
    expect(runs[0].images + runs[1].images).toBe(doomed.length);
    // Counted where the rows are deleted, too.
    expect((await totalImagesRemoved(cluster)) - before).toBe(doomed.length);
    const { rows } = await env
      .pg()
      .query<{ digest: string }>('SELECT digest FROM images WHERE digest = ANY($1::varchar[])', [
        doomed,
      ]);
    expect(rows).toEqual([]);
    for (const f of fixtures) await expectOnlyKept(clients[1], f);
  });
});

describe('two Berth processes evaluating lifecycle policies periodically', () => {
  // Both schedulers tick every 0.5–1.5 s.
  const env = twoInstances({ LIFECYCLE_INTERVAL: '1s' });

  it('every repository is evaluated by one of them, each doomed image expired once', async () => {
    const cluster = env.cluster();
    const clients = env.clients();
    const fixtures = await populate(clients[1], 'periodic');
    const before = await totalImagesRemoved(cluster);
    await putPolicies(clients[0], fixtures);
    const deadline = Date.now() + 60_000;
    for (const f of fixtures) {
      for (;;) {
        const policy = await clients[0].send(
          new GetLifecyclePolicyCommand({ repositoryName: f.repo }),
        );
        if (policy.lastEvaluatedAt) break;
        if (Date.now() > deadline) throw new Error(`${f.repo} was never evaluated`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // A few more ticks of both, each policy due again every second: nothing more is expired.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await totalImagesRemoved(cluster)) - before).toBe(fixtures.length * 2);
    for (const f of fixtures) await expectOnlyKept(clients[0], f);
  });
});
