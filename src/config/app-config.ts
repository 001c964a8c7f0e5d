import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import * as path from 'node:path';
import { ALL_KILL_POINTS, type KillPoint } from './kill-points';
import { parseRateLimits, RATE_LIMITS_PATTERN } from './rate-limits';
import { registryHostProblem } from './registry-host';
import { estimatedEntropyBits, MIN_SECRET_BITS } from './secret-strength';

export const BLOB_STORE_DRIVERS = ['filesystem', 'postgres', 's3'] as const;
export type BlobStoreDriver = (typeof BLOB_STORE_DRIVERS)[number];

/** The s3 driver's bucket, and how its client reaches it. */
export interface S3Config {
  bucket: string;
  /** Unset: AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every object name. */
  prefix: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DURATION = /^(\d+)(s|m|h|d)?$/;

/**
 * The largest small body's share: 1 MiB of JSON, and the 0.75 MiB its blob member may decode to.
 */
const MIN_SMALL_BODY_MEMORY = 2 * 1024 * 1024;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

/**
 * The process environment as Berth reads it. Every variable is validated at boot so that a typo
 * stops the start with a message naming the variable, instead of surfacing later as a 500.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 5000;

  @IsOptional()
  @IsString()
  HOST: string = '0.0.0.0';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// connection URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR: string = './data';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT: number = 54329;

  @IsOptional()
  @Matches(/^[0-9]{12}$/, { message: 'must be exactly 12 digits' })
  REGISTRY_ID: string = '000000000000';

  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must look like an AWS region, e.g. us-east-1' })
  AWS_REGION: string = 'us-east-1';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  @IsOptional()
  @IsString()
  REGISTRY_HOST?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE: number = 20;

  @IsOptional()
  @IsIn(BLOB_STORE_DRIVERS)
  BLOB_STORE: BlobStoreDriver = 'filesystem';

  @IsOptional()
  @IsString()
  BLOB_DIR?: string;

  /** The bucket of the s3 driver (required with BLOB_STORE=s3). */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens',
  })
  S3_BUCKET?: string;

  /** An S3-compatible service's URL; unset: AWS S3 in S3_REGION. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  S3_ENDPOINT?: string;

  @IsOptional()
  @Matches(/^[a-z0-9-]{1,32}$/, { message: 'must be a region name, such as us-east-1' })
  S3_REGION?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  S3_FORCE_PATH_STYLE: 'true' | 'false' = 'false';

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** Prepended to every object's name: several deployments may share a bucket. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9!_.*'()/-]{0,256}$/, {
    message: "must be at most 256 of A-Z a-z 0-9 ! _ . * ' ( ) / -",
  })
  S3_PREFIX?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAX_LAYER_SIZE: number = 52_000 * 1024 * 1024;

  // ECR's "Layer parts" quota is 4,200 and not adjustable; a lower value suits tests. The
  // ceiling bounds the parts array rewritten on every part.
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  MAX_LAYER_PARTS: number = 4200;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_OPEN_UPLOADS_PER_REPOSITORY: number = 1000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_OPEN_UPLOADS_PER_ACCOUNT: number = 10_000;

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 3600, 90s, 30m, 24h or 7d' })
  UPLOAD_TTL: string = '24h';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 3600, 90s, 30m, 24h or 7d' })
  UPLOAD_PURGE_INTERVAL: string = '5m';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 0, 3600, 30m, 24h or 7d' })
  LAYER_GRACE: string = '24h';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 90s, 30m, 1h or 1d' })
  GC_INTERVAL: string = '1h';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 90s, 30m, 1h or 1d' })
  GC_RECONCILE_INTERVAL: string = '1d';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 90s, 30m, 1h or 1d' })
  LIFECYCLE_INTERVAL: string = '1h';

  @IsOptional()
  @IsIn(ALL_KILL_POINTS)
  BERTH_KILL_POINT?: KillPoint;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters long' })
  SIGNING_KEY?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,512}$/, {
    message: 'must be 16 to 512 printable ASCII characters without spaces',
  })
  ADMIN_TOKEN?: string;

  @IsOptional()
  @Matches(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?)$/, {
    message: 'must be 32 bytes written as 64 hex digits or in base64',
  })
  MASTER_KEY?: string;

  @IsOptional()
  @Matches(/^[0-9]{12}$/, { message: 'must be exactly 12 digits' })
  BOOTSTRAP_ACCOUNT_ID?: string;

  @IsOptional()
  @Matches(/^[A-Z0-9]{16,128}$/, { message: 'must be 16 to 128 uppercase letters and digits' })
  BOOTSTRAP_ACCESS_KEY_ID?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,128}$/, {
    message: 'must be 16 to 128 printable ASCII characters without spaces',
  })
  BOOTSTRAP_SECRET_ACCESS_KEY?: string;

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 900, 90s, 15m or 1h' })
  AUTH_CLOCK_SKEW: string = '15m';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 0, 1s or 5s' })
  ACCESS_KEY_CACHE_TTL: string = '1s';

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 0, 1s or 5s' })
  LAYER_CACHE_TTL: string = '5s';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LARGE_BODY_CONCURRENCY: number = 4;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LARGE_BODY_CONCURRENCY_PER_KEY: number = 2;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(MIN_SMALL_BODY_MEMORY, { message: `must be at least ${MIN_SMALL_BODY_MEMORY} (bytes)` })
  SMALL_BODY_MEMORY: number = 32 * 1024 * 1024;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(MIN_SMALL_BODY_MEMORY, { message: `must be at least ${MIN_SMALL_BODY_MEMORY} (bytes)` })
  SMALL_BODY_MEMORY_PER_KEY: number = 8 * 1024 * 1024;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  OCI_BODY_CONCURRENCY_PER_ACCOUNT: number = 16;

  @IsOptional()
  @Matches(DURATION, { message: 'must be a duration such as 0, 5s or 30s' })
  BODY_QUEUE_TIMEOUT: string = '30s';

  @IsOptional()
  @Matches(/^(\d+)(s|m|h|d)?$/, { message: 'must be a duration such as 30s, 60s or 5m' })
  @Matches(/^(?!0+[smhd]?$)/, { message: 'must be longer than 0' })
  BODY_TIMEOUT: string = '60s';

  @IsOptional()
  @Matches(RATE_LIMITS_PATTERN, {
    message:
      'must be empty, "off", "ecr", or a list such as ecr,PutImage=20,UploadLayerPart=off or PutImage=20',
  })
  ECR_RATE_LIMITS: string = '';
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `3600`, `90s`, `30m`, `24h`, `7d` in seconds. */
export function parseDurationSeconds(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? 's'];
}

