/**
 * The scale scenario (`npm run bench -- --scenarios=scale`): a catalogue seeded with SQL (one
 * account, 1,000 repositories, N images of 3 blobs each from a pool of 0.3×N, 0.9×N tags), then
 * garbage (unreferenced layers and blobs older than LAYER_GRACE, queued as a deletion queues
 * them), measured at each size of `--scale-images` (default 100000):
 *
 * - the reads (DescribeImages of up to 1,000 images, BatchGetImage of 100 tags,
 *   BatchCheckLayerAvailability of 100 digests) idle, and DescribeImages during a collection;
 * - the dry run; the collection of 5,000 then of 50,000 garbage layers; a reconciliation pass;
 * - a lifecycle apply of about 1,000 expiries;
 * - storage accounting (the accounts and repositories pages, the metrics scrape);
 * - PostgreSQL CPU of the database's backends while Berth is idle (GC_INTERVAL 5s);
 * - the EXPLAIN (ANALYZE, BUFFERS) of the collection's hot statements.
 *
 * The catalogue is written with triggers off (a steady state: every pushed layer reviewed long
 * ago), the garbage with triggers on, as the deletions that made it would have queued it.
 */
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { GC_BATCH } from '../src/gc/garbage-collector.service';
import { ESTIMATE_SQL } from '../src/gc/gc.repository';
import { createDatabase, dropDatabase, newSecrets, PROJECT_ROOT, startBerth } from './berth-server';
import { ACCOUNT_ID, ecrClient } from './layers';
import type { BenchOptions } from './options';
import { percentile, summarize, type LatencySummary as Summary } from './stats';

type LatencySummary = Summary & { p95: number };

function lat(values: number[]): LatencySummary {
  return { ...summarize(values), p95: percentile(values, 95) };
}

const REPOSITORIES = 1000;
const GRACE = '1h';

export interface ScaleSize {
  images: number;
  seedSeconds: number;
  reads: {
    describeImages: LatencySummary & { images: number };
    batchGetImage: LatencySummary;
    batchCheckLayerAvailability: LatencySummary;
  };
  dryRun: { seconds: number; layers: number; blobs: number };
  collect5k: { seconds: number; layers: number; blobs: number };
  collect50k: { seconds: number; layers: number; blobs: number };
  describeDuringCollection: LatencySummary;
  reconciliation: { seconds: number; read: number; fed: number };
  lifecycleApply: { seconds: number; images: number };
  accounting: { accountsMs: number; repositoriesMs: number; metricsMs: number };
  idlePostgresCpuPercent: number;
  explain: Record<string, string>;
}

