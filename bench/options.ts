/**
 * Options of `npm run bench`, from argv (`--name=value` or `--name value`) or the environment:
 *
 *   --quick                 BENCH_QUICK=1          1 MiB and 64 MiB layers, shorter batch check;
 *                                                  /v2: 1 + 64 MiB image, 256 MiB blobs
 *   --sizes=1MiB,64MiB,1GiB BENCH_SIZES            layer sizes (a bare number is MiB)
 *   --drivers=filesystem,postgres  BENCH_DRIVERS   storage drivers to run
 *   --concurrency=1,8       BENCH_CONCURRENCY      concurrent uploads per scenario
 *   --batch-seconds=10      BENCH_BATCH_SECONDS    BatchCheckLayerAvailability duration
 *   --timeout-minutes=N     BENCH_TIMEOUT_MINUTES  the whole run is stopped after this
 *   --scenarios=ecr,oci     BENCH_SCENARIOS        ecr: the ECR API scenarios and ceilings;
 *                                                  oci: /v2 against distribution (bench/oci.ts)
 *                                                  scale: the GC scale scenario (bench/scale.ts),
 *                                                  only when named
 *   --scale-images=100000,1000000  BENCH_SCALE_IMAGES  catalogue sizes of the scale scenario
 *   --existence-instances=1,2,3  BENCH_EXISTENCE_INSTANCES  instance counts of the existence
 *                           checks' scaling (first driver only; "0" skips it)
 *   BENCH_DATABASE_URL      default postgres://postgres@127.0.0.1:5432/postgres
 */
import { BLOB_STORE_DRIVERS, BlobStoreDriver } from '../src/config/app-config';
import { GiB, MiB, parseSize } from './stats';

export interface BenchOptions {
  quick: boolean;
  sizes: number[];
  drivers: BlobStoreDriver[];
  concurrency: number[];
  batchSeconds: number;
  batchClients: number;
  batchDigests: number;
  timeoutMinutes: number;
  /** Instance counts the existence checks are spread over (bench/existence.ts); [] for none. */
  existenceInstances: number[];
  adminUrl: string;
  /** Least bytes of one push scenario: small layers are pushed several times to reach it. */
  minScenarioBytes: number;
  /** Which groups of scenarios run. */
  scenarios: Scenario[];
  /** Catalogue sizes (images) of the scale scenario. */
  scaleImages: number[];
  /** What was asked for, as given (for the report). */
  argv: string[];
}

export const SCENARIOS = ['ecr', 'oci', 'scale'] as const;
/** What runs when `--scenarios` is not given: scale seeds millions of rows, only on demand. */
const DEFAULT_SCENARIOS: Scenario[] = ['ecr', 'oci'];
export type Scenario = (typeof SCENARIOS)[number];

export const FULL_SIZES = [MiB, 64 * MiB, GiB];
export const QUICK_SIZES = [MiB, 64 * MiB];

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

const KNOWN = [
  'quick',
  'sizes',
  'drivers',
  'concurrency',
  'batch-seconds',
  'timeout-minutes',
  'scenarios',
  'existence-instances',
  'scale-images',
];

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=')[0];
    if (!KNOWN.includes(name)) {
      throw new Error(`unknown option ${arg}; known: ${KNOWN.map((k) => `--${k}`).join(' ')}`);
    }
  }
  const quick = argv.includes('--quick') || /^(1|true|yes)$/i.test(env.BENCH_QUICK ?? '');
  const sizesText = argValue(argv, 'sizes') ?? env.BENCH_SIZES;
  const sizes = sizesText ? list(sizesText).map(parseSize) : quick ? QUICK_SIZES : FULL_SIZES;
  const driversText = argValue(argv, 'drivers') ?? env.BENCH_DRIVERS;
  const drivers = (driversText ? list(driversText) : [...BLOB_STORE_DRIVERS]).map((d) => {
    if (!(BLOB_STORE_DRIVERS as readonly string[]).includes(d)) {
      throw new Error(`unknown driver ${d}; known: ${BLOB_STORE_DRIVERS.join(', ')}`);
    }
    return d as BlobStoreDriver;
  });
  const concurrencyText = argValue(argv, 'concurrency') ?? env.BENCH_CONCURRENCY;
  const concurrency = concurrencyText
    ? list(concurrencyText).map((c) => positiveInt(c, '--concurrency'))
    : [1, 8];
  const scenariosText = argValue(argv, 'scenarios') ?? env.BENCH_SCENARIOS;
  const scenarios = (scenariosText ? list(scenariosText) : [...DEFAULT_SCENARIOS]).map((s) => {
    if (!(SCENARIOS as readonly string[]).includes(s)) {
      throw new Error(`unknown scenarios ${s}; known: ${SCENARIOS.join(', ')}`);
    }
    return s as Scenario;
  });
  const batchText = argValue(argv, 'batch-seconds') ?? env.BENCH_BATCH_SECONDS;
  const timeoutText = argValue(argv, 'timeout-minutes') ?? env.BENCH_TIMEOUT_MINUTES;
  const instancesText = argValue(argv, 'existence-instances') ?? env.BENCH_EXISTENCE_INSTANCES;
  const existenceInstances =
    instancesText === '0'
      ? []
      : instancesText
        ? list(instancesText).map((n) => positiveInt(n, '--existence-instances'))
        : [1, 2, 3];
  const scaleText = argValue(argv, 'scale-images') ?? env.BENCH_SCALE_IMAGES;
  const scaleImages = scaleText
    ? list(scaleText).map((n) => positiveInt(n, '--scale-images'))
    : [100_000];
  return {
    quick,
    scaleImages,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    drivers: [...new Set(drivers)],
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    batchSeconds: batchText ? positiveInt(batchText, '--batch-seconds') : quick ? 5 : 10,
    batchClients: 16,
    batchDigests: 100,
    existenceInstances,
    timeoutMinutes: timeoutText ? positiveInt(timeoutText, '--timeout-minutes') : quick ? 25 : 120,
    adminUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    minScenarioBytes: 64 * MiB,
    scenarios: [...new Set(scenarios)],
    argv,
  };
}

/**
 * A single stream pushes at least this many layers: its CompleteLayerUpload p50 is compared
 * across layer sizes, and one completion is one sample of a noisy machine.
 */
export const MIN_SINGLE_STREAM_LAYERS = 3;

/**
 * Layers per stream so that a scenario moves at least `minScenarioBytes` (and a single stream
 * completes at least `MIN_SINGLE_STREAM_LAYERS` layers).
 */
export function layersPerStream(options: BenchOptions, size: number, concurrency: number): number {
  const least = concurrency === 1 ? MIN_SINGLE_STREAM_LAYERS : 1;
  return Math.max(least, Math.ceil(options.minScenarioBytes / (size * concurrency)));
}