// Optional variables without a default, which `new EnvironmentVariables()` does not list.
const AUTH_VARIABLES = [
  'ADMIN_TOKEN',
  'MASTER_KEY',
  'BOOTSTRAP_ACCOUNT_ID',
  'BOOTSTRAP_ACCESS_KEY_ID',
  'BOOTSTRAP_SECRET_ACCESS_KEY',
];

/**
 * Secret values that anyone can know: the examples of Berth's compose file and documentation, and
 * AWS's documentation example keys. A deployment started with one of them has no secret at all
 * (an admin token anyone can send, download URLs anyone can forge), so Berth refuses to start.
 */
const PUBLISHED_SECRETS: Record<string, { values: readonly string[]; where: string }> = {
  ADMIN_TOKEN: {
    values: ['change-me-to-a-long-random-admin-token'],
    where: "Berth's earlier docker-compose.yml",
  },
  SIGNING_KEY: {
    values: ['change-me-to-32-or-more-random-characters'],
    where: "Berth's earlier docker-compose.yml",
  },
  BOOTSTRAP_ACCESS_KEY_ID: {
    values: ['AKIAIOSFODNN7EXAMPLE', 'AKIAI44QH8DHBEXAMPLE', 'ASIAIOSFODNN7EXAMPLE'],
    where: "AWS's documentation",
  },
  BOOTSTRAP_SECRET_ACCESS_KEY: {
    values: [
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    ],
    where: "AWS's documentation",
  },
};
/** The 32 bytes of the master key Berth's earlier docker-compose.yml shipped (as base64). */
const PUBLISHED_MASTER_KEYS = [Buffer.from('0123456789abcdef0123456789abcdef')];
/** The password of the database in Berth's earlier docker-compose.yml. */
const PUBLISHED_DATABASE_PASSWORDS = ['berth'];
const MAKE_SECRETS = 'generate one with scripts/make-secrets.sh';

/**
 * The secrets Berth is given, as the symbols their strength is judged on: a master key by its 32
 * bytes, the others by their characters. (The password in DATABASE_URL is PostgreSQL's credential,
 * whose rules are the database's; only its published value is refused.)
 */