export interface ScaleResults {
  startedAt: string;
  sizes: ScaleSize[];
  notes: string[];
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const DIGEST = (prefix: string, n: string): string =>
  `'sha256:' || encode(sha256(convert_to('${prefix}' || ${n}, 'UTF8')), 'hex')`;

/** Seeds the catalogue: N images in 1,000 repositories, blobs from a pool of 0.3×N. */
async function seed(pg: Client, images: number): Promise<void> {
  const pool = Math.round(images * 0.3);
  await pg.query('BEGIN');
  await pg.query('SET LOCAL session_replication_role = replica');
  await pg.query(
    `INSERT INTO storage_objects (key, driver)
     SELECT md5('o' || g)::uuid, 'postgres' FROM generate_series(1, $1) g`,
    [pool],
  );
  await pg.query(
    `INSERT INTO blobs (digest, size, storage_key, part_sizes)
     SELECT ${DIGEST('b', 'g')}, 1000 + g % 5000, md5('o' || g)::uuid, ARRAY[1000 + g % 5000]::bigint[]
       FROM generate_series(1, $1) g`,
    [pool],
  );
  await pg.query(
    `INSERT INTO repositories (registry_id, name)
     SELECT $1, 'scale/r' || g FROM generate_series(0, ${REPOSITORIES - 1}) g`,
    [ACCOUNT_ID],
  );
  await pg.query(`CREATE TEMP TABLE repo_map AS
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM repositories WHERE name LIKE 'scale/r%'`);
  // Image g: repository g % 1000, blobs (3g + k) % pool.
  await pg.query(
    `INSERT INTO images (repository_id, digest, manifest, media_type, size, pushed_at)
     SELECT r.id, ${DIGEST('i', 'g')},
            convert_to(format('{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1000,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1000,"digest":"%s"},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1000,"digest":"%s"}]}',
              ${DIGEST('b', '((3 * g) % $2 + 1)')}, ${DIGEST('b', '((3 * g + 1) % $2 + 1)')}, ${DIGEST('b', '((3 * g + 2) % $2 + 1)')}), 'UTF8'),
            'application/vnd.docker.distribution.manifest.v2+json', 3000,
            now() - make_interval(secs => $1 - g)
       FROM generate_series(1, $1) g JOIN repo_map r ON r.n = g % ${REPOSITORIES}
      ORDER BY g`,
    [images, pool],
  );
  await pg.query(`CREATE TEMP TABLE image_map AS
    SELECT id, row_number() OVER (ORDER BY id) AS g, repository_id FROM images`);
  await pg.query(
    `INSERT INTO image_layers (image_id, repository_id, digest, media_type)
     SELECT m.id, m.repository_id, ${DIGEST('b', '((3 * m.g + k) % $1 + 1)')}, 'application/vnd.docker.image.rootfs.diff.tar.gzip'
       FROM image_map m, generate_series(0, 2) k`,
    [pool],
  );
  await pg.query(
    `INSERT INTO image_tags (repository_id, tag, image_id)
     SELECT repository_id, 't' || g, id FROM image_map WHERE g % 10 <> 0`,
  );
  await pg.query(
    `INSERT INTO layers (repository_id, digest, size, media_type, created_at)
     SELECT il.repository_id, il.digest, 1000, 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            now() - interval '2 days'
       FROM (SELECT DISTINCT repository_id, digest FROM image_layers) il`,
  );
  // The pass after the upgrade has run: measured below on demand.
  await pg.query(`UPDATE gc_reconciliation SET due_at = now() + interval '1 day'`);
  await pg.query('COMMIT');
  await pg.query('ANALYZE');
}

/** Unreferenced layers and blobs older than the grace, queued as deletions queue them. */
async function seedGarbage(pg: Client, from: number, count: number): Promise<void> {
  await pg.query('BEGIN');
  await pg.query(
    `INSERT INTO storage_objects (key, driver)
     SELECT md5('go' || g)::uuid, 'postgres' FROM generate_series($1::int, $2::int) g`,
    [from, from + count - 1],
  );
  await pg.query(
    `INSERT INTO blobs (digest, size, storage_key, part_sizes)
     SELECT ${DIGEST('garbage', 'g')}, 2000, md5('go' || g)::uuid, ARRAY[2000]::bigint[]
       FROM generate_series($1::int, $2::int) g`,
    [from, from + count - 1],
  );
  // Triggers on: each layer is queued (since = its created_at, past the grace).
  await pg.query(
    `INSERT INTO layers (repository_id, digest, size, media_type, created_at)
     SELECT r.id, ${DIGEST('garbage', 'g')}, 2000, 'application/octet-stream', now() - interval '2 days'
       FROM generate_series($1::int, $2::int) g
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM repositories) r
         ON r.n = g % ${REPOSITORIES}`,
    [from, from + count - 1],
  );
  // Their uploads went: the upload deletion queued the blobs and objects, as completions do.
  await pg.query('COMMIT');
  await pg.query('ANALYZE gc_layer_reviews');
}

async function pgCpuSeconds(pg: Client, db: string): Promise<number> {
  const { rows } = await pg.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [db],
  );
  const tick = 100;
  let total = 0;
  for (const { pid } of rows) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // The backend ended.
    }
  }
  return total;
}

