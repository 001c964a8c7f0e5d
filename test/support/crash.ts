import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { admin } from './accounts';
import { ecrClient } from './app';
import { Cluster, Driver } from './cluster';
import { createTestDatabase, TestDatabase } from './database';
import {
  EcrAnswer,
  ecrCall,
  ok,
  prepareCall,
  PreparedCall,
  send,
  shapeProblems,
} from './ecr-calls';
import { MiB } from './layers';
import { Prng } from './prng';
import {
  findOrphans,
  objectDir,
  orphanCount,
  storageCounts,
  verifyBlobs,
  NO_ORPHANS,
} from './storage-check';

/**
 * kill -9 of the Berth instance serving a request, in the middle of UploadLayerPart and of
 * CompleteLayerUpload, on a cluster of three processes sharing one PostgreSQL (and one blob
 * directory). At each kill point three requests of the same operation are in flight: the upload
 * under test and a bystander upload, both on the victim, and a survivor upload on another
 * instance. The SIGKILL comes a chosen fraction of the request's calibrated duration after it is
 * sent, or after the victim was seen holding the upload's row lock (its transaction is open), so
 * that a part (10–20 MiB) is cut on the wire, while it is hashed, while its bytes are written,
 * between their write and the commit, or after. After the victim's restart every upload is
 * resumed from what the service says it holds:
 *
 * - a part: sent again at its original offset. Success means it had not been stored; an
 *   `InvalidLayerPartException` must carry `lastValidByteReceived` = the part's last byte (it had
 *   been stored). Anything else is a lost or half-stored part. What it says must also agree with
 *   the database.
 * - a completion: sent again. The digest means it had not committed; `UploadNotFoundException`
 *   means it had, and then `BatchCheckLayerAvailability` must say AVAILABLE with the right size.
 *
 * Every upload then finishes with the right digest (the bystanders of every third part point are
 * abandoned instead, for the purge), and the survivor must not have noticed. At the end every
 * blob's stored bytes must hash to its digest, and after a purge (`olderThanSeconds: 0`, which
 * also sweeps the filesystem driver's temporary files) no orphan row or byte may remain.
 */

type Op = 'UploadLayerPart' | 'CompleteLayerUpload';

const INSTANCES = 3;
const REPO = 'crash/layers';
/** Kill points timed from the sending spread over [0, SPREAD × the request's duration]. */
const SPREAD = 1.2;

export interface CrashSuiteOptions {
  partPoints: number;
  completePoints: number;
  /** Seeds the part sizes; the run is the same for the same seed. */
  seed?: number;
}

/**
 * What the SIGKILL is timed from: the sending of the request, or the moment the serving instance
 * was seen holding the upload's row lock (its transaction is open: the part is being stored, or
 * the completion recorded).
 */
type Trigger = 'sent' | 'locked';

interface KillPoint {
  n: number;
  op: Op;
  trigger: Trigger;
  /** Of the calibrated duration from the trigger to the answer: the SIGKILL comes this far in. */
  fraction: number;
  victim: number;
  partSizes: number[];
  /** For UploadLayerPart: which part is in flight when the victim dies. */
  killedPart: number;
}

interface PointResult {
  n: number;
  op: Op;
  trigger: Trigger;
  delayMs: number;
  /** What the client saw of the request under test: its status, or 'cut'. */
  answer: number | 'cut';
  /** What the resumption found: the part had been stored / the completion had committed. */
  applied: boolean;
  /** Where the kill caught the request, as storage and the database show it afterwards. */
  phase: string;
}

class LayerUpload {
  id = '';
  readonly digest: string;
  private readonly offsets: number[] = [];

  constructor(
    readonly data: Buffer,
    readonly sizes: number[],
  ) {
    this.digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    let offset = 0;
    for (const size of sizes) {
      this.offsets.push(offset);
      offset += size;
    }
    if (offset !== data.length) throw new Error('part sizes must add up to the data');
  }

  part(p: number): { first: number; last: number; blob: Buffer } {
    const first = this.offsets[p];
    const last = first + this.sizes[p] - 1;
    return { first, last, blob: this.data.subarray(first, last + 1) };
  }

  static random(sizes: number[]): LayerUpload {
    return new LayerUpload(randomBytes(sizes.reduce((a, b) => a + b, 0)), sizes);
  }
}

function describeAnswer(answer: EcrAnswer): string {
  return `${answer.status} ${answer.text.slice(0, 300)}`;
}