function secretsOf(vars: EnvironmentVariables): [string, string | Uint8Array][] {
  const secrets: [string, string | Uint8Array | undefined][] = [
    ['SIGNING_KEY', vars.SIGNING_KEY],
    ['ADMIN_TOKEN', vars.ADMIN_TOKEN],
    ['MASTER_KEY', vars.MASTER_KEY ? parseMasterKey(vars.MASTER_KEY) : undefined],
    ['BOOTSTRAP_SECRET_ACCESS_KEY', vars.BOOTSTRAP_SECRET_ACCESS_KEY],
  ];
  return secrets.filter((s): s is [string, string | Uint8Array] => s[1] !== undefined);
}

/** Secrets anyone can know or guess: published values, and values plainly not random. */
function weakSecretProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const refused = new Set<string>();
  const refuse = (name: string, where: string): void => {
    refused.add(name);
    problems.push(
      `${name}: the value is published in ${where}, so it is no secret; ${MAKE_SECRETS}`,
    );
  };
  for (const [name, known] of Object.entries(PUBLISHED_SECRETS)) {
    const value = vars[name as keyof EnvironmentVariables];
    if (typeof value !== 'string') continue;
    if (known.values.includes(value) || /^change-?me/i.test(value)) refuse(name, known.where);
    // AWS marks every example key of its documentation with EXAMPLE.
    else if (name.startsWith('BOOTSTRAP_') && value.includes('EXAMPLE')) {
      refuse(name, "AWS's documentation (an example key)");
    }
  }
  if (vars.MASTER_KEY) {
    const key = parseMasterKey(vars.MASTER_KEY);
    if (PUBLISHED_MASTER_KEYS.some((k) => k.equals(key))) {
      refuse('MASTER_KEY', "Berth's earlier docker-compose.yml");
    }
  }
  // One check for every secret: its symbols must carry MIN_SECRET_BITS, which one character (or
  // byte) repeated, or two alternating in a short value, do not.
  for (const [name, value] of secretsOf(vars)) {
    if (refused.has(name)) continue;
    const bits = estimatedEntropyBits(value);
    if (bits < MIN_SECRET_BITS) {
      const symbols = typeof value === 'string' ? 'characters' : 'bytes';
      problems.push(
        `${name}: its ${symbols} carry about ${Math.floor(bits)} bits, fewer than ${MIN_SECRET_BITS}: not a random value; ${MAKE_SECRETS}`,
      );
    }
  }
  if (vars.DATABASE_URL) {
    let password = '';
    try {
      password = decodeURIComponent(new URL(vars.DATABASE_URL).password);
    } catch {
      // Not a URL the WHATWG parser reads: the driver's own error will say so.
    }
    if (PUBLISHED_DATABASE_PASSWORDS.includes(password)) {
      refuse('DATABASE_URL (its password)', "Berth's earlier docker-compose.yml");
    }
  }
  return problems;
}

/** 64 hex digits or base64, both 32 bytes (the pattern of `MASTER_KEY` has been checked). */
export function parseMasterKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