async function explain(pg: Client, label: string, sql: string, params: unknown[]): Promise<string> {
  await pg.query('BEGIN');
  try {
    const { rows } = await pg.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
      params,
    );
    return `-- ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`;
  } finally {
    await pg.query('ROLLBACK');
  }
}

async function hotStatements(pg: Client): Promise<Record<string, string>> {
  const ids = (
    await pg.query<{ layer_id: string }>(
      `SELECT layer_id FROM gc_layer_reviews ORDER BY since, id LIMIT ${GC_BATCH}`,
    )
  ).rows.map((r) => r.layer_id);
  const referenced = (
    await pg.query<{ id: string }>(`SELECT id FROM layers ORDER BY id LIMIT ${GC_BATCH}`)
  ).rows.map((r) => r.id);
  const digests = (
    await pg.query<{ digest: string }>(
      `SELECT l.digest FROM layers l WHERE l.id = ANY($1::bigint[])`,
      [ids],
    )
  ).rows.map((r) => r.digest);
  const probe = `NOT EXISTS (SELECT 1 FROM image_layers il WHERE il.repository_id = l.repository_id AND il.digest = l.digest)`;
  const blobProbe = `NOT EXISTS (SELECT 1 FROM layers l WHERE l.digest = b.digest)
    AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.storage_key)`;
  const out: Record<string, string> = {};
  out.takeLayerReviews = await explain(
    pg,
    'take due layer reviews (keyset, SKIP LOCKED)',
    `SELECT q.id, q.layer_id FROM gc_layer_reviews q
      WHERE q.since <= now() - make_interval(secs => 3600)
        AND ($1::timestamptz IS NULL OR (q.since, q.id) > ($1::timestamptz, $2::bigint))
      ORDER BY q.since, q.id LIMIT ${GC_BATCH} FOR UPDATE SKIP LOCKED`,
    [null, null],
  );
  out.lockGarbageLayers = await explain(
    pg,
    'lock the unreferenced layers among them (one probe each)',
    `SELECT l.id FROM layers l WHERE l.id = ANY($1::bigint[])
        AND l.created_at <= now() - make_interval(secs => 3600) AND ${probe}
      ORDER BY l.id FOR UPDATE OF l SKIP LOCKED`,
    [ids],
  );
  out.lockReferencedLayers = await explain(
    pg,
    `the same on ${GC_BATCH} referenced layers (the probe finds a reference)`,
    `SELECT l.id FROM layers l WHERE l.id = ANY($1::bigint[]) AND ${probe}
      ORDER BY l.id FOR UPDATE OF l SKIP LOCKED`,
    [referenced],
  );
  out.deleteLayers = await explain(
    pg,
    'delete them (a fresh snapshot checks again; the trigger queues their blobs)',
    `DELETE FROM layers l WHERE l.id = ANY($1::bigint[]) AND ${probe} RETURNING l.id`,
    [ids],
  );
  out.lockGarbageBlobs = await explain(
    pg,
    'lock unreferenced blobs (two probes each)',
    `SELECT b.digest FROM blobs b WHERE b.digest = ANY($1::varchar[]) AND ${blobProbe}
      ORDER BY b.digest FOR UPDATE OF b SKIP LOCKED`,
    [digests],
  );
  out.estimate = await explain(pg, 'dry run (from the queues)', ESTIMATE_SQL, [3600]);
  out.reconcileLayers = await explain(
    pg,
    'one reconciliation batch of layers (keyset, 5,000 rows)',
    `WITH batch AS MATERIALIZED (
       SELECT id, repository_id, digest, created_at FROM layers
        WHERE id > coalesce($1::bigint, 0) ORDER BY id LIMIT 5000),
     fed AS (
       INSERT INTO gc_layer_reviews (layer_id, since)
       SELECT l.id, l.created_at FROM batch l
        WHERE ${probe} AND NOT EXISTS (SELECT 1 FROM gc_layer_reviews q WHERE q.layer_id = l.id)
       RETURNING 1)
     SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM fed)`,
    [referenced[100]],
  );
  return out;
}

