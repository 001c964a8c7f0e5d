/**
 * `npm run bench`: layer push throughput, CompleteLayerUpload latency, BatchCheckLayerAvailability
 * rate and server memory of Berth, for each storage driver, beside ceilings measured in the same
 * run on the same machine. Options: see bench/options.ts (`--quick`, `--sizes`, `--drivers`).
 *
 * With `--scenarios` including `oci` (the default), the /v2 scenarios of bench/oci.ts follow,
 * against CNCF distribution started in the same run.
 *
 * Berth runs from the built code (`node dist/src/main.js`) in its own process, on a fresh
 * database of BENCH_DATABASE_URL's server; results go to bench/results/<timestamp>.{json,md} and
 * bench/results/latest.{json,md}.
 */
import {
  BatchCheckLayerAvailabilityCommand,
  CreateRepositoryCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
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
  PROJECT_ROOT,
  snapshotBuild,
  startBerth,
  startBerthInstances,
} from './berth-server';
import { prepareWorkload, runExistence, runExistenceScaling } from './existence';
import {
  bestOf,
  measureCeilingA,
  measureCeilingB,
  measureCeilingC,
  measureCeilingSdkAlone,
  SizeCeilings,
} from './ceilings';
import { ecrClient, PartFactory, pushLayer, PushedLayer } from './layers';
import { freeBytes, machineInfo } from './machine';
import { runOciScenarios } from './oci';
import { runScaleScenario } from './scale';
import { BenchOptions, layersPerStream, parseOptions } from './options';
import {
  cpuWindow,
  CpuWindow,
  killAllChildrenNow,
  RssSampler,
  setPgPidLister,
  stopAllChildren,
} from './processes';
import {
  BatchResult,
  DriverResult,
  evaluateTargets,
  renderMarkdown,
  Results,
  ScenarioResult,
} from './report';
import { Attempt, NOISY_OTHER_CORES } from './report-table';
import { formatSize, GiB, KiB, mbPerSecond, MiB, summarize } from './stats';

// The SDK's notice that it will need Node 22 in 2027 says nothing about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPOSITORY = 'bench/layers';
const LOW_DISK_BYTES = 30e9;

const t0 = performance.now();
function log(line: string): void {
  const elapsed = ((performance.now() - t0) / 1000).toFixed(1).padStart(7);
  process.stdout.write(`[bench ${elapsed}s] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// cleanup: everything the run creates is registered here and undone in reverse order

class Cleanup {
  private readonly items: { label: string; fn: () => Promise<void>; done: boolean }[] = [];
  private running: Promise<void> | undefined;

  /** Registers `fn`; the returned function runs it now (once) instead of at the end. */
  add(label: string, fn: () => Promise<void>): () => Promise<void> {
    const item = { label, fn, done: false };
    this.items.push(item);
    return async () => {
      if (item.done) return;
      item.done = true;
      await fn();
    };
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const item of [...this.items].reverse()) {
        if (item.done) continue;
        item.done = true;
        try {
          await item.fn();
        } catch (err) {
          log(`cleanup: ${item.label} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      await stopAllChildren();
    })();
    return this.running;
  }
}

const cleanup = new Cleanup();
let exiting = false;

function abort(reason: string, code: number): void {
  if (exiting) {
    // A second signal: stop waiting.
    killAllChildrenNow();
    process.exit(code);
  }
  exiting = true;
  log(`${reason}: stopping servers, dropping databases, removing temp dirs`);
  void cleanup.runAll().finally(() => process.exit(code));
}

// ---------------------------------------------------------------------------------------------
// the machine is shared: wait for quiet before a measurement, repeat one that was disturbed

const QUIET_MAX_WAIT_MS = 30_000;