function expectWellFormed(answer: EcrAnswer): void {
  const problems = shapeProblems(answer);
  if (problems.length > 0) {
    throw new Error(`malformed answer (${problems.join('; ')}): ${describeAnswer(answer)}`);
  }
}

async function initiate(url: string, up: LayerUpload): Promise<void> {
  const out = ok(await ecrCall(url, 'InitiateLayerUpload', { repositoryName: REPO }));
  up.id = out.uploadId as string;
}

function partCall(url: string, up: LayerUpload, p: number): Promise<PreparedCall> {
  const { first, last, blob } = up.part(p);
  return prepareCall(url, 'UploadLayerPart', {
    repositoryName: REPO,
    uploadId: up.id,
    partFirstByte: first,
    partLastByte: last,
    layerPartBlob: blob,
  });
}

function completeCall(url: string, up: LayerUpload): Promise<PreparedCall> {
  return prepareCall(url, 'CompleteLayerUpload', {
    repositoryName: REPO,
    uploadId: up.id,
    layerDigests: [up.digest],
  });
}

async function sendPart(url: string, up: LayerUpload, p: number): Promise<void> {
  const out = ok(await send(await partCall(url, up, p)), `part ${p} of ${up.id}`);
  expect(out.lastByteReceived).toBe(up.part(p).last);
}

async function complete(url: string, up: LayerUpload): Promise<void> {
  const out = ok(await send(await completeCall(url, up)), `completing ${up.id}`);
  expect(out.layerDigest).toBe(up.digest);
}

/**
 * Where part `p` stands after a crash: sent again at its original offset. Answers whether it had
 * been stored already; throws when the service's account of it is anything but one of the two.
 */
async function resumePart(url: string, up: LayerUpload, p: number): Promise<boolean> {
  const { first, last } = up.part(p);
  const answer = await send(await partCall(url, up, p));
  expectWellFormed(answer);
  if (answer.status === 200) {
    expect(answer.json!.lastByteReceived).toBe(last);
    return false;
  }
  if (answer.json?.__type !== 'InvalidLayerPartException') {
    throw new Error(`resending part ${p} (bytes ${first}-${last}): ${describeAnswer(answer)}`);
  }
  // It had been stored: the upload stands exactly at its last byte, not before, not in between.
  expect(answer.json.lastValidByteReceived).toBe(last);
  return true;
}

/** Where a completion stands after a crash: answers whether it had committed. */
async function resumeComplete(url: string, up: LayerUpload): Promise<boolean> {
  const answer = await send(await completeCall(url, up));
  expectWellFormed(answer);
  if (answer.status === 200) {
    expect(answer.json!.layerDigest).toBe(up.digest);
    return false;
  }
  if (answer.json?.__type !== 'UploadNotFoundException') {
    throw new Error(`completing ${up.id} again: ${describeAnswer(answer)}`);
  }
  return true;
}

async function expectAvailable(url: string, ups: LayerUpload[]): Promise<void> {
  const out = ok(
    await ecrCall(url, 'BatchCheckLayerAvailability', {
      repositoryName: REPO,
      layerDigests: ups.map((u) => u.digest),
    }),
  );
  expect(out.failures).toEqual([]);
  expect(out.layers).toEqual(
    ups.map((u): unknown =>
      expect.objectContaining({
        layerDigest: u.digest,
        layerAvailability: 'AVAILABLE',
        layerSize: u.data.length,
      }),
    ),
  );
}

/** How a request ended, and when (performance.now()). */
type Settled = { answer: EcrAnswer; at: number } | { error: Error; at: number };

function settle(call: PreparedCall): Promise<Settled> {
  return send(call).then(
    (answer) => ({ answer, at: performance.now() }),
    (error: Error) => ({ error, at: performance.now() }),
  );
}

/**
 * Watches an upload's row from outside: answers when a transaction was first seen holding its
 * lock (`FOR UPDATE NOWAIT` fails at once), or undefined once `done()` says to stop. Each probe
 * is its own statement, so it holds the lock for no longer than that statement when it is free.
 */
async function watchLock(
  probe: Client,
  uploadId: string,
  done: () => boolean,
): Promise<number | undefined> {
  while (!done()) {
    try {
      await probe.query('SELECT 1 FROM uploads WHERE id = $1 FOR UPDATE NOWAIT', [uploadId]);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return performance.now();
      throw err;
    }
  }
  return undefined;
}