async function measureSize(
  options: BenchOptions,
  tmpRoot: string,
  images: number,
  log: (line: string) => void,
): Promise<ScaleSize> {
  const dbName = `berth_bench_scale_${process.pid}_${images}`;
  const url = await createDatabase(options.adminUrl, dbName);
  const dataDir = path.join(tmpRoot, `scale-${images}`);
  const secrets = newSecrets();
  const start = (env: Record<string, string>) =>
    startBerth({
      driver: 'postgres',
      secrets,
      databaseUrl: url,
      dataDir,
      logPath: path.join(tmpRoot, `scale-${images}.log`),
      readyTimeoutMs: 600_000,
      env: { LAYER_GRACE: GRACE, ...env },
    });
  let server = await start({ GC_INTERVAL: '1d' });
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const adminCall = async (method: string, p: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${secrets.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  let ecr: ECRClient | undefined;
  try {
    log(`scale ${images}: seeding`);
    const [, seedSeconds] = await timed(() => seed(pg, images));
    log(`scale ${images}: seeded in ${seedSeconds.toFixed(1)} s`);
    ecr = ecrClient(server.url);
    const client = ecr;
    const repo = 'scale/r1';
    const tags = Array.from({ length: 100 }, (_, i) => ({
      imageTag: `t${1 + REPOSITORIES * i}`,
    }));
    const digests = (
      await pg.query<{ digest: string }>(
        `SELECT digest FROM layers WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) LIMIT 100`,
        [repo],
      )
    ).rows.map((r) => r.digest);
    let described = 0;
    const describe = async (): Promise<void> => {
      const out = await client.send(
        new DescribeImagesCommand({ repositoryName: repo, maxResults: 1000 }),
      );
      described = out.imageDetails?.length ?? 0;
    };
    await describe();
    const reads = {
      describeImages: { ...lat(await latencies(20, describe)), images: described },
      batchGetImage: lat(
        await latencies(20, () =>
          client.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: tags })),
        ),
      ),
      batchCheckLayerAvailability: lat(
        await latencies(20, () =>
          client.send(
            new BatchCheckLayerAvailabilityCommand({ repositoryName: repo, layerDigests: digests }),
          ),
        ),
      ),
    };
    log(`scale ${images}: reads ${JSON.stringify(reads)}`);

    let explainOut: Record<string, string> = {};
    const collectRun = async (from: number, count: number, plans: boolean) => {
      await seedGarbage(pg, from, count);
      // The statements' plans with the garbage queued (EXPLAIN ANALYZE in rolled-back transactions).
      if (plans) explainOut = await hotStatements(pg);
      const [dry, drySeconds] = await timed(
        () =>
          adminCall('POST', '/admin/v1/maintenance/collect-garbage', { dryRun: true }) as Promise<{
            layers: number;
            blobs: number;
          }>,
      );
      const during: number[] = [];
      let running = true;
      const sampler = (async () => {
        while (running) {
          const t0 = performance.now();
          try {
            await describe();
            during.push(performance.now() - t0);
          } catch {
            // A kept-alive socket the server closed while idle: not a latency, retried.
          }
        }
      })();
      const [report, seconds] = await timed(
        () =>
          adminCall('POST', '/admin/v1/maintenance/collect-garbage', {}) as Promise<{
            layers: number;
            blobs: number;
          }>,
      );
      running = false;
      await sampler;
      return {
        dry: { seconds: drySeconds, layers: dry.layers, blobs: dry.blobs },
        report,
        seconds,
        during,
      };
    };
    const first = await collectRun(1, 5000, false);
    log(
      `scale ${images}: 5k garbage: dry run ${first.dry.seconds.toFixed(2)} s, collection ${first.seconds.toFixed(1)} s`,
    );
    const second = await collectRun(100_001, 50_000, true);
    log(
      `scale ${images}: 50k garbage: dry run ${second.dry.seconds.toFixed(2)} s, collection ${second.seconds.toFixed(1)} s`,
    );

    const [rec, recSeconds] = await timed(
      () =>
        adminCall('POST', '/admin/v1/maintenance/reconcile-garbage') as Promise<{
          read: number;
          layers: number;
          blobs: number;
          storageObjects: number;
        }>,
    );
    log(`scale ${images}: reconciliation ${recSeconds.toFixed(1)} s, read ${rec.read}`);

    // Lifecycle: keep 1 image in each of enough repositories to expire about 1,000.
    const perRepo = images / REPOSITORIES;
    const repos = Math.ceil(1000 / Math.max(1, perRepo - 1));
    const policy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    for (let r = 2; r < 2 + repos; r++) {
      await client.send(
        new PutLifecyclePolicyCommand({
          repositoryName: `scale/r${r}`,
          lifecyclePolicyText: policy,
        }),
      );
    }
    const [applied, applySeconds] = await timed(
      () =>
        adminCall('POST', '/admin/v1/maintenance/apply-lifecycle-policies', {}) as Promise<{
          images: number;
        }>,
    );
    log(`scale ${images}: lifecycle apply of ${applied.images} in ${applySeconds.toFixed(1)} s`);
    // Let the collection it started finish before the next measures.
    await new Promise((r) => setTimeout(r, 5000));

    const [, accountsSeconds] = await timed(() => adminCall('GET', '/admin/v1/accounts'));
    const [, repositoriesSeconds] = await timed(() =>
      adminCall('GET', '/admin/v1/repositories?limit=100'),
    );
    const [, metricsSeconds] = await timed(() =>
      fetch(`${server.url}/metrics`).then((r) => r.text()),
    );

    // Idle: a collection every ~5 s, nothing to collect.
    await server.stop();
    server = await start({ GC_INTERVAL: '5s' });
    await new Promise((r) => setTimeout(r, 5000));
    const cpu0 = await pgCpuSeconds(pg, dbName);
    const window = 30;
    await new Promise((r) => setTimeout(r, window * 1000));
    const cpu1 = await pgCpuSeconds(pg, dbName);
    const idle = ((cpu1 - cpu0) / window) * 100;
    log(`scale ${images}: idle PostgreSQL CPU ${idle.toFixed(2)} % of a core`);

    return {
      images,
      seedSeconds,
      reads,
      dryRun: first.dry.seconds > second.dry.seconds ? first.dry : second.dry,
      collect5k: { seconds: first.seconds, ...first.report },
      collect50k: { seconds: second.seconds, ...second.report },
      describeDuringCollection: lat([...first.during, ...second.during]),
      reconciliation: {
        seconds: recSeconds,
        read: rec.read,
        fed: rec.layers + rec.blobs + rec.storageObjects,
      },
      lifecycleApply: { seconds: applySeconds, images: applied.images },
      accounting: {
        accountsMs: accountsSeconds * 1000,
        repositoriesMs: repositoriesSeconds * 1000,
        metricsMs: metricsSeconds * 1000,
      },
      idlePostgresCpuPercent: idle,
      explain: explainOut,
    };
  } finally {
    ecr?.destroy();
    await pg.end();
    await server.stop();
    await dropDatabase(options.adminUrl, dbName);
  }
}

