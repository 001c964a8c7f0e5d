/** The results of a run: their shape, the targets, and the markdown report. */
import type { BlobStoreDriver } from '../src/config/app-config';
import type { SizeCeilings } from './ceilings';
import type { MachineInfo } from './machine';
import type { OciResults } from './oci';
import { ociTargets, renderOci } from './oci-report';
import type { CpuWindow } from './processes';
import {
  cores,
  NOISY_OTHER_CORES,
  table,
  type Attempt,
  type Target,
  type TargetStatus,
} from './report-table';
import { existenceTargets, renderExistence, type ExistenceResult } from './existence';
import { MIN_SINGLE_STREAM_LAYERS } from './options';
import { formatSize, GiB, LatencySummary, MiB } from './stats';

export interface ScenarioResult {
  driver: BlobStoreDriver;
  layerSize: number;
  concurrency: number;
  layers: number;
  bytes: number;
  seconds: number;
  mbps: number;
  completeMs: LatencySummary;
  partMs: LatencySummary;
  peakServerRssMiB: number;
  peakClientRssMiB: number;
  rssSamples: number;
  cpu: CpuWindow;
  discarded?: Attempt[];
}

export interface BatchResult {
  driver: BlobStoreDriver;
  clients: number;
  digests: number;
  known: number;
  seconds: number;
  requests: number;
  rps: number;
  latencyMs: LatencySummary;
  peakServerRssMiB: number;
  cpu: CpuWindow;
  discarded?: Attempt[];
}

export interface DriverResult {
  driver: BlobStoreDriver;
  serverStartMs: number;
  scenarios: ScenarioResult[];
  batch?: BatchResult;
  /** HEAD of a blob beside BatchCheckLayerAvailability, their ceilings, and instance scaling. */
  existence?: ExistenceResult;
  serverExit?: { code: number | null; signal: string | null; killed: boolean };
  /** Berth processes found gone after a failed measurement, restarted, and measured again. */
  restarts?: { during: string; code: number | null; signal: string | null }[];
  error?: string;
}

export interface Results {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  mode: 'quick' | 'full' | 'custom';
  command: string;
  options: {
    sizes: number[];
    drivers: BlobStoreDriver[];
    concurrency: number[];
    batchSeconds: number;
    batchClients: number;
    batchDigests: number;
    existenceInstances?: number[];
    minScenarioBytes: number;
    /** Concurrency actually used for a size, when lowered for lack of disk. */
    concurrencyOverrides: { layerSize: number; from: number; to: number }[];
  };
  machine: MachineInfo;
  ceilings: SizeCeilings[];
  drivers: DriverResult[];
  targets: Target[];
  notes: string[];
  /** The /v2 scenarios against distribution (bench/oci.ts), when they ran. */
  oci?: OciResults;
}

const f1 = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1);
const f2 = (n: number | undefined | null): string =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(2);
const ms = (n: number): string =>
  !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : n.toFixed(0);
const ratio = (value: number | undefined, ceiling: number | undefined): number | undefined =>
  value !== undefined && ceiling !== undefined && ceiling > 0 ? value / ceiling : undefined;

export function scenarioOf(
  results: Pick<Results, 'drivers'>,
  driver: BlobStoreDriver,
  size: number,
  concurrency: number,
): ScenarioResult | undefined {
  return results.drivers
    .find((d) => d.driver === driver)
    ?.scenarios.find((s) => s.layerSize === size && s.concurrency === concurrency);
}

function ceilingOf(results: Pick<Results, 'ceilings'>, size: number): SizeCeilings | undefined {
  return results.ceilings.find((c) => c.layerSize === size);
}

function judge(value: number | undefined, limit: number, atLeast: boolean): TargetStatus {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  return (atLeast ? value >= limit : value <= limit) ? 'met' : 'not met';
}

const SDK_ALONE_LABEL = '(SDK → node:http that only reads the body)';