function pointSizes(prng: Prng, op: Op): number[] {
  // A part in flight is 10–20 MiB, long enough on the wire and on disk to be cut at many places;
  // a completion reads no byte, so its layer's size does not matter.
  return op === 'UploadLayerPart'
    ? [prng.int(10 * MiB, 20 * MiB), prng.int(10 * MiB, 20 * MiB)]
    : [5 * MiB, prng.int(1, 2 * MiB)];
}

/**
 * Of each operation's points, the larger half is timed from the sending, spread over
 * [0, SPREAD] of the whole request; the rest from the row lock, spread over the transaction.
 */
export function killPoints(options: CrashSuiteOptions): KillPoint[] {
  const prng = new Prng(options.seed ?? 0x5eed);
  const points: KillPoint[] = [];
  const add = (op: Op, trigger: Trigger, count: number, spread: number): void => {
    for (let i = 0; i < count; i++) {
      const n = points.length;
      points.push({
        n,
        op,
        trigger,
        fraction: (spread * (i + 0.5)) / count,
        victim: n % INSTANCES,
        partSizes: pointSizes(prng, op),
        killedPart: n % 2,
      });
    }
  };
  for (const [op, count] of [
    ['UploadLayerPart', options.partPoints],
    ['CompleteLayerUpload', options.completePoints],
  ] as const) {
    add(op, 'sent', count - Math.floor(count / 2), SPREAD);
    add(op, 'locked', Math.floor(count / 2), 1);
  }
  return points;
}

function describePoint(point: KillPoint): string {
  return point.trigger === 'sent'
    ? `${point.fraction.toFixed(2)} of the way from its sending to its answer`
    : `${point.fraction.toFixed(2)} of the way from its row lock to its answer`;
}

