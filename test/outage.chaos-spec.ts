import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { admin } from './support/accounts';
import { freePort } from './support/app';
import { Cluster, Driver } from './support/cluster';
import { EcrAnswer, ecrCall, shapeProblems } from './support/ecr-calls';
import { MiB } from './support/layers';
import { PostgresProcess, startPostgresProcess } from './support/pg-process';
import {
  findOrphans,
  orphanCount,
  storageCounts,
  verifyBlobs,
  NO_ORPHANS,
} from './support/storage-check';

/**
 * PostgreSQL stopped for 10 seconds under load, on a dedicated embedded server (never the suite's
 * shared one: other test files use it meanwhile), started and started again on the same data
 * directory and port by `startEmbeddedPostgres` in a helper process. Three Berth processes serve a steady mix of
 * calls, uploads included; while the database is down every call must be answered
 * ServerException (promptly, and never anything that blames the client, such as an unknown key)
 * and /health/ready must answer 503; when it returns, every instance must serve again by itself,
 * without a restart, and every upload the load was in the middle of must finish with the right
 * digest.
 */

const INSTANCES = 3;
const WORKERS_PER_INSTANCE = 2;
const OUTAGE_MS = 10_000;
const WARM_UP_MS = 3_000;
const AFTER_MS = 4_000;
/** How long an instance may take to serve again once PostgreSQL accepts connections. */
const RECOVERY_LIMIT_MS = 30_000;
/** A request answered later than this while the database is down counts as hanging. */
const PROMPT_MS = 5_000;
const BASE_REPO = 'outage/base';

interface Sample {
  worker: number;
  instance: number;
  op: string;
  /** A resumption after a failure, where InvalidLayerPart or UploadNotFound are expected. */
  retry: boolean;
  sentAt: number;
  answeredAt: number;
  status: number | 'socket-error';
  type?: string;
  problems: string[];
}

