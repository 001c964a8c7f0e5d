/**
 * Existence checks: `BatchCheckLayerAvailability` (the ECR door, through the SDK) and
 * `HEAD /v2/<name>/blobs/<digest>` (the /v2 door, through a keep-alive node:http client), each
 * from 16 concurrent clients, beside the ceiling of the same client against a server that
 * answers the same JSON and headers from memory (bench/existence-ceiling-server.ts); and the same
 * checks spread over 1, 2 and 3 Berth instances on one PostgreSQL.
 *
 * Part of `npm run bench` (bench/run.ts), or alone, on a database of its own:
 *
 *   nest build && node dist/bench/existence.js [--seconds=5] [--instances=1,2,3]
 *     [--driver=filesystem] [--no-ceiling] [--only=batch|head] [--env=NAME=value,…]
 *
 * (BENCH_DATABASE_URL as for bench/run.ts; BENCH_BERTH_NODE_ARGS=--cpu-prof … profiles the
 * servers.) It prints a markdown report and writes nothing under bench/results.
 */
import {
  BatchCheckLayerAvailabilityCommand,
  BatchCheckLayerAvailabilityCommandOutput,
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { BlobStoreDriver } from '../src/config/app-config';
import {
  BerthServer,
  builtFile,
  createDatabase,
  dropDatabase,
  newSecrets,
  startBerthInstances,
} from './berth-server';
import type { ExistenceAnswers } from './existence-ceiling-server';
import { ecrClient, PartFactory, pushLayer } from './layers';
import {
  cpuWindow,
  processCpuSeconds,
  setPgPidLister,
  stopAllChildren,
  stopChild,
  track,
} from './processes';
import { KiB, LatencySummary, summarize } from './stats';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const EXISTENCE_CLIENTS = 16;
export const EXISTENCE_DIGESTS = 100;
export const BATCH_TARGET_RPS = 1000;
export const HEAD_TARGET_RPS = 2000;
export const EXISTENCE_REPOSITORY = 'bench/existence';

/** Average cores busy during a measurement; `serverCores` is the sum over every instance. */
export interface ExistenceCpu {
  serverCores: number;
  perServerCores: number[];
  postgresCores: number;
  clientCores: number;
  otherCores: number;
}

export interface ExistenceFigure {
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: LatencySummary;
  cpu: ExistenceCpu;
}

export interface ExistenceScaling {
  instances: number;
  batch: ExistenceFigure;
  head: ExistenceFigure;
}

export interface ExistenceResult {
  driver: BlobStoreDriver;
  clients: number;
  digests: number;
  known: number;
  batch: ExistenceFigure;
  head: ExistenceFigure;
  ceiling?: { batch: ExistenceFigure; head: ExistenceFigure };
  scaling?: ExistenceScaling[];
}

/** What the checks ask: the repository's known digests mixed with unknown ones. */
export interface ExistenceWorkload {
  repositoryName: string;
  digests: string[];
  known: number;
  /** A known digest, for HEAD. */
  headDigest: string;
  /** `Basic …` for /v2, from GetAuthorizationToken. */
  authorization: string;
}

type Log = (line: string) => void;
type Settle = (pid: number | null) => Promise<void>;

// ---------------------------------------------------------------------------------------------
// the workload

/** Pushes small layers until the repository has `known`, and mixes in unknown digests. */
export async function prepareWorkload(
  url: string,
  repositoryName: string,
  knownDigests: string[],
  scenario: number,
): Promise<ExistenceWorkload> {
  const known = Math.floor(EXISTENCE_DIGESTS / 2);
  const client = ecrClient(url);
  try {
    const have = [...knownDigests];
    const factory = new PartFactory(scenario, 0);
    for (let layer = 0; have.length < known; layer++) {
      have.push((await pushLayer(client, repositoryName, factory, layer, 4 * KiB)).digest);
    }
    const unknown = Array.from(
      { length: EXISTENCE_DIGESTS - known },
      () => `sha256:${randomBytes(32).toString('hex')}`,
    );
    const digests = [...have.slice(0, known), ...unknown];
    for (let i = digests.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [digests[i], digests[j]] = [digests[j], digests[i]];
    }
    const token = await client.send(new GetAuthorizationTokenCommand({}));
    const authorizationToken = token.authorizationData?.[0]?.authorizationToken;
    if (!authorizationToken) throw new Error('GetAuthorizationToken answered no token');
    return {
      repositoryName,
      digests,
      known,
      headDigest: have[0],
      authorization: `Basic ${authorizationToken}`,
    };
  } finally {
    client.destroy();
  }
}

function batchCommand(w: ExistenceWorkload): BatchCheckLayerAvailabilityCommand {
  return new BatchCheckLayerAvailabilityCommand({
    repositoryName: w.repositoryName,
    layerDigests: w.digests,
  });
}

function checkBatchAnswer(w: ExistenceWorkload, out: BatchCheckLayerAvailabilityCommandOutput) {
  const available = (out.layers ?? []).filter((l) => l.layerAvailability === 'AVAILABLE');
  if (available.length !== w.known || (out.failures ?? []).length !== 0) {
    throw new Error(
      `BatchCheckLayerAvailability found ${available.length} of ${w.known} known layers ` +
        `and ${(out.failures ?? []).length} failures`,
    );
  }
}

function headPath(w: ExistenceWorkload): string {
  return `/v2/${w.repositoryName}/blobs/${w.headDigest}`;
}

function head(
  agent: http.Agent,
  url: URL,
  pathName: string,
  authorization: string,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'HEAD',
        path: pathName,
        headers: { authorization },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end();
  });
}