/** Waits (at most QUIET_MAX_WAIT_MS) until other work uses under NOISY_OTHER_CORES for 1 s. */
async function settle(pid: number | null): Promise<void> {
  const deadline = Date.now() + QUIET_MAX_WAIT_MS;
  for (let said = false; ;) {
    const window = await cpuWindow(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const { otherCores } = await window();
    if (otherCores <= NOISY_OTHER_CORES) return;
    if (Date.now() > deadline) {
      log(
        `  the machine stays busy with other work (${otherCores.toFixed(2)} cores); measuring anyway`,
      );
      return;
    }
    if (!said)
      log(`  waiting for other work on the machine to calm down (${otherCores.toFixed(2)} cores)`);
    said = true;
  }
}

/**
 * Runs a measurement; if other work disturbed it (see NOISY_OTHER_CORES), runs it once more and
 * keeps the less disturbed of the two (not the faster one), recording the other in `discarded`.
 */
async function repeatIfNoisy<T extends { cpu: CpuWindow; discarded?: Attempt[] }>(
  label: string,
  run: () => Promise<T>,
  value: (r: T) => number,
): Promise<T> {
  const first = await run();
  if (first.cpu.otherCores <= NOISY_OTHER_CORES) return first;
  log(
    `${label}: other work took ${first.cpu.otherCores.toFixed(2)} cores during the measurement ` +
      `(${value(first).toFixed(1)}); measuring again`,
  );
  const second = await run();
  const [kept, dropped] =
    second.cpu.otherCores < first.cpu.otherCores ? [second, first] : [first, second];
  kept.discarded = [{ value: value(dropped), otherCores: dropped.cpu.otherCores }];
  return kept;
}

// ---------------------------------------------------------------------------------------------
// push scenarios

interface DriverContext {
  options: BenchOptions;
  sampler: RssSampler;
  server: BerthServer;
  nextScenario: () => number;
  pushed: string[];
}

async function runScenario(
  ctx: DriverContext,
  layerSize: number,
  concurrency: number,
): Promise<ScenarioResult> {
  const scenario = ctx.nextScenario();
  const perStream = layersPerStream(ctx.options, layerSize, concurrency);
  const clients = Array.from({ length: concurrency }, () => ecrClient(ctx.server.url));
  const pushed: PushedLayer[] = [];
  await settle(ctx.server.pid);
  await ctx.sampler.reset();
  const cpu = await cpuWindow(ctx.server.pid);
  const started = performance.now();
  try {
    await Promise.all(
      clients.map(async (client, stream) => {
        const factory = new PartFactory(scenario, stream);
        for (let layer = 0; layer < perStream; layer++) {
          pushed.push(await pushLayer(client, REPOSITORY, factory, layer, layerSize));
        }
      }),
    );
  } finally {
    clients.forEach((c) => c.destroy());
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuUse = await cpu();
  const peaks = await ctx.sampler.read();
  ctx.pushed.push(...pushed.map((p) => p.digest));
  const bytes = pushed.reduce((sum, p) => sum + p.bytes, 0);
  return {
    driver: ctx.server.driver,
    layerSize,
    concurrency,
    layers: pushed.length,
    bytes,
    seconds,
    mbps: mbPerSecond(bytes, seconds),
    completeMs: summarize(pushed.map((p) => p.completeMs)),
    partMs: summarize(pushed.flatMap((p) => p.partMs)),
    peakServerRssMiB: peaks.watchedPeakMiB,
    peakClientRssMiB: peaks.selfPeakMiB,
    rssSamples: peaks.samples,
    cpu: cpuUse,
  };
}

// ---------------------------------------------------------------------------------------------
// BatchCheckLayerAvailability

async function runBatchCheck(ctx: DriverContext): Promise<BatchResult> {
  const { options } = ctx;
  const knownCount = Math.floor(options.batchDigests / 2);
  const setup = ecrClient(ctx.server.url);
  try {
    // Enough pushed layers for the known half (normally the scenarios pushed plenty).
    const tiny = new PartFactory(ctx.nextScenario(), 0);
    for (let layer = 0; ctx.pushed.length < knownCount; layer++) {
      ctx.pushed.push((await pushLayer(setup, REPOSITORY, tiny, layer, 4 * KiB)).digest);
    }
  } finally {
    setup.destroy();
  }
  const known = ctx.pushed.slice(0, knownCount);
  const unknown = Array.from(
    { length: options.batchDigests - knownCount },
    () => `sha256:${randomBytes(32).toString('hex')}`,
  );
  const digests = [...known, ...unknown];
  for (let i = digests.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [digests[i], digests[j]] = [digests[j], digests[i]];
  }
  const clients: ECRClient[] = Array.from({ length: options.batchClients }, () =>
    ecrClient(ctx.server.url),
  );
  const command = (): BatchCheckLayerAvailabilityCommand =>
    new BatchCheckLayerAvailabilityCommand({ repositoryName: REPOSITORY, layerDigests: digests });
  try {
    const check = await clients[0].send(command());
    const available = (check.layers ?? []).filter((l) => l.layerAvailability === 'AVAILABLE');
    if (available.length !== known.length || (check.failures ?? []).length !== 0) {
      throw new Error(
        `BatchCheckLayerAvailability found ${available.length} of ${known.length} known layers ` +
          `and ${(check.failures ?? []).length} failures`,
      );
    }
    const hammer = async (seconds: number, latencies: number[] | null): Promise<number> => {
      const started = performance.now();
      const deadline = started + seconds * 1000;
      await Promise.all(
        clients.map(async (client) => {
          while (performance.now() < deadline) {
            const t = performance.now();
            await client.send(command());
            latencies?.push(performance.now() - t);
          }
        }),
      );
      return (performance.now() - started) / 1000;
    };
    await settle(ctx.server.pid);
    await hammer(1, null); // warm-up
    const latencies: number[] = [];
    await ctx.sampler.reset();
    const cpu = await cpuWindow(ctx.server.pid);
    const seconds = await hammer(options.batchSeconds, latencies);
    const cpuUse = await cpu();
    const peaks = await ctx.sampler.read();
    return {
      driver: ctx.server.driver,
      clients: clients.length,
      digests: digests.length,
      known: known.length,
      seconds,
      requests: latencies.length,
      rps: latencies.length / seconds,
      latencyMs: summarize(latencies),
      peakServerRssMiB: peaks.watchedPeakMiB,
      cpu: cpuUse,
    };
  } finally {
    clients.forEach((c) => c.destroy());
  }
}

// ---------------------------------------------------------------------------------------------
// one driver

/**
 * After a failed measurement: how the Berth process ended if it is gone or going (a process
 * shutting down on SIGTERM still runs a moment after it stops answering), null if it answers.
 */
async function goneOrAlive(
  server: BerthServer,
  waitMs = 15_000,
): Promise<{ code: number | null; signal: string | null } | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const exit = server.exited();
    if (exit) return exit;
    try {
      const res = await fetch(`${server.url}/health/live`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return null;
    } catch {
      // not answering: shutting down, or hung
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runDriver(
  driver: BlobStoreDriver,
  options: BenchOptions,
  plan: { layerSize: number; concurrency: number }[],
  sampler: RssSampler,
  tmpRoot: string,
  nextScenario: () => number,
): Promise<DriverResult> {
  const result: DriverResult = { driver, serverStartMs: NaN, scenarios: [] };
  const dbName = `berth_bench_${process.pid}_${driver === 'filesystem' ? 'fs' : 'pg'}`;
  const dataDir = path.join(tmpRoot, `${driver}-data`);
  const url = await createDatabase(options.adminUrl, dbName);
  const dropDb = cleanup.add(`drop database ${dbName}`, () =>
    dropDatabase(options.adminUrl, dbName),
  );
  const removeDir = cleanup.add(`remove ${dataDir}`, () =>
    fs.promises.rm(dataDir, { recursive: true, force: true }),
  );
  let stopServer: (() => Promise<void>) | undefined;
  let server: BerthServer | undefined;
  let ctx: DriverContext | undefined;
  const secrets = newSecrets();
  const start = async (): Promise<BerthServer> => {
    const started = await startBerth({
      driver,
      secrets,
      databaseUrl: url,
      dataDir,
      logPath: path.join(tmpRoot, `${driver}-server.log`),
    });
    server = started;
    if (ctx) ctx.server = started;
    sampler.watch(started.pid);
    log(
      `${driver}: ready in ${started.startMs.toFixed(0)} ms (pid ${started.pid}, ${started.url})`,
    );
    return started;
  };
  /**
   * Runs a measurement; if the Berth process was gone when it failed (on this shared machine,
   * something else once sent it SIGTERM), starts it again on the same database and DATA_DIR and
   * runs the measurement once more. Recorded in `restarts`.
   */
  const withRestart = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const exit = server ? await goneOrAlive(server) : null;
      if (!exit || (result.restarts?.length ?? 0) >= 2) throw err;
      (result.restarts ??= []).push({ during: label, ...exit });
      log(
        `${label}: Berth had exited (code ${exit.code}, signal ${exit.signal}) and the ` +
          `measurement failed (${err instanceof Error ? err.message : String(err)}); restarting it`,
      );
      await start();
      return run();
    }
  };
  try {
    log(`${driver}: starting Berth (database ${dbName}, DATA_DIR ${dataDir})`);
    await start();
    stopServer = cleanup.add(`stop Berth (${driver})`, async () => {
      if (server) result.serverExit = await server.stop();
    });
    result.serverStartMs = server!.startMs;
    ctx = { options, sampler, server: server!, nextScenario, pushed: [] };
    const admin = ecrClient(server!.url);
    try {
      await admin.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
      // Warm-up, not measured: JIT, connection pool, first allocations of large buffers.
      await pushLayer(admin, REPOSITORY, new PartFactory(nextScenario(), 0), 0, 20 * MiB);
    } finally {
      admin.destroy();
    }
    const c = ctx;
    for (const { layerSize, concurrency } of plan) {
      log(
        `${driver}: pushing ${layersPerStream(options, layerSize, concurrency) * concurrency} × ` +
          `${formatSize(layerSize)}, ${concurrency} concurrent`,
      );
      const label = `${driver}: ${formatSize(layerSize)} × ${concurrency}`;
      const scenario = await withRestart(label, () =>
        repeatIfNoisy(
          label,
          () => runScenario(c, layerSize, concurrency),
          (r) => r.mbps,
        ),
      );
      result.scenarios.push(scenario);
      log(
        `${driver}: ${formatSize(layerSize)} × ${concurrency}: ${scenario.mbps.toFixed(1)} MB/s, ` +
          `${scenario.seconds.toFixed(1)} s, CompleteLayerUpload p50 ${scenario.completeMs.p50.toFixed(1)} ms, ` +
          `peak RSS ${scenario.peakServerRssMiB.toFixed(0)} MiB`,
      );
    }
    log(
      `${driver}: BatchCheckLayerAvailability, ${options.batchClients} clients, ${options.batchSeconds} s`,
    );
    const batchLabel = `${driver}: BatchCheckLayerAvailability`;
    result.batch = await withRestart(batchLabel, () =>
      repeatIfNoisy(
        batchLabel,
        () => runBatchCheck(c),
        (r) => r.rps,
      ),
    );
    log(
      `${driver}: ${result.batch.rps.toFixed(0)} req/s, p50 ${result.batch.latencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${result.batch.latencyMs.p99.toFixed(1)} ms`,
    );
    log(`${driver}: existence checks (HEAD of a blob, and both checks' ceilings)`);
    const workload = await prepareWorkload(server!.url, REPOSITORY, c.pushed, nextScenario());
    result.existence = await withRestart(`${driver}: existence checks`, () =>
      runExistence({ servers: [server!], workload, seconds: options.batchSeconds, settle, log }),
    );
    const tail = server!.logTail(10).trim();
    if (tail) log(`${driver}: server log (warn and above):\n${tail}`);
    if (driver === options.drivers[0] && options.existenceInstances.length > 0) {
      // Fresh instances on the same database and DATA_DIR, with this one stopped.
      await stopServer();
      let round = 0;
      result.existence.scaling = await runExistenceScaling({
        instanceCounts: options.existenceInstances,
        start: (count) =>
          startBerthInstances(count, {
            driver,
            secrets,
            databaseUrl: url,
            dataDir,
            logPath: path.join(tmpRoot, `${driver}-scaling-${round++}-server.log`),
          }),
        workload,
        seconds: options.batchSeconds,
        settle,
        log,
      });
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    const exit = server ? await goneOrAlive(server, 5000) : null;
    if (exit) {
      result.error +=
        ` (the Berth process had exited: code ${exit.code}, signal ${exit.signal}; ` +
        'code 0 means it was sent SIGTERM or SIGINT by something outside the benchmark)';
    }
    log(`${driver}: FAILED: ${result.error}`);
    if (server) {
      const tail = server.logTail(20).trim();
      if (tail) log(`${driver}: server log tail:\n${tail}`);
    }
  } finally {
    sampler.watch(null);
    await stopServer?.();
    await removeDir();
    await dropDb();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

function stamp(date: Date): string {
  // ISO 8601 basic format: safe in file names.
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const timer = setTimeout(
    () => abort(`time limit of ${options.timeoutMinutes} min reached`, 1),
    options.timeoutMinutes * 60_000,
  );
  timer.unref();

  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-${process.pid}-`));
  cleanup.add(`remove ${tmpRoot}`, () => fs.promises.rm(tmpRoot, { recursive: true, force: true }));
  snapshotBuild(path.join(tmpRoot, 'build'));
  if (options.scenarios.includes('scale')) {
    await runScaleScenario(options, log, `${stamp(startedAt)}`);
    if (options.scenarios.length === 1) return 0;
  }
  const benchDb = `berth_bench_${process.pid}`;
  const benchUrl = await createDatabase(options.adminUrl, benchDb);
  cleanup.add(`drop database ${benchDb}`, () => dropDatabase(options.adminUrl, benchDb));
  const sampler = new RssSampler(builtFile('bench', 'rss-sampler.js'));
  cleanup.add('stop the RSS sampler', () => sampler.close());

  const machine = await machineInfo(options.adminUrl, tmpRoot);
  // PostgreSQL CPU: the backends of this run's databases and the server's auxiliary processes.
  const activity = new Client({ connectionString: options.adminUrl });
  await activity.connect();
  cleanup.add('close the pg_stat_activity connection', () => activity.end());
  setPgPidLister(async () => {
    const { rows } = await activity.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE (datname LIKE $1 OR datname IS NULL) AND pid <> pg_backend_pid()`,
      [`berth_bench_${process.pid}%`],
    );
    return rows.map((r) => r.pid);
  });
  const notes: string[] = [
    'Berth, the ceiling server and the RSS sampler ran from a copy of dist/ taken right after ' +
      '`nest build` (dist/ is shared with other builds during a run of several minutes).',
  ];
  const mode = options.argv.some((a) => /^--(sizes|concurrency|drivers|scenarios)/.test(a))
    ? 'custom'
    : options.quick
      ? 'quick'
      : 'full';
  log(
    `${mode} run: sizes ${options.sizes.map(formatSize).join(', ')}; concurrency ` +
      `${options.concurrency.join(', ')}; drivers ${options.drivers.join(', ')}; ` +
      `scenarios ${options.scenarios.join(', ')}; ` +
      `${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}, PostgreSQL ${machine.postgres}`,
  );
  if (machine.berthUncommitted.length) {
    notes.push(
      `Berth was built from ${machine.berthCommit} with uncommitted changes under src/ or ` +
        `migrations/: ${machine.berthUncommitted.map((l) => l.trim()).join('; ')}.`,
    );
  }

  // The plan; 8 × 1 GiB writes 8 GiB per driver, so it is lowered on a small disk.
  const concurrencyOverrides: Results['options']['concurrencyOverrides'] = [];
  const free = freeBytes(tmpRoot);
  const plan: { layerSize: number; concurrency: number }[] = [];
  for (const layerSize of options.sizes) {
    for (const wanted of options.concurrency) {
      let concurrency = wanted;
      if (layerSize >= GiB && concurrency > 4 && free < LOW_DISK_BYTES) {
        concurrency = 4;
        concurrencyOverrides.push({ layerSize, from: wanted, to: concurrency });
        notes.push(
          `Only ${(free / 1e9).toFixed(0)} GB free on ${tmpRoot}: ${formatSize(layerSize)} layers ` +
            `ran ${concurrency} concurrent instead of ${wanted}.`,
        );
      }
      if (!plan.some((p) => p.layerSize === layerSize && p.concurrency === concurrency)) {
        plan.push({ layerSize, concurrency });
      }
    }
  }

  // Ceilings, single stream, with parts like those of the single-stream pushes (at least
  // minScenarioBytes, not the extra completions); measured before and after the Berth runs, the
  // better of the two counts (the machine is shared and noisy).
  const ceilingPlan = options.sizes.map((layerSize) => ({
    layerSize,
    layers: Math.max(1, Math.ceil(options.minScenarioBytes / layerSize)),
  }));
  const measureCeilings = async (when: string): Promise<SizeCeilings[]> => {
    log(`ceilings, ${when} (single stream, the same 10 MiB parts as the pushes)`);
    const a = await measureCeilingA(ceilingPlan, sampler, log, settle);
    const b = await measureCeilingB(ceilingPlan, tmpRoot, log, settle);
    const c = await measureCeilingC(ceilingPlan, benchUrl, log, settle);
    const sdk = await measureCeilingSdkAlone(ceilingPlan, sampler, log, settle);
    return ceilingPlan.map((p, i) => ({ ...p, a: a[i], b: b[i], c: c[i], sdk: sdk[i] }));
  };
  const ecr = options.scenarios.includes('ecr');
  const ceilingsBefore = ecr ? await measureCeilings('before the Berth runs') : [];

  let scenarioNo = 1;
  const nextScenario = (): number => scenarioNo++;
  const drivers: DriverResult[] = [];
  for (const driver of ecr ? options.drivers : []) {
    drivers.push(await runDriver(driver, options, plan, sampler, tmpRoot, nextScenario));
  }
  const ceilings = ecr
    ? bestOf([ceilingsBefore, await measureCeilings('after the Berth runs')])
    : [];
  const oci = options.scenarios.includes('oci')
    ? await runOciScenarios({
        options,
        sampler,
        tmpRoot,
        log,
        settle,
        repeatIfNoisy,
        addCleanup: (label, fn) => cleanup.add(label, fn),
      })
    : undefined;

  const partial: Omit<Results, 'targets' | 'finishedAt' | 'durationSeconds'> = {
    startedAt: startedAt.toISOString(),
    mode,
    command: `npm run bench${options.argv.length ? ` -- ${options.argv.join(' ')}` : ''}`,
    options: {
      sizes: options.sizes,
      drivers: options.drivers,
      concurrency: options.concurrency,
      batchSeconds: options.batchSeconds,
      batchClients: options.batchClients,
      batchDigests: options.batchDigests,
      existenceInstances: options.existenceInstances,
      minScenarioBytes: options.minScenarioBytes,
      concurrencyOverrides,
    },
    machine,
    ceilings,
    drivers,
    notes,
    ...(oci ? { oci } : {}),
  };
  const finishedAt = new Date();
  const results: Results = {
    ...partial,
    finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    targets: evaluateTargets(partial),
  };
  const markdown = renderMarkdown(results);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const base = stamp(startedAt);
  fs.writeFileSync(path.join(dir, `${base}.json`), json);
  fs.writeFileSync(path.join(dir, `${base}.md`), markdown);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  fs.writeFileSync(path.join(dir, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results: bench/results/${base}.{json,md} and bench/results/latest.{json,md}`);
  clearTimeout(timer);
  const ociFailed = oci && (oci.error || oci.targets.some((t) => t.errors.length > 0));
  return drivers.some((d) => d.error) || ociFailed ? 1 : 0;
}

process.on('SIGINT', () => abort('SIGINT', 130));
process.on('SIGTERM', () => abort('SIGTERM', 143));
process.on('exit', () => killAllChildrenNow());

main()
  .catch((err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanup.runAll();
    if (!exiting) process.exit(code);
  })
  .catch(() => process.exit(1));