export function evaluateTargets(
  results: Omit<Results, 'targets' | 'finishedAt' | 'durationSeconds'>,
): Target[] {
  const targets: Target[] = [];
  const sizes = results.options.sizes;
  const drivers = results.options.drivers;
  // Throughput targets at every size of 64 MiB or more (the largest size if all are smaller).
  const big = sizes.filter((s) => s >= 64 * MiB);
  const throughputSizes = big.length > 0 ? big : sizes.slice(-1);
  const throughput = (
    driver: BlobStoreDriver,
    size: number,
    which: 'a' | 'b' | 'c' | 'sdk',
    limit: number,
    label: string,
  ): void => {
    const s = scenarioOf(results, driver, size, 1);
    const c = ceilingOf(results, size)?.[which];
    const r = ratio(s?.mbps, c?.mbps);
    targets.push({
      target: `${driver} single-stream push of ${formatSize(size)} ≥ ${limit.toFixed(1)}× ${which === 'sdk' ? 'the SDK-alone ceiling' : `ceiling (${which})`} ${label}`,
      driver,
      measured: s ? `${f1(s.mbps)} MB/s` : '–',
      against: c ? `${f1(c.mbps)} MB/s` : '–',
      ratio: r ?? null,
      required: `≥ ${limit.toFixed(1)}×`,
      status: judge(r, limit, true),
    });
  };
  if (drivers.includes('filesystem')) {
    for (const size of throughputSizes) {
      throughput('filesystem', size, 'a', 1.0, '(SDK → minimal node:http)');
      throughput('filesystem', size, 'b', 0.5, '(write + fsync)');
      throughput('filesystem', size, 'sdk', 0.8, SDK_ALONE_LABEL);
    }
  }
  if (drivers.includes('postgres')) {
    for (const size of throughputSizes) {
      throughput('postgres', size, 'c', 0.7, '(pg INSERT bytea)');
      throughput('postgres', size, 'sdk', 0.6, SDK_ALONE_LABEL);
    }
  }
  for (const driver of drivers) {
    const small = scenarioOf(results, driver, MiB, 1);
    const large = scenarioOf(results, driver, GiB, 1);
    const r = ratio(large?.completeMs.p50, small?.completeMs.p50);
    targets.push({
      target: 'CompleteLayerUpload of a 1 GiB layer within 2× of a 1 MiB layer (p50, 1 stream)',
      driver,
      measured: large ? `${ms(large.completeMs.p50)} ms` : '–',
      against: small ? `${ms(small.completeMs.p50)} ms` : '–',
      ratio: r ?? null,
      required: '≤ 2.0×',
      status: judge(r, 2, false),
    });
  }
  for (const driver of drivers) {
    const batch = results.drivers.find((d) => d.driver === driver)?.batch;
    targets.push({
      target: `BatchCheckLayerAvailability (${results.options.batchDigests} digests, ${results.options.batchClients} clients) ≥ 1000 req/s`,
      driver,
      measured: batch ? `${f1(batch.rps)} req/s` : '–',
      against: '1000 req/s',
      ratio: batch ? batch.rps / 1000 : null,
      required: '≥ 1.0×',
      status: judge(batch ? batch.rps / 1000 : undefined, 1, true),
    });
  }
  for (const driver of drivers) {
    const s = scenarioOf(results, driver, GiB, 8);
    const lowered = results.options.concurrencyOverrides.find((o) => o.layerSize === GiB);
    targets.push({
      target: 'server RSS ≤ 512 MiB during 8 × 1 GiB concurrent pushes',
      driver,
      measured: s
        ? `${f1(s.peakServerRssMiB)} MiB`
        : lowered
          ? `(ran ${lowered.to} × 1 GiB: ${f1(scenarioOf(results, driver, GiB, lowered.to)?.peakServerRssMiB)} MiB)`
          : '–',
      against: '512 MiB',
      ratio: s ? s.peakServerRssMiB / 512 : null,
      required: '≤ 1.0×',
      status: judge(s ? s.peakServerRssMiB / 512 : undefined, 1, false),
    });
  }
  targets.push(...ociTargets(results.oci, drivers));
  for (const d of results.drivers) {
    for (const t of d.existence ? existenceTargets(d.existence) : []) {
      const ceiling = t.ceiling === undefined ? '' : ` (ceiling ${f1(t.ceiling)} req/s)`;
      targets.push({
        target: t.target,
        driver: d.driver,
        measured: `${f1(t.measured)} req/s${ceiling}`,
        against: `${t.against} req/s`,
        ratio: t.measured / t.against,
        required: '≥ 1.0×',
        status: judge(t.measured / t.against, 1, true),
      });
    }
  }
  return targets;
}

const mark = (cpu: CpuWindow | undefined): string =>
  cpu && cpu.otherCores > NOISY_OTHER_CORES ? ' †' : '';

const repeated = (discarded: Attempt[] | undefined): string =>
  discarded?.length
    ? ` ‡ (${discarded.map((d) => `${f1(d.value)} with ${f2(d.otherCores)} other`).join(', ')})`
    : '';

const best = (f: { mbps: number; runsMbps?: number[] } | undefined): string =>
  f === undefined
    ? '–'
    : `${f1(f.mbps)}${f.runsMbps && f.runsMbps.length > 1 ? ` (${f.runsMbps.map(f1).join(' / ')})` : ''}`;

