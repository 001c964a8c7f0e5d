/**
 * What this machine can do at best with the same bytes, measured in the same run:
 *  (a) the same UploadLayerPart requests, sent by the SDK, to a server that only parses them;
 *  (b) write + fsync of the same parts as files on the disk of DATA_DIR;
 *  (c) INSERT of the same bytes as 1 MiB bytea rows (storage EXTERNAL) through pg;
 *  SDK alone: the same requests, sent by the SDK, to a server that only reads each body and
 *      answers a fixed JSON: the client's own cost, the most any server can let it reach.
 * Each is single-stream and uses exactly the parts of the single-stream push of the same size.
 */
import { fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { builtFile } from './berth-server';
import { ecrClient, PartFactory, partRanges, sendParts } from './layers';
import { cpuWindow, CpuWindow, RssSampler, stopChild, track } from './processes';
import { mbPerSecond, MiB } from './stats';
// The row size of the postgres driver: the ceiling inserts the same rows.
import { CHUNK_BYTES } from '../src/storage/postgres-blob.store';

export interface CeilingFigure {
  bytes: number;
  seconds: number;
  mbps: number;
  cpu?: CpuWindow;
  /** MB/s of each measurement (before and after the Berth runs); `mbps` is the best. */
  runsMbps?: number[];
  /** Peak RSS of the ceiling server, for (a). */
  peakServerRssMiB?: number;
}

export interface SizeCeilings {
  layerSize: number;
  layers: number;
  a?: CeilingFigure;
  b?: CeilingFigure;
  c?: CeilingFigure;
  /** The SDK alone (a server that reads and drops each body). */
  sdk?: CeilingFigure;
}

/** Waits (a bounded time) for the machine to be quiet before a measurement; `pid`: our server. */
export type Settle = (pid: number | null) => Promise<void>;

/** Scenario ids of the ceilings' parts, apart from those of the pushes. */
const CEILING_SCENARIO = 0xce000000;

async function startCeilingServer(
  args: string[] = [],
): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const child = track(
    fork(builtFile('bench', 'ceiling-server.js'), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ceiling server did not start')), 15_000);
    child.once('message', (msg: { port: number }) => {
      clearTimeout(timer);
      resolve(msg.port);
    });
    child.once('exit', (code) => reject(new Error(`the ceiling server exited (${code})`)));
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
    },
  };
}

/** (a) for every size: `layers[i]` layers of `sizes[i]` bytes, hashed and sent part by part. */
export function measureCeilingA(
  plan: { layerSize: number; layers: number }[],
  sampler: RssSampler,
  log: (line: string) => void,
  settle: Settle,
): Promise<CeilingFigure[]> {
  return measureThroughServer(false, plan, sampler, log, settle);
}

/** SDK alone: as (a), to a server that only reads each body and answers a fixed JSON. */
export function measureCeilingSdkAlone(
  plan: { layerSize: number; layers: number }[],
  sampler: RssSampler,
  log: (line: string) => void,
  settle: Settle,
): Promise<CeilingFigure[]> {
  return measureThroughServer(true, plan, sampler, log, settle);
}

async function measureThroughServer(
  sdkAlone: boolean,
  plan: { layerSize: number; layers: number }[],
  sampler: RssSampler,
  log: (line: string) => void,
  settle: Settle,
): Promise<CeilingFigure[]> {
  const server = await startCeilingServer(sdkAlone ? ['--sdk-alone'] : []);
  // The SDK-alone server answers a fixed lastByteReceived.
  const check = !sdkAlone;
  const client = ecrClient(server.url);
  try {
    sampler.watch(server.pid);
    // Warm-up: JIT of both sides, socket, page faults of the first large buffers.
    const warm = new PartFactory(CEILING_SCENARIO, 0);
    await sendParts(client, 'bench/ceiling', randomUUID(), warm, 0, 20 * MiB, null, [], check);
    const figures: CeilingFigure[] = [];
    for (const [i, { layerSize, layers }] of plan.entries()) {
      const factory = new PartFactory(CEILING_SCENARIO + 1 + i, 0);
      await sampler.reset();
      await settle(server.pid);
      const cpu = await cpuWindow(server.pid);
      const started = performance.now();
      for (let layer = 0; layer < layers; layer++) {
        const hash = createHash('sha256');
        await sendParts(
          client,
          'bench/ceiling',
          randomUUID(),
          factory,
          layer,
          layerSize,
          hash,
          [],
          check,
        );
        hash.digest();
      }
      const seconds = (performance.now() - started) / 1000;
      const peaks = await sampler.read();
      const figure: CeilingFigure = {
        bytes: layerSize * layers,
        seconds,
        mbps: mbPerSecond(layerSize * layers, seconds),
        cpu: await cpu(),
        peakServerRssMiB: peaks.watchedPeakMiB,
      };
      const what = sdkAlone ? 'SDK alone -> read-only node:http' : '(a) SDK -> minimal node:http';
      log(`  ${what}, ${layers} x ${layerSize / MiB} MiB: ${figure.mbps.toFixed(1)} MB/s`);
      figures.push(figure);
    }
    return figures;
  } finally {
    sampler.watch(null);
    client.destroy();
    await server.stop();
  }
}