export interface AppConfig {
  port: number;
  host: string;
  /** Undefined means: start the embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  registryId: string;
  region: string;
  /** Base URL without a trailing slash. */
  publicUrl: string;
  /**
   * The pattern of each account's registry host (`<account>.registry.example.com`), when
   * accounts are addressed by host (REGISTRY_HOST); undefined when only PUBLIC_URL's host is.
   */
  registryHost?: string;
  logLevel: LogLevel;
  databasePoolSize: number;
  blobStore: BlobStoreDriver;
  /** Where the filesystem driver keeps bytes; shared by every instance of a deployment. */
  blobDir: string;
  /** The s3 driver's bucket and client; undefined unless S3_BUCKET is set. */
  s3?: S3Config;
  maxLayerSize: number;
  /** Most parts one upload may have (ECR's "Layer parts" quota by default). */
  maxLayerParts: number;
  /** Most uploads in progress (initiated, neither completed nor purged) per repository. */
  maxOpenUploadsPerRepository: number;
  /** Most uploads in progress per account, over all its repositories. */
  maxOpenUploadsPerAccount: number;
  uploadTtlSeconds: number;
  uploadPurgeIntervalSeconds: number;
  /** A layer no image references is kept this long after its upload completed. */
  layerGraceSeconds: number;
  /** How often each instance collects garbage (randomised around this value). */
  gcIntervalSeconds: number;
  /** How often a reconciliation pass feeds the review queues with garbage they never saw. */
  gcReconcileIntervalSeconds: number;
  /** How often each instance evaluates the lifecycle policies that are due (randomised). */
  lifecycleIntervalSeconds: number;
  /** Tests only: the process kills itself with SIGKILL when it reaches this point. */
  killPoint?: KillPoint;
  /** Key of download URL and token signatures; unset: generated once into the database. */
  signingKey?: string;
  /** Bearer token of the admin API; unset: generated once into `<dataDir>/admin.token`. */
  adminToken?: string;
  /** The 32-byte key that encrypts secrets at rest; unset: generated once into `<dataDir>/master.key`. */
  masterKey?: Buffer;
  /** The first account and access key, created when the database has no access key. */
  bootstrap: { accountId: string; accessKeyId?: string; secretAccessKey?: string };
  /** How far a request's signing time may be from the server's clock. */
  clockSkewSeconds: number;
  /**
   * How long an instance may reuse an active key it read; deactivating or deleting a key
   * answers only once this has passed, so no instance accepts the key after that answer.
   */
  accessKeyCacheMs: number;
  /**
   * How long an instance may reuse what a layer check found (docs/performance.md): the bound on
   * a change it did not hear of; 0 reads the database on every check.
   */
  layerCacheMs: number;
  /** Request bodies in memory at once, in this instance (docs/limits.md). */
  bodyLimits: {
    /** Bodies of 1 MiB and more (layer parts, large manifests) read at once. */
    largeConcurrency: number;
    largeConcurrencyPerKey: number;
    /** Bytes of smaller bodies (and what their blob decodes to) held at once. */
    smallBytes: number;
    smallBytesPerKey: number;
    /** How long a body waits for its turn before ThrottlingException. */
    queueTimeoutMs: number;
    /** How long a body may take to arrive once its turn came (a /v2 body: each 8 MiB of it). */
    timeoutMs: number;
    /** /v2 request bodies of one account in progress at once. */
    ociPerAccount: number;
  };
  /**
   * Requests per second per account and operation, in this instance (`ECR_RATE_LIMITS`); an
   * operation not named here is not limited, and by default none is.
   */
  rateLimits: Record<string, number>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws `ConfigError` naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(new EnvironmentVariables())) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const key of [
    'DATABASE_URL',
    'PUBLIC_URL',
    'BLOB_DIR',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'S3_REGION',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'S3_PREFIX',
    'SIGNING_KEY',
    'BERTH_KILL_POINT',
    ...AUTH_VARIABLES,
  ]) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(vars, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map(
        (e) =>
          `${e.property}=${JSON.stringify(raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`,
      ),
    );
  }
  const weak = weakSecretProblems(vars);
  if (weak.length > 0) throw new ConfigError(weak);
  if (!vars.BOOTSTRAP_ACCESS_KEY_ID !== !vars.BOOTSTRAP_SECRET_ACCESS_KEY) {
    throw new ConfigError([
      'BOOTSTRAP_ACCESS_KEY_ID and BOOTSTRAP_SECRET_ACCESS_KEY must be set together, or neither',
    ]);
  }
  if (parseDurationSeconds(vars.GC_INTERVAL) < 1) {
    throw new ConfigError([`GC_INTERVAL=${JSON.stringify(raw.GC_INTERVAL)}: must be at least 1s`]);
  }
  if (parseDurationSeconds(vars.GC_RECONCILE_INTERVAL) < 1) {
    throw new ConfigError([
      `GC_RECONCILE_INTERVAL=${JSON.stringify(raw.GC_RECONCILE_INTERVAL)}: must be at least 1s`,
    ]);
  }
  if (parseDurationSeconds(vars.LIFECYCLE_INTERVAL) < 1) {
    throw new ConfigError([
      `LIFECYCLE_INTERVAL=${JSON.stringify(raw.LIFECYCLE_INTERVAL)}: must be at least 1s`,
    ]);
  }
  if (vars.BLOB_STORE === 's3' && !vars.S3_BUCKET) {
    throw new ConfigError(['S3_BUCKET must be set when BLOB_STORE=s3']);
  }
  if (!vars.S3_ACCESS_KEY_ID !== !vars.S3_SECRET_ACCESS_KEY) {
    throw new ConfigError([
      "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together, or neither (the SDK's default credentials)",
    ]);
  }
  const dataDir = path.resolve(vars.DATA_DIR);
  const publicUrl = (vars.PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, '');
  const registryHostError =
    vars.REGISTRY_HOST === undefined ? undefined : registryHostProblem(vars.REGISTRY_HOST);
  if (registryHostError !== undefined) {
    throw new ConfigError([
      `REGISTRY_HOST=${JSON.stringify(vars.REGISTRY_HOST)}: ${registryHostError}`,
    ]);
  }
  return {
    port: vars.PORT,
    host: vars.HOST,
    databaseUrl: vars.DATABASE_URL,
    dataDir,
    embeddedPgPort: vars.EMBEDDED_PG_PORT,
    registryId: vars.REGISTRY_ID,
    region: vars.AWS_REGION,
    publicUrl,
    registryHost: vars.REGISTRY_HOST,
    logLevel: vars.LOG_LEVEL,
    databasePoolSize: vars.DATABASE_POOL_SIZE,
    blobStore: vars.BLOB_STORE,
    blobDir: vars.BLOB_DIR ? path.resolve(vars.BLOB_DIR) : path.join(dataDir, 'blobs'),
    s3: vars.S3_BUCKET
      ? {
          bucket: vars.S3_BUCKET,
          endpoint: vars.S3_ENDPOINT,
          region: vars.S3_REGION ?? vars.AWS_REGION,
          forcePathStyle: vars.S3_FORCE_PATH_STYLE === 'true',
          credentials: vars.S3_ACCESS_KEY_ID
            ? { accessKeyId: vars.S3_ACCESS_KEY_ID, secretAccessKey: vars.S3_SECRET_ACCESS_KEY! }
            : undefined,
          prefix: vars.S3_PREFIX ?? '',
        }
      : undefined,
    maxLayerSize: vars.MAX_LAYER_SIZE,
    maxLayerParts: vars.MAX_LAYER_PARTS,
    maxOpenUploadsPerRepository: vars.MAX_OPEN_UPLOADS_PER_REPOSITORY,
    maxOpenUploadsPerAccount: vars.MAX_OPEN_UPLOADS_PER_ACCOUNT,
    uploadTtlSeconds: parseDurationSeconds(vars.UPLOAD_TTL),
    uploadPurgeIntervalSeconds: parseDurationSeconds(vars.UPLOAD_PURGE_INTERVAL),
    layerGraceSeconds: parseDurationSeconds(vars.LAYER_GRACE),
    gcIntervalSeconds: parseDurationSeconds(vars.GC_INTERVAL),
    gcReconcileIntervalSeconds: parseDurationSeconds(vars.GC_RECONCILE_INTERVAL),
    lifecycleIntervalSeconds: parseDurationSeconds(vars.LIFECYCLE_INTERVAL),
    killPoint: vars.BERTH_KILL_POINT,
    signingKey: vars.SIGNING_KEY,
    adminToken: vars.ADMIN_TOKEN,
    masterKey: vars.MASTER_KEY ? parseMasterKey(vars.MASTER_KEY) : undefined,
    // REGISTRY_ID, the single registry of earlier versions, names the first account by default.
    bootstrap: {
      accountId: vars.BOOTSTRAP_ACCOUNT_ID ?? vars.REGISTRY_ID,
      accessKeyId: vars.BOOTSTRAP_ACCESS_KEY_ID,
      secretAccessKey: vars.BOOTSTRAP_SECRET_ACCESS_KEY,
    },
    clockSkewSeconds: parseDurationSeconds(vars.AUTH_CLOCK_SKEW),
    accessKeyCacheMs: parseDurationSeconds(vars.ACCESS_KEY_CACHE_TTL) * 1000,
    layerCacheMs: parseDurationSeconds(vars.LAYER_CACHE_TTL) * 1000,
    bodyLimits: {
      largeConcurrency: vars.LARGE_BODY_CONCURRENCY,
      largeConcurrencyPerKey: Math.min(
        vars.LARGE_BODY_CONCURRENCY_PER_KEY,
        vars.LARGE_BODY_CONCURRENCY,
      ),
      smallBytes: vars.SMALL_BODY_MEMORY,
      smallBytesPerKey: Math.min(vars.SMALL_BODY_MEMORY_PER_KEY, vars.SMALL_BODY_MEMORY),
      queueTimeoutMs: parseDurationSeconds(vars.BODY_QUEUE_TIMEOUT) * 1000,
      timeoutMs: parseDurationSeconds(vars.BODY_TIMEOUT) * 1000,
      ociPerAccount: vars.OCI_BODY_CONCURRENCY_PER_ACCOUNT,
    },
    rateLimits: parseRateLimits(vars.ECR_RATE_LIMITS),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