export function renderMarkdown(results: Results): string {
  const m = results.machine;
  const out: string[] = [];
  out.push(`# Berth benchmark — ${results.startedAt}`);
  out.push('');
  out.push(
    `\`${results.command}\` — mode **${results.mode}**, ${results.durationSeconds.toFixed(0)} s. ` +
      `Berth ${m.berthCommit || '(unknown commit)'}` +
      (m.berthUncommitted.length
        ? ` plus ${m.berthUncommitted.length} uncommitted change(s) under src/ or migrations/ (built as found)`
        : '') +
      `, started as \`node dist/src/main.js\` with NODE_ENV=production, LOG_LEVEL=warn, ` +
      `an external PostgreSQL database per driver. MB = 10^6 bytes of layer data; MiB = 2^20.`,
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['nproc', String(m.nproc)],
        ['CPU', m.cpuModel],
        ['memory', `${m.memTotalGiB.toFixed(1)} GiB`],
        ['kernel', m.kernel],
        ['node', m.node],
        ['PostgreSQL', m.postgres],
        [
          'PostgreSQL settings',
          Object.entries(m.postgresSettings)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        ],
        [
          'temp dir (DATA_DIR, ceiling (b))',
          `${m.tmpDir} (${m.tmpFreeGB.toFixed(0)} GB free at start)`,
        ],
        ['Berth SHA-256 engine', m.sha256Engine],
      ],
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['target', 'driver', 'measured', 'against', 'ratio', 'required', 'status'],
      results.targets.map((t) => [
        t.target,
        t.driver,
        t.measured,
        t.against,
        t.ratio === null ? '–' : `${t.ratio.toFixed(2)}×`,
        t.required,
        t.status === 'met' ? '**met**' : t.status === 'not met' ? '**not met**' : 'not measured',
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  out.push('');
  out.push('## Layer push');
  out.push('');
  out.push(
    'Every figure beside its ceiling: (a) the same `UploadLayerPart` requests through the SDK to a ' +
      'minimal `node:http` server that only parses them; SDK alone: the same requests to a server ' +
      "that only reads each body and answers a fixed JSON (the client's own cost: base64, JSON, " +
      'SigV4 payload hash); the storage ceiling is (b) write + fsync of ' +
      'the same 10 MiB parts as files for `filesystem`, (c) `INSERT` of the same bytes as 1 MiB ' +
      '`bytea` rows for `postgres`. Ceilings are single-stream; concurrent scenarios are set against ' +
      'the same single-stream ceiling. Small layers are pushed several times per stream so that a ' +
      `scenario moves at least ${formatSize(results.options.minScenarioBytes)}, and a single stream ` +
      `pushes at least ${MIN_SINGLE_STREAM_LAYERS} layers (its CompleteLayerUpload p50 is one of ` +
      `at least ${MIN_SINGLE_STREAM_LAYERS} samples). CPU is average cores ` +
      'busy: Berth server / PostgreSQL (all its processes) / benchmark client / everything else ' +
      `on the machine (${results.machine.nproc} cores in all); iowait is average cores idle waiting for I/O.`,
  );
  out.push('');
  const rows: string[][] = [];
  for (const d of results.drivers) {
    for (const s of d.scenarios) {
      const c = ceilingOf(results, s.layerSize);
      const storage = d.driver === 'filesystem' ? c?.b : c?.c;
      rows.push([
        d.driver,
        formatSize(s.layerSize),
        String(s.concurrency),
        String(s.layers),
        f1(s.seconds),
        `**${f1(s.mbps)}**${mark(s.cpu)}${repeated(s.discarded)}`,
        f1(c?.a?.mbps),
        f2(ratio(s.mbps, c?.a?.mbps)),
        f1(c?.sdk?.mbps),
        f2(ratio(s.mbps, c?.sdk?.mbps)),
        `${f1(storage?.mbps)} (${d.driver === 'filesystem' ? 'b' : 'c'})`,
        f2(ratio(s.mbps, storage?.mbps)),
        `${ms(s.completeMs.p50)} / ${ms(s.completeMs.max)}`,
        `${ms(s.partMs.p50)} / ${ms(s.partMs.max)}`,
        f1(s.peakServerRssMiB),
        f1(s.peakClientRssMiB),
        cores(s.cpu),
        f2(s.cpu.iowaitCores),
      ]);
    }
  }
  out.push(
    table(
      [
        'driver',
        'layer',
        'conc.',
        'layers',
        'time (s)',
        'MB/s',
        'ceiling (a) MB/s',
        '× (a)',
        'SDK alone MB/s',
        '× SDK alone',
        'storage ceiling MB/s',
        '× storage',
        'CompleteLayerUpload p50 / max (ms)',
        'UploadLayerPart p50 / max (ms)',
        'peak server RSS (MiB)',
        'peak client RSS (MiB)',
        'CPU server / pg / client / other',
        'iowait',
      ],
      rows,
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push('## Ceilings');
  out.push('');
  out.push(
    'Each ceiling was measured before and after the Berth runs; the better figure counts (both ' +
      'shown in parentheses, before / after). CPU and RSS are those of the run that counts.',
  );
  out.push('');
  out.push(
    table(
      [
        'layer × count (single stream)',
        'bytes',
        '(a) SDK → minimal node:http MB/s',
        '(a) server peak RSS (MiB)',
        '(a) CPU server / pg / client / other',
        '(b) write + fsync MB/s',
        '(c) pg INSERT 1 MiB bytea MB/s',
        '(c) CPU pg / client / other',
        'SDK alone MB/s',
        'SDK alone CPU server / pg / client / other',
      ],
      results.ceilings.map((c) => [
        `${formatSize(c.layerSize)} × ${c.layers}`,
        formatSize(c.layerSize * c.layers),
        best(c.a) + mark(c.a?.cpu),
        f1(c.a?.peakServerRssMiB),
        c.a?.cpu ? cores(c.a.cpu) : '–',
        best(c.b) + mark(c.b?.cpu),
        best(c.c) + mark(c.c?.cpu),
        c.c?.cpu
          ? `${f2(c.c.cpu.postgresCores)} / ${f2(c.c.cpu.clientCores)} / ${f2(c.c.cpu.otherCores)}`
          : '–',
        best(c.sdk) + mark(c.sdk?.cpu),
        c.sdk?.cpu ? cores(c.sdk.cpu) : '–',
      ]),
      ['l', 'r'],
    ),
  );
  out.push('');
  out.push('## BatchCheckLayerAvailability');
  out.push('');
  out.push(
    table(
      [
        'driver',
        'clients',
        'digests (known + unknown)',
        'time (s)',
        'requests',
        'req/s',
        'target',
        'ratio',
        'p50 (ms)',
        'p99 (ms)',
        'max (ms)',
        'peak server RSS (MiB)',
        'CPU server / pg / client / other',
      ],
      results.drivers
        .filter((d) => d.batch)
        .map((d) => {
          const b = d.batch!;
          return [
            d.driver,
            String(b.clients),
            `${b.digests} (${b.known} + ${b.digests - b.known})`,
            f1(b.seconds),
            String(b.requests),
            `**${f1(b.rps)}**${mark(b.cpu)}${repeated(b.discarded)}`,
            '1000',
            f2(b.rps / 1000),
            ms(b.latencyMs.p50),
            ms(b.latencyMs.p99),
            ms(b.latencyMs.max),
            f1(b.peakServerRssMiB),
            cores(b.cpu),
          ];
        }),
      ['l'],
    ),
  );
  if (results.oci) {
    out.push('');
    out.push(...renderOci(results.oci, results.targets, m.nproc));
  }
  const existence = results.drivers.flatMap((d) => (d.existence ? [d.existence] : []));
  if (existence.length > 0) out.push('', renderExistence(existence).trimEnd());
  const errors = results.drivers.filter((d) => d.error);
  if (results.notes.length > 0 || errors.length > 0 || results.drivers.some((d) => d.restarts)) {
    out.push('');
    out.push('## Notes');
    out.push('');
    out.push(
      `- † marks a figure measured while more than ${NOISY_OTHER_CORES} cores were busy with ` +
        'work that was neither Berth, PostgreSQL nor the benchmark (the machine is shared): it ' +
        'is probably low. Before each measurement the run waits (up to 30 s) for such work to ' +
        'calm down.',
    );
    out.push(
      '- ‡ marks a measurement that was repeated because the first was disturbed that way: the ' +
        'less disturbed of the two is shown, the other in parentheses (value, other cores).',
    );
    for (const note of results.notes) out.push(`- ${note}`);
    for (const d of errors) out.push(`- **${d.driver} run failed**: ${d.error}`);
    for (const d of results.drivers) {
      for (const r of d.restarts ?? []) {
        out.push(
          `- ${d.driver}: the Berth process had exited (code ${r.code}, signal ${r.signal}) during ` +
            `"${r.during}"; it was started again on the same database and DATA_DIR and the ` +
            'measurement was repeated (code 0 means something outside the benchmark sent it ' +
            'SIGTERM or SIGINT).',
        );
      }
    }
  }
  out.push('');
  return out.join('\n');
}