function render(results: ScaleResults): string {
  const lines = [
    `# Scale benchmark, ${results.startedAt}`,
    '',
    ...results.notes.map((n) => `- ${n}`),
    '',
  ];
  const row = (label: string, f: (s: ScaleSize) => string): string =>
    `| ${label} | ${results.sizes.map(f).join(' | ')} |`;
  lines.push(
    `| | ${results.sizes.map((s) => `${s.images.toLocaleString('en')} images`).join(' | ')} |`,
  );
  lines.push(`|---|${results.sizes.map(() => '---').join('|')}|`);
  const ms = (l: LatencySummary): string =>
    `p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms`;
  lines.push(row('seed (SQL)', (s) => `${s.seedSeconds.toFixed(0)} s`));
  lines.push(
    row(
      'DescribeImages',
      (s) => `${ms(s.reads.describeImages)} (${s.reads.describeImages.images} images)`,
    ),
  );
  lines.push(row('BatchGetImage, 100 tags', (s) => ms(s.reads.batchGetImage)));
  lines.push(
    row('BatchCheckLayerAvailability, 100', (s) => ms(s.reads.batchCheckLayerAvailability)),
  );
  lines.push(
    row(
      'dry run',
      (s) =>
        `${s.dryRun.seconds.toFixed(2)} s (${s.dryRun.layers} layers, ${s.dryRun.blobs} blobs)`,
    ),
  );
  lines.push(
    row(
      'collect 5,000 garbage layers',
      (s) =>
        `${s.collect5k.seconds.toFixed(1)} s (${s.collect5k.layers} layers, ${s.collect5k.blobs} blobs)`,
    ),
  );
  lines.push(
    row(
      'collect 50,000 garbage layers',
      (s) =>
        `${s.collect50k.seconds.toFixed(1)} s (${s.collect50k.layers} layers, ${s.collect50k.blobs} blobs)`,
    ),
  );
  lines.push(row('DescribeImages during collection', (s) => ms(s.describeDuringCollection)));
  lines.push(
    row(
      'reconciliation pass',
      (s) =>
        `${s.reconciliation.seconds.toFixed(1)} s (${s.reconciliation.read} rows, ${s.reconciliation.fed} fed)`,
    ),
  );
  lines.push(
    row(
      'lifecycle apply',
      (s) => `${s.lifecycleApply.seconds.toFixed(2)} s (${s.lifecycleApply.images} expiries)`,
    ),
  );
  lines.push(row('GET /admin/v1/accounts', (s) => `${s.accounting.accountsMs.toFixed(0)} ms`));
  lines.push(
    row(
      'GET /admin/v1/repositories?limit=100',
      (s) => `${s.accounting.repositoriesMs.toFixed(0)} ms`,
    ),
  );
  lines.push(
    row('GET /metrics (berth_stored_bytes)', (s) => `${s.accounting.metricsMs.toFixed(0)} ms`),
  );
  lines.push(
    row(
      'idle PostgreSQL CPU (GC_INTERVAL 5s)',
      (s) => `${s.idlePostgresCpuPercent.toFixed(2)} % of a core`,
    ),
  );
  lines.push('');
  for (const s of results.sizes) {
    lines.push(`## Plans at ${s.images.toLocaleString('en')} images`, '', '```');
    for (const text of Object.values(s.explain)) lines.push(text, '');
    lines.push('```', '');
  }
  return lines.join('\n');
}

export async function runScaleScenario(
  options: BenchOptions,
  log: (line: string) => void,
  stamp: string,
): Promise<ScaleResults> {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-scale-'));
  const results: ScaleResults = {
    startedAt: new Date().toISOString(),
    sizes: [],
    notes: [
      `${os.cpus().length} cores, shared with other work while it ran (load average at start ` +
        `${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(', ')}): figures are noisy.`,
      'Catalogue seeded with SQL (triggers off, as a steady state), garbage with triggers on.',
    ],
  };
  try {
    for (const images of options.scaleImages) {
      results.sizes.push(await measureSize(options, tmpRoot, images, log));
      const dir = path.join(PROJECT_ROOT, 'bench', 'results');
      fs.writeFileSync(
        path.join(dir, `${stamp}-scale.json`),
        `${JSON.stringify(results, null, 2)}\n`,
      );
      fs.writeFileSync(path.join(dir, `${stamp}-scale.md`), render(results));
    }
  } finally {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }
  log(`results: bench/results/${stamp}-scale.{json,md}`);
  return results;
}