/** (b) write + fsync of the same parts, one file each, in `dir`. */
export async function measureCeilingB(
  plan: { layerSize: number; layers: number }[],
  dir: string,
  log: (line: string) => void,
  settle: Settle,
): Promise<CeilingFigure[]> {
  const figures: CeilingFigure[] = [];
  for (const [i, { layerSize, layers }] of plan.entries()) {
    const target = path.join(dir, `ceiling-b-${i}`);
    await fsp.mkdir(target, { recursive: true });
    const factory = new PartFactory(CEILING_SCENARIO + 1 + i, 0);
    await settle(null);
    const cpu = await cpuWindow(null);
    const started = performance.now();
    let fileNo = 0;
    for (let layer = 0; layer < layers; layer++) {
      let partNo = 0;
      for (const { length } of partRanges(layerSize)) {
        const file = await fsp.open(path.join(target, String(fileNo++)), 'w', 0o640);
        try {
          await file.writeFile(factory.part(layer, partNo++, length));
          await file.sync();
        } finally {
          await file.close();
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const figure: CeilingFigure = {
      bytes: layerSize * layers,
      seconds,
      mbps: mbPerSecond(layerSize * layers, seconds),
      cpu: await cpu(),
    };
    log(`  (b) write + fsync, ${layers} x ${layerSize / MiB} MiB: ${figure.mbps.toFixed(1)} MB/s`);
    figures.push(figure);
    await fsp.rm(target, { recursive: true, force: true });
  }
  return figures;
}

/**
 * (c) INSERT of the same bytes as 1 MiB bytea rows (storage EXTERNAL) into a scratch table of
 * the bench database, one INSERT per row, one transaction per part (Berth also commits a part at
 * a time). The table has Berth's primary key shape, without the foreign key.
 */
export async function measureCeilingC(
  plan: { layerSize: number; layers: number }[],
  url: string,
  log: (line: string) => void,
  settle: Settle,
): Promise<CeilingFigure[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE bench_ceiling_chunks (
        storage_key uuid NOT NULL,
        part_no integer NOT NULL,
        chunk_no integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (storage_key, part_no, chunk_no)
      )`);
    await client.query('ALTER TABLE bench_ceiling_chunks ALTER COLUMN data SET STORAGE EXTERNAL');
    const insert =
      'INSERT INTO bench_ceiling_chunks (storage_key, part_no, chunk_no, data) VALUES ($1, $2, $3, $4)';
    const figures: CeilingFigure[] = [];
    for (const [i, { layerSize, layers }] of plan.entries()) {
      const factory = new PartFactory(CEILING_SCENARIO + 1 + i, 0);
      await settle(null);
      const cpu = await cpuWindow(null);
      const started = performance.now();
      for (let layer = 0; layer < layers; layer++) {
        const key = randomUUID();
        let partNo = 0;
        for (const { length } of partRanges(layerSize)) {
          const data = factory.part(layer, partNo, length);
          await client.query('BEGIN');
          for (let chunkNo = 0, offset = 0; offset < length; chunkNo++, offset += CHUNK_BYTES) {
            await client.query(insert, [
              key,
              partNo,
              chunkNo,
              data.subarray(offset, Math.min(offset + CHUNK_BYTES, length)),
            ]);
          }
          await client.query('COMMIT');
          partNo++;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const figure: CeilingFigure = {
        bytes: layerSize * layers,
        seconds,
        mbps: mbPerSecond(layerSize * layers, seconds),
        cpu: await cpu(),
      };
      log(
        `  (c) pg INSERT 1 MiB bytea rows, ${layers} x ${layerSize / MiB} MiB: ${figure.mbps.toFixed(1)} MB/s`,
      );
      figures.push(figure);
      await client.query('TRUNCATE bench_ceiling_chunks');
    }
    await client.query('DROP TABLE bench_ceiling_chunks');
    return figures;
  } finally {
    await client.end();
  }
}

/** The better of two measurements of each ceiling, keeping both figures. */
export function bestOf(runs: SizeCeilings[][]): SizeCeilings[] {
  return runs[0].map((first, i) => {
    const pick = (which: 'a' | 'b' | 'c' | 'sdk'): CeilingFigure | undefined => {
      const figures = runs.map((r) => r[i]?.[which]).filter((f): f is CeilingFigure => !!f);
      if (figures.length === 0) return undefined;
      const best = figures.reduce((x, y) => (y.mbps > x.mbps ? y : x));
      return { ...best, runsMbps: figures.map((f) => f.mbps) };
    };
    return {
      layerSize: first.layerSize,
      layers: first.layers,
      a: pick('a'),
      b: pick('b'),
      c: pick('c'),
      sdk: pick('sdk'),
    };
  });
}