/** What Berth answers, for the ceiling server to answer the same. */
async function answersOf(url: string, w: ExistenceWorkload): Promise<ExistenceAnswers> {
  const client = ecrClient(url);
  const agent = new http.Agent({ keepAlive: false });
  try {
    const out = await client.send(batchCommand(w));
    checkBatchAnswer(w, out);
    const res = await head(agent, new URL(url), headPath(w), w.authorization);
    if (res.statusCode !== 200) throw new Error(`HEAD of a known blob answered ${res.statusCode}`);
    const headHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (typeof value === 'string' && !['date', 'connection', 'keep-alive'].includes(name))
        headHeaders[name] = value;
    }
    return {
      batchBody: JSON.stringify({ layers: out.layers, failures: out.failures }),
      headHeaders,
    };
  } finally {
    client.destroy();
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// load and its measurement

/** Runs `clients` loops of `call` for `seconds`; answers the latency of every call. */
async function hammer(
  clients: number,
  seconds: number,
  call: (client: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** CPU of the servers (each one), of PostgreSQL, of this process and of the rest, over `run`. */
async function measured(
  serverPids: number[],
  run: () => Promise<{ latencies: number[]; seconds: number }>,
): Promise<ExistenceFigure> {
  const window = await cpuWindow(null);
  const before = serverPids.map(processCpuSeconds);
  const t0 = performance.now();
  const { latencies, seconds } = await run();
  const wall = (performance.now() - t0) / 1000;
  const perServerCores = serverPids.map((pid, i) => (processCpuSeconds(pid) - before[i]) / wall);
  const cpu = await window();
  const serverCores = perServerCores.reduce((a, b) => a + b, 0);
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    latencyMs: summarize(latencies),
    cpu: {
      serverCores,
      perServerCores,
      postgresCores: cpu.postgresCores,
      clientCores: cpu.clientCores,
      otherCores: Math.max(0, cpu.otherCores - serverCores),
    },
  };
}

/** BatchCheckLayerAvailability from EXISTENCE_CLIENTS SDK clients, round-robin over `urls`. */
export async function measureBatch(
  urls: string[],
  pids: number[],
  w: ExistenceWorkload,
  seconds: number,
): Promise<ExistenceFigure> {
  const clients: ECRClient[] = Array.from({ length: EXISTENCE_CLIENTS }, (_, i) =>
    ecrClient(urls[i % urls.length]),
  );
  try {
    for (const client of clients.slice(0, urls.length))
      checkBatchAnswer(w, await client.send(batchCommand(w)));
    const call = async (i: number): Promise<void> => {
      await clients[i].send(batchCommand(w));
    };
    await hammer(clients.length, 1, call); // warm-up: JIT, connections, caches
    return await measured(pids, () => hammer(clients.length, seconds, call));
  } finally {
    clients.forEach((c) => c.destroy());
  }
}

/** HEAD of a known blob over EXISTENCE_CLIENTS keep-alive connections, round-robin over `urls`. */
export async function measureHead(
  urls: string[],
  pids: number[],
  w: ExistenceWorkload,
  seconds: number,
): Promise<ExistenceFigure> {
  const targets = urls.map((u) => ({
    url: new URL(u),
    agent: new http.Agent({ keepAlive: true, maxSockets: EXISTENCE_CLIENTS }),
  }));
  const pathName = headPath(w);
  const call = async (i: number): Promise<void> => {
    const t = targets[i % targets.length];
    const res = await head(t.agent, t.url, pathName, w.authorization);
    if (res.statusCode !== 200) throw new Error(`HEAD of a known blob answered ${res.statusCode}`);
  };
  try {
    await hammer(EXISTENCE_CLIENTS, 1, call);
    return await measured(pids, () => hammer(EXISTENCE_CLIENTS, seconds, call));
  } finally {
    targets.forEach((t) => t.agent.destroy());
  }
}

async function startCeiling(
  answers: ExistenceAnswers,
): Promise<{ child: ChildProcess; url: string }> {
  const child = track(
    fork(builtFile('bench', 'existence-ceiling-server.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ceiling server exited (${code})`)));
    child.once('message', (msg: { port: number }) => resolve(msg.port));
    child.send(answers);
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Both checks against one Berth, and (unless `ceiling` is false) against the ceiling server. */
export async function runExistence(options: {
  servers: BerthServer[];
  workload: ExistenceWorkload;
  seconds: number;
  settle: Settle;
  log: Log;
  ceiling?: boolean;
  /** One check alone (for a profile of it); the other is not measured. */
  only?: 'batch' | 'head';
}): Promise<Omit<ExistenceResult, 'scaling'>> {
  const { servers, workload: w, seconds, settle, log } = options;
  const urls = servers.map((s) => s.url);
  const pids = servers.map((s) => s.pid);
  const skipped = (): Promise<ExistenceFigure> =>
    Promise.resolve({
      requests: 0,
      seconds: 0,
      rps: NaN,
      latencyMs: summarize([]),
      cpu: {
        serverCores: NaN,
        perServerCores: [],
        postgresCores: NaN,
        clientCores: NaN,
        otherCores: NaN,
      },
    });
  const measure = (which: 'batch' | 'head', u: string[], p: number[]): Promise<ExistenceFigure> =>
    options.only && options.only !== which
      ? skipped()
      : (which === 'batch' ? measureBatch : measureHead)(u, p, w, seconds);
  await settle(pids[0]);
  const batch = await measure('batch', urls, pids);
  log(`  BatchCheckLayerAvailability: ${batch.rps.toFixed(0)} req/s (${cpuText(batch.cpu)})`);
  await settle(pids[0]);
  const headFigure = await measure('head', urls, pids);
  log(
    `  HEAD /v2/…/blobs/<digest>: ${headFigure.rps.toFixed(0)} req/s (${cpuText(headFigure.cpu)})`,
  );
  const result: Omit<ExistenceResult, 'scaling'> = {
    driver: servers[0].driver,
    clients: EXISTENCE_CLIENTS,
    digests: w.digests.length,
    known: w.known,
    batch,
    head: headFigure,
  };
  if (options.ceiling === false) return result;
  const ceiling = await startCeiling(await answersOf(urls[0], w));
  try {
    const cpid = ceiling.child.pid!;
    await settle(cpid);
    const cBatch = await measure('batch', [ceiling.url], [cpid]);
    await settle(cpid);
    const cHead = await measure('head', [ceiling.url], [cpid]);
    log(
      `  ceiling: BatchCheckLayerAvailability ${cBatch.rps.toFixed(0)} req/s, HEAD ${cHead.rps.toFixed(0)} req/s`,
    );
    result.ceiling = { batch: cBatch, head: cHead };
  } finally {
    await stopChild(ceiling.child);
  }
  return result;
}

/**
 * The checks spread over 1, 2, … instances on one database (`instanceCounts`), each count on
 * instances started afresh; `start(n)` starts n instances (see startBerthInstances).
 */
export async function runExistenceScaling(options: {
  instanceCounts: number[];
  start: (count: number) => Promise<BerthServer[]>;
  workload: ExistenceWorkload;
  seconds: number;
  settle: Settle;
  log: Log;
}): Promise<ExistenceScaling[]> {
  const out: ExistenceScaling[] = [];
  for (const instances of options.instanceCounts) {
    const servers = await options.start(instances);
    try {
      options.log(`existence checks over ${instances} instance(s)`);
      const r = await runExistence({ ...options, servers, ceiling: false });
      out.push({ instances, batch: r.batch, head: r.head });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the report

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');
const ms = (n: number): string =>
  !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : n.toFixed(0);

function cpuText(c: ExistenceCpu): string {
  return `CPU server ${f2(c.serverCores)} / pg ${f2(c.postgresCores)} / client ${f2(c.clientCores)} / other ${f2(c.otherCores)}`;
}

function cpuCells(c: ExistenceCpu): string {
  const per = c.perServerCores.length > 1 ? ` (${c.perServerCores.map(f2).join(' + ')})` : '';
  return `${f2(c.serverCores)}${per} / ${f2(c.postgresCores)} / ${f2(c.clientCores)} / ${f2(c.otherCores)}`;
}

/** The targets of the existence checks, as rows of the report's target table. */
export function existenceTargets(r: ExistenceResult): {
  target: string;
  measured: number;
  against: number;
  ceiling?: number;
}[] {
  return [
    {
      target: `BatchCheckLayerAvailability (${r.digests} digests, ${r.clients} clients) ≥ ${BATCH_TARGET_RPS} req/s`,
      measured: r.batch.rps,
      against: BATCH_TARGET_RPS,
      ceiling: r.ceiling?.batch.rps,
    },
    {
      target: `HEAD /v2/<name>/blobs/<digest> (${r.clients} connections) ≥ ${HEAD_TARGET_RPS} req/s`,
      measured: r.head.rps,
      against: HEAD_TARGET_RPS,
      ceiling: r.ceiling?.head.rps,
    },
  ];
}

export function renderExistence(results: ExistenceResult[]): string {
  const out: string[] = ['## Existence checks', ''];
  out.push(
    `${EXISTENCE_CLIENTS} concurrent clients: BatchCheckLayerAvailability of ${EXISTENCE_DIGESTS} digests (half of them ` +
      'layers of the repository) through the SDK, and HEAD of a known blob through /v2 with a ' +
      'keep-alive node:http client. The ceiling is the same client against a server that answers ' +
      "Berth's JSON and headers from memory. CPU is average cores busy: Berth (every instance) / " +
      'PostgreSQL / benchmark client / everything else (2 cores in all on the reference machine).',
    '',
    '| driver | check | instances | req/s | target | × target | ceiling req/s | × ceiling | p50 (ms) | p99 (ms) | CPU server / pg / client / other |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const rows: [string, number, ExistenceFigure, number, ExistenceFigure | undefined][] = [
      ['BatchCheckLayerAvailability', 1, r.batch, BATCH_TARGET_RPS, r.ceiling?.batch],
      ['HEAD blob', 1, r.head, HEAD_TARGET_RPS, r.ceiling?.head],
    ];
    for (const s of r.scaling ?? []) {
      rows.push(['BatchCheckLayerAvailability', s.instances, s.batch, BATCH_TARGET_RPS, undefined]);
      rows.push(['HEAD blob', s.instances, s.head, HEAD_TARGET_RPS, undefined]);
    }
    for (const [check, instances, f, target, ceiling] of rows) {
      out.push(
        `| ${r.driver} | ${check} | ${instances} | **${f0(f.rps)}** | ${target} | ${f2(f.rps / target)} | ` +
          `${ceiling ? f0(ceiling.rps) : '–'} | ${ceiling ? f2(f.rps / ceiling.rps) : '–'} | ` +
          `${ms(f.latencyMs.p50)} | ${ms(f.latencyMs.p99)} | ${cpuCells(f.cpu)} |`,
      );
    }
    if (r.ceiling) {
      for (const [check, f] of [
        ['BatchCheckLayerAvailability', r.ceiling.batch],
        ['HEAD blob', r.ceiling.head],
      ] as const) {
        out.push(
          `| ${r.driver} | ${check}, ceiling server | – | ${f0(f.rps)} | – | – | – | – | ${ms(f.latencyMs.p50)} | ` +
            `${ms(f.latencyMs.p99)} | ${cpuCells(f.cpu)} |`,
        );
      }
    }
  }
  out.push('');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// alone

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const t0 = performance.now();
  const log: Log = (line) =>
    process.stdout.write(
      `[existence ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
    );
  const seconds = Number(argValue(argv, 'seconds') ?? 5);
  const counts = (argValue(argv, 'instances') ?? '1')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const driver = (argValue(argv, 'driver') ?? 'filesystem') as BlobStoreDriver;
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `berth-existence-${process.pid}-`));
  const dbName = `berth_bench_${process.pid}_existence`;
  const dbUrl = await createDatabase(adminUrl, dbName);
  const activity = new Client({ connectionString: adminUrl });
  await activity.connect();
  setPgPidLister(async () => {
    const { rows } = await activity.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()`,
      [dbName],
    );
    return rows.map((r) => r.pid);
  });
  // Settings for the servers, e.g. --env=LAYER_CACHE_TTL=0 to measure without the layer cache.
  const env = Object.fromEntries(
    (argValue(argv, 'env') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const secrets = newSecrets();
  let run = 0;
  const start = (count: number): Promise<BerthServer[]> =>
    startBerthInstances(count, {
      driver,
      secrets,
      databaseUrl: dbUrl,
      dataDir: path.join(tmp, `data-${run}`),
      logPath: path.join(tmp, `server-${run++}.log`),
      env,
    });
  const settle: Settle = async () => {
    await new Promise((r) => setTimeout(r, 500));
  };
  try {
    const [first] = await start(1);
    let workload: ExistenceWorkload;
    let single: Omit<ExistenceResult, 'scaling'>;
    try {
      const admin = ecrClient(first.url);
      await admin.send(new CreateRepositoryCommand({ repositoryName: EXISTENCE_REPOSITORY }));
      admin.destroy();
      workload = await prepareWorkload(first.url, EXISTENCE_REPOSITORY, [], 1);
      log(`one instance (pid ${first.pid}), ${seconds} s per measurement`);
      single = await runExistence({
        servers: [first],
        workload,
        seconds,
        settle,
        log,
        ceiling: !argv.includes('--no-ceiling'),
        only: argValue(argv, 'only') as 'batch' | 'head' | undefined,
      });
    } finally {
      await first.stop();
    }
    const scaling =
      counts.length > 1 || counts[0] !== 1
        ? await runExistenceScaling({
            instanceCounts: counts,
            start,
            workload,
            seconds,
            settle,
            log,
          })
        : undefined;
    process.stdout.write(`\n${renderExistence([{ ...single, scaling }])}\n`);
  } finally {
    await stopAllChildren();
    await activity.end();
    await dropDatabase(adminUrl, dbName);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      void stopAllChildren().finally(() => process.exit(1));
    },
  );
}