/** Declares, for each driver, a cluster and its kill points, then the purge and the checks. */
export function describeCrashSuite(options: CrashSuiteOptions): void {
  const points = killPoints(options);

  describe.each<Driver>(['postgres', 'filesystem'])(
    'kill -9 of the serving instance among three, %s driver',
    (driver) => {
      let db: TestDatabase;
      let pg: Client;
      let probe: Client;
      let blobDir: string;
      let cluster: Cluster;
      /** Median durations, in ms, from each trigger to the answer when nothing is killed. */
      const calibrated: Record<Op, Record<Trigger, number>> = {
        UploadLayerPart: { sent: 0, locked: 0 },
        CompleteLayerUpload: { sent: 0, locked: 0 },
      };
      const results: PointResult[] = [];
      const completed: LayerUpload[] = [];
      const abandoned: LayerUpload[] = [];

      beforeAll(async () => {
        db = await createTestDatabase();
        pg = new Client({ connectionString: db.url });
        await pg.connect();
        probe = new Client({ connectionString: db.url });
        await probe.connect();
        blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-crash-blobs-'));
        cluster = await Cluster.start({ size: INSTANCES, databaseUrl: db.url, driver, blobDir });
        const client = ecrClient(cluster.url(0));
        await client.send(new CreateRepositoryCommand({ repositoryName: REPO }));
        client.destroy();
      }, 120_000);

      afterAll(async () => {
        await cluster?.stop();
        await pg?.end();
        await probe?.end();
        await db?.drop();
        if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
      });

      /**
       * Where the kill caught the request under test, read after the restart (when nothing of the
       * dead process can still commit): committed or not, and for a part of the filesystem driver
       * whether its file had been renamed into place or was still a temporary file.
       */
      async function phaseOf(point: KillPoint, main: LayerUpload): Promise<string> {
        const { rows } = await pg.query<{ storage_key: string; parts: number }>(
          'SELECT storage_key, cardinality(part_sizes) AS parts FROM uploads WHERE id = $1',
          [main.id],
        );
        if (point.op === 'CompleteLayerUpload') {
          return rows.length === 0 ? 'committed' : 'not committed';
        }
        const { storage_key: key, parts } = rows[0];
        if (parts > point.killedPart) return 'committed';
        if (driver === 'postgres') return 'not committed';
        if (fs.existsSync(path.join(objectDir(blobDir, key), String(point.killedPart)))) {
          return 'file in place, not committed';
        }
        const temp = path.join(blobDir, '.tmp');
        const prefix = `${key}.${point.killedPart}.`;
        if (fs.existsSync(temp) && fs.readdirSync(temp).some((n) => n.startsWith(prefix))) {
          return 'temporary file, not committed';
        }
        return 'not written';
      }

      /** Sends parts `[from, to)` of an upload, round-robin over the instances. */
      async function sendParts(up: LayerUpload, from: number, to: number): Promise<void> {
        for (let p = from; p < to; p++) await sendPart(cluster.url(p), up, p);
      }

      /**
       * One kill point: three requests of the same operation in flight, two on the victim and one
       * on another instance, and a SIGKILL of the victim `delayMs` after the point's trigger.
       * `delayMs` null runs the same without a kill (calibration). Answers how long the request
       * under test took from each trigger to its answer (NaN when its lock was not seen).
       */
      async function run(
        point: KillPoint,
        delayMs: number | null,
      ): Promise<Record<Trigger, number>> {
        const { victim, op } = point;
        const other = (victim + 1) % INSTANCES;
        const third = (victim + 2) % INSTANCES;
        const victimUrl = cluster.url(victim);
        const isPart = op === 'UploadLayerPart';

        const main = LayerUpload.random(point.partSizes);
        const bystander = LayerUpload.random(
          isPart ? [5 * MiB, 1 * MiB + point.n * 4099] : [1 * MiB + point.n * 4099],
        );
        const survivor = LayerUpload.random([isPart ? 5 * MiB + point.n : 1 * MiB + point.n]);
        await initiate(cluster.url(other), main);
        await initiate(cluster.url(third), bystander);
        await initiate(cluster.url(other), survivor);
        await sendParts(main, 0, isPart ? point.killedPart : main.sizes.length);
        await sendParts(bystander, 0, isPart ? 1 : bystander.sizes.length);
        if (!isPart) await sendParts(survivor, 0, 1);

        const calls = await Promise.all(
          isPart
            ? [
                partCall(victimUrl, main, point.killedPart),
                partCall(victimUrl, bystander, 1),
                partCall(cluster.url(other), survivor, 0),
              ]
            : [
                completeCall(victimUrl, main),
                completeCall(victimUrl, bystander),
                completeCall(cluster.url(other), survivor),
              ],
        );
        let killed: Promise<void> | undefined;
        let timer: NodeJS.Timeout | undefined;
        const killIn = (ms: number): void => {
          timer = setTimeout(() => {
            killed = cluster.kill(victim);
          }, ms);
        };
        const sentAt = performance.now();
        let settledAll = false;
        const settling = Promise.all(calls.map(settle)).then((out) => {
          settledAll = true;
          return out;
        });
        const locking = watchLock(probe, main.id, () => settledAll || killed !== undefined).then(
          (at) => {
            if (at !== undefined && delayMs !== null && point.trigger === 'locked') killIn(delayMs);
            return at;
          },
        );
        if (delayMs !== null && point.trigger === 'sent') killIn(delayMs);
        const [mainOut, bystanderOut, survivorOut] = await settling;
        const lockedAt = await locking;
        if (delayMs !== null) {
          // Every request was answered or cut; the kill comes now if it had not yet.
          clearTimeout(timer);
          await (killed ?? cluster.kill(victim));
          await cluster.restart(victim);
        }

        const phase = delayMs === null ? 'not killed' : await phaseOf(point, main);

        // The survivor's instance did not notice.
        if ('error' in survivorOut) throw survivorOut.error;
        expectWellFormed(survivorOut.answer);
        ok(survivorOut.answer, 'the survivor');
        // Answers that did arrive before the kill are whole, successful answers.
        for (const out of [mainOut, bystanderOut]) {
          if ('answer' in out) {
            expectWellFormed(out.answer);
            ok(out.answer, 'a request answered before the kill');
          } else if (delayMs === null) {
            throw out.error;
          }
        }

        // Resume: half the time on the restarted victim, half on another instance.
        const resumeUrl = point.n % 2 === 0 ? victimUrl : cluster.url(third);
        let applied: boolean;
        let abandon = false;
        if (isPart) {
          applied = await resumePart(resumeUrl, main, point.killedPart);
          await sendParts(main, point.killedPart + 1, main.sizes.length);
          await complete(cluster.url(other), main);
          const bystanderStored = await resumePart(resumeUrl, bystander, 1);
          if ('answer' in bystanderOut) expect(bystanderStored).toBe(true);
          abandon = delayMs !== null && point.n % 3 === 2;
          if (!abandon) await complete(cluster.url(victim), bystander);
          await complete(cluster.url(third), survivor);
        } else {
          applied = await resumeComplete(resumeUrl, main);
          const bystanderCommitted = await resumeComplete(cluster.url(other), bystander);
          if ('answer' in bystanderOut) expect(bystanderCommitted).toBe(true);
        }
        if ('answer' in mainOut) expect(applied).toBe(true);
        // What the resumption was told agrees with what the database held.
        if (delayMs !== null) expect(applied).toBe(phase === 'committed');

        const done = [main, survivor, ...(abandon ? [] : [bystander])];
        if (abandon) abandoned.push(bystander);
        completed.push(...done);
        await expectAvailable(cluster.url(third), done);
        if (delayMs !== null) {
          results.push({
            n: point.n,
            op,
            trigger: point.trigger,
            delayMs,
            answer: 'answer' in mainOut ? mainOut.answer.status : 'cut',
            applied,
            phase,
          });
        }
        return {
          sent: mainOut.at - sentAt,
          locked: lockedAt === undefined ? NaN : mainOut.at - lockedAt,
        };
      }

      it('calibrates: how long each request under test takes when nothing is killed', async () => {
        const median = (values: number[]): number => {
          const seen = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
          return seen.length === 0 ? 0 : seen[Math.floor(seen.length / 2)];
        };
        for (const op of ['UploadLayerPart', 'CompleteLayerUpload'] as const) {
          const timings: Record<Trigger, number>[] = [];
          for (let i = 0; i < 3; i++) {
            const point: KillPoint = {
              n: 1000 + i,
              op,
              trigger: 'sent',
              fraction: 0,
              victim: i,
              partSizes: op === 'UploadLayerPart' ? [15 * MiB, 15 * MiB] : [5 * MiB, MiB],
              killedPart: 1,
            };
            timings.push(await run(point, null));
          }
          calibrated[op] = {
            sent: median(timings.map((t) => t.sent)),
            locked: median(timings.map((t) => t.locked)),
          };
        }
      }, 120_000);

      it.each(points.map((p) => [p.op, p.n, describePoint(p), p] as const))(
        'kill -9 during %s (point %d, %s), restart, resume',
        async (_op, _n, _where, point) => {
          const delayMs = Math.round(point.fraction * calibrated[point.op][point.trigger]);
          await run(point, delayMs);
        },
        120_000,
      );

      it('leaves every layer hashing to its digest, and nothing behind after a purge', async () => {
        const summary = results.map(
          (r) =>
            `  ${r.op} killed ${r.delayMs} ms after ${r.trigger === 'sent' ? 'it was sent' : 'its row lock was seen'}: ` +
            `${r.answer === 'cut' ? 'cut' : 'answered'}, ${r.phase}`,
        );
        const ms = (t: Record<Trigger, number>): string =>
          `${t.sent.toFixed(0)} ms from sending, ${t.locked.toFixed(0)} ms from the lock`;
        console.log(
          `${driver}: ${results.length} kill points (calibrated: part ${ms(calibrated.UploadLayerPart)}; ` +
            `completion ${ms(calibrated.CompleteLayerUpload)})\n${summary.join('\n')}`,
        );
        expect(results).toHaveLength(points.length);

        const blobs = await verifyBlobs(pg, blobDir);
        expect(blobs.problems).toEqual([]);
        const counts = await storageCounts(pg);
        expect(blobs.checked).toBe(completed.length);
        expect(counts.layers).toBe(completed.length);
        // Every upload started is completed, or abandoned on purpose.
        expect(counts.uploads).toBe(abandoned.length);

        const purge = await admin<{ uploads: number }>(
          cluster.url(0),
          'POST',
          '/admin/v1/maintenance/purge-expired-uploads',
          { olderThanSeconds: 0 },
        );
        expect(purge.status).toBe(200);
        expect(purge.json.uploads).toBe(abandoned.length);

        const report = await findOrphans(pg, blobDir);
        expect(report).toEqual(NO_ORPHANS);
        expect(orphanCount(report)).toBe(0);
        const after = await storageCounts(pg);
        expect(after).toEqual({
          uploads: 0,
          blobs: completed.length,
          storageObjects: completed.length,
          layers: completed.length,
        });
        // The purge touched no layer.
        expect((await verifyBlobs(pg, blobDir)).problems).toEqual([]);
        for (const url of cluster.urls) {
          expect((await fetch(`${url}/health/ready`)).status).toBe(200);
        }
      }, 300_000);
    },
  );
}