interface HealthSample {
  instance: number;
  at: number;
  ready: number | 'socket-error';
  live: number | 'socket-error';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each<Driver>(['postgres', 'filesystem'])(
  'PostgreSQL stopped for 10 s under load, three instances, %s driver',
  (driver) => {
    let pgDir: string;
    let pgPort: number;
    let database: PostgresProcess | undefined;
    let blobDir: string;
    let cluster: Cluster;
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;

    beforeAll(async () => {
      pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-outage-pg-'));
      pgPort = await freePort();
      database = await startPostgresProcess(pgDir, pgPort);
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-outage-blobs-'));
      // The schema is created by the instances themselves (migrations run at start).
      cluster = await Cluster.start({
        size: INSTANCES,
        databaseUrl: database.url,
        driver,
        blobDir,
        env: { DATABASE_POOL_SIZE: '10' },
      });
      const created = await ecrCall(cluster.url(0), 'CreateRepository', {
        repositoryName: BASE_REPO,
      });
      expect(created.status).toBe(200);
    }, 180_000);

    afterAll(async () => {
      await cluster?.stop();
      await database?.stop();
      for (const dir of [pgDir, blobDir]) {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('answers ServerException and 503 while it is down, and serves again by itself when it returns', async () => {
      const samples: Sample[] = [];
      const health: HealthSample[] = [];
      const layers: { digest: string; size: number }[] = [];
      let running = true;
      const pids = cluster.instances.map((p) => p.child.pid);

      async function call(
        worker: number,
        instance: number,
        op: string,
        input: unknown,
        retry = false,
      ): Promise<EcrAnswer | undefined> {
        const sentAt = now();
        try {
          const answer = await ecrCall(cluster.url(instance), op, input);
          samples.push({
            worker,
            instance,
            op,
            retry,
            sentAt,
            answeredAt: now(),
            status: answer.status,
            type: answer.json?.__type as string | undefined,
            problems: shapeProblems(answer),
          });
          return answer;
        } catch {
          samples.push({
            worker,
            instance,
            op,
            retry,
            sentAt,
            answeredAt: now(),
            status: 'socket-error',
            problems: ['no answer'],
          });
          return undefined;
        }
      }

      /** Repeats a step until it succeeds, as a client does; bounded by the test's deadline. */
      async function until(
        step: (retry: boolean) => Promise<'done' | 'again'>,
        what: string,
      ): Promise<void> {
        const deadline = performance.now() + 120_000;
        for (let retry = false; ; retry = true) {
          if ((await step(retry)) === 'done') return;
          if (performance.now() > deadline) throw new Error(`${what}: no success in 120 s`);
          await sleep(250);
        }
      }

      async function upload(worker: number, instance: number, iteration: number): Promise<void> {
        const sizes = [5 * MiB, 256 * 1024 + worker * 1000 + iteration];
        const data = randomBytes(sizes[0] + sizes[1]);
        const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        let uploadId = '';
        await until(async (retry) => {
          const a = await call(
            worker,
            instance,
            'InitiateLayerUpload',
            { repositoryName: BASE_REPO },
            retry,
          );
          if (a?.status !== 200) return 'again';
          uploadId = a.json!.uploadId as string;
          return 'done';
        }, 'InitiateLayerUpload');
        let first = 0;
        for (let p = 0; p < sizes.length; p++) {
          const last = first + sizes[p] - 1;
          const at = (instance + p) % INSTANCES;
          await until(async (retry) => {
            const a = await call(
              worker,
              at,
              'UploadLayerPart',
              {
                repositoryName: BASE_REPO,
                uploadId,
                partFirstByte: first,
                partLastByte: last,
                layerPartBlob: data.subarray(first, last + 1),
              },
              retry,
            );
            if (a?.status === 200) return 'done';
            // A retried part that had been stored before the failure: exactly up to its end.
            if (retry && a?.json?.__type === 'InvalidLayerPartException') {
              expect(a.json.lastValidByteReceived).toBe(last);
              return 'done';
            }
            return 'again';
          }, 'UploadLayerPart');
          first = last + 1;
        }
        await until(async (retry) => {
          const a = await call(
            worker,
            (instance + 2) % INSTANCES,
            'CompleteLayerUpload',
            { repositoryName: BASE_REPO, uploadId, layerDigests: [digest] },
            retry,
          );
          if (a?.status === 200) {
            expect(a.json!.layerDigest).toBe(digest);
            return 'done';
          }
          // A retried completion that had committed before the failure.
          if (retry && a?.json?.__type === 'UploadNotFoundException') return 'done';
          return 'again';
        }, 'CompleteLayerUpload');
        layers.push({ digest, size: data.length });
      }

      async function worker(w: number): Promise<void> {
        const instance = w % INSTANCES;
        // The first worker of each instance never uploads: an upload retries its parts on the
        // other instances, and could leave its own instance without calls through the outage.
        const light = w < INSTANCES;
        for (let i = 0; running; i++) {
          switch (light ? 1 + (i % 5) : i % 6) {
            case 0:
              await upload(w, instance, i);
              break;
            case 1:
              await call(w, instance, 'DescribeRepositories', {});
              break;
            case 2:
              await call(w, instance, 'CreateRepository', { repositoryName: `outage/w${w}-${i}` });
              break;
            case 3:
              await call(w, instance, 'GetAuthorizationToken', {});
              break;
            case 4:
              await call(w, instance, 'ListImages', { repositoryName: BASE_REPO });
              break;
            default:
              await call(w, instance, 'BatchCheckLayerAvailability', {
                repositoryName: BASE_REPO,
                layerDigests: [layers[layers.length - 1]?.digest ?? `sha256:${'0'.repeat(64)}`],
              });
          }
          await sleep(20);
        }
      }

      async function probeHealth(instance: number): Promise<void> {
        const get = async (route: string): Promise<number | 'socket-error'> => {
          try {
            const res = await fetch(`${cluster.url(instance)}${route}`, {
              signal: AbortSignal.timeout(10_000),
            });
            await res.arrayBuffer();
            return res.status;
          } catch {
            return 'socket-error';
          }
        };
        while (running) {
          const at = now();
          const [ready, live] = await Promise.all([get('/health/ready'), get('/health/live')]);
          health.push({ instance, at, ready, live });
          await sleep(250);
        }
      }

      const workers = Array.from({ length: INSTANCES * WORKERS_PER_INSTANCE }, (_, w) => worker(w));
      const probes = Array.from({ length: INSTANCES }, (_, i) => probeHealth(i));

      await sleep(WARM_UP_MS);
      const stopping = now();
      await database!.stop();
      const down = now();
      await sleep(OUTAGE_MS);
      const starting = now();
      database = await startPostgresProcess(pgDir, pgPort);
      const up = now();

      // Each instance serves again by itself: a signed call and readiness, with no restart.
      const recoveredAt: number[] = [];
      for (let i = 0; i < INSTANCES; i++) {
        for (;;) {
          const answer = await call(-1, i, 'DescribeRepositories', { maxResults: 1 });
          const ready = await fetch(`${cluster.url(i)}/health/ready`).then(
            (r) => r.status,
            () => 0,
          );
          if (answer?.status === 200 && ready === 200) break;
          if (now() - up > RECOVERY_LIMIT_MS) {
            throw new Error(`instance ${i} did not serve again within ${RECOVERY_LIMIT_MS} ms`);
          }
          await sleep(100);
        }
        recoveredAt.push(now());
      }
      const recovered = Math.max(...recoveredAt);
      await sleep(AFTER_MS);
      running = false;
      await Promise.all([...workers, ...probes]);

      const during = samples.filter((s) => s.sentAt >= down && s.answeredAt <= starting);
      const before = samples.filter((s) => s.answeredAt < stopping);
      const after = samples.filter((s) => s.sentAt >= recovered);
      const count = (list: Sample[], pred: (s: Sample) => boolean): number =>
        list.filter(pred).length;
      console.log(
        `${driver}: ${samples.length} calls (${before.length} before the stop, ${during.length} ` +
          `while down, ${after.length} after recovery); PostgreSQL stopped in ${(down - stopping).toFixed(0)} ms, ` +
          `back in ${(up - starting).toFixed(0)} ms; instances served again ` +
          `${recoveredAt.map((t) => `${(t - up).toFixed(0)} ms`).join(', ')} after it accepted connections; ` +
          `${layers.length} layers uploaded; ${health.length} health probes`,
      );

      // No instance died or stopped answering, and every answer is a well-formed ECR answer.
      expect(samples.filter((s) => s.problems.length > 0).slice(0, 5)).toEqual([]);
      expect(cluster.instances.map((p) => p.child.pid)).toEqual(pids);
      expect(cluster.instances.map((p) => p.child.exitCode)).toEqual([null, null, null]);

      // Before: everything succeeds.
      expect(before.length).toBeGreaterThan(20);
      expect(before.filter((s) => s.status !== 200)).toEqual([]);

      // While down: ServerException (500) for every call, answered promptly.
      expect(during.length).toBeGreaterThan(50);
      expect(
        during.filter((s) => s.status !== 500 || s.type !== 'ServerException').slice(0, 5),
      ).toEqual([]);
      const sentWhileDown = samples.filter(
        (s) => s.sentAt >= down && s.sentAt <= starting - PROMPT_MS,
      );
      expect(sentWhileDown.filter((s) => s.answeredAt - s.sentAt > PROMPT_MS)).toEqual([]);
      for (let i = 0; i < INSTANCES; i++) {
        expect(count(during, (s) => s.instance === i)).toBeGreaterThan(5);
      }

      // /health/ready says 503 while down (live stays 200), 200 before and after.
      const healthDown = health.filter((h) => h.at >= down && h.at + 2_500 <= starting);
      expect(healthDown.length).toBeGreaterThanOrEqual(INSTANCES * 10);
      expect(healthDown.filter((h) => h.ready !== 503 || h.live !== 200)).toEqual([]);
      expect(health.filter((h) => h.at + 2_500 < stopping && h.ready !== 200)).toEqual([]);
      expect(health.filter((h) => h.at >= recovered && h.ready !== 200)).toEqual([]);

      // After recovery: no ServerException; the only errors are resumptions finding their part
      // or completion applied.
      expect(after.length).toBeGreaterThan(20);
      expect(
        after
          .filter(
            (s) =>
              s.status !== 200 &&
              !(
                s.retry &&
                (s.type === 'InvalidLayerPartException' || s.type === 'UploadNotFoundException')
              ),
          )
          .slice(0, 5),
      ).toEqual([]);
      // And outside the outage, no call blamed the client.
      expect(
        samples.filter((s) => s.status !== 200 && s.type !== 'ServerException' && !s.retry),
      ).toEqual([]);

      // Every upload the load started finished with its digest; the bytes are whole.
      const pg = new Client({ connectionString: database.url });
      await pg.connect();
      try {
        const check = await ecrCall(cluster.url(1), 'BatchCheckLayerAvailability', {
          repositoryName: BASE_REPO,
          layerDigests: layers.slice(0, 100).map((l) => l.digest),
        });
        expect(check.json?.layers).toEqual(
          layers.slice(0, 100).map((l): unknown =>
            expect.objectContaining({
              layerDigest: l.digest,
              layerAvailability: 'AVAILABLE',
              layerSize: l.size,
            }),
          ),
        );
        const blobs = await verifyBlobs(pg, blobDir);
        expect(blobs.problems).toEqual([]);
        expect(blobs.checked).toBe(layers.length);
        // Initiations whose answer was lost may have left uploads; the purge takes them.
        const purge = await admin(
          cluster.url(2),
          'POST',
          '/admin/v1/maintenance/purge-expired-uploads',
          {
            olderThanSeconds: 0,
          },
        );
        expect(purge.status).toBe(200);
        const report = await findOrphans(pg, blobDir);
        expect(report).toEqual(NO_ORPHANS);
        expect(orphanCount(report)).toBe(0);
        const counts = await storageCounts(pg);
        expect(counts).toEqual({
          uploads: 0,
          blobs: layers.length,
          storageObjects: layers.length,
          layers: layers.length,
        });
      } finally {
        await pg.end();
      }
    }, 240_000);
  },
);
