/**
 * Starting Berth from the built code (`node dist/src/main.js`) in a process of its own, with
 * production-like settings, and the bench databases it runs on.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BlobStoreDriver } from '../src/config/app-config';
import { ACCOUNT_ID, CREDENTIALS } from './layers';
import { databaseUrl, withClient } from '../tooling/pg';
import { freePort } from '../tooling/ports';
import { stopChild, track } from './processes';

/** The project root: this file runs as dist/bench/berth-server.js. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

let buildRoot = PROJECT_ROOT;

/** Where the built code runs from: the project, or the snapshot taken by `snapshotBuild`. */
export function builtFile(...parts: string[]): string {
  return path.join(buildRoot, 'dist', ...parts);
}

/**
 * Copies dist/ (just built by `nest build`) under `dir` and runs everything from there: other
 * people's builds delete and rewrite dist/ while a run of several minutes goes on. node_modules
 * and native/ (the SHA-256 addon, found by walking up from dist/src/crypto) are linked.
 */
export function snapshotBuild(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  for (const name of ['node_modules', 'native', 'package.json']) {
    const source = path.join(PROJECT_ROOT, name);
    if (fs.existsSync(source)) fs.symlinkSync(source, path.join(dir, name));
  }
  buildRoot = dir;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return databaseUrl(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

export interface BerthServer {
  pid: number;
  url: string;
  driver: BlobStoreDriver;
  dataDir: string;
  logPath: string;
  startMs: number;
  stop(): Promise<{ code: number | null; signal: string | null; killed: boolean }>;
  /** The last lines the server wrote (it logs at warn: normally nothing). */
  logTail(lines?: number): string;
  /** How the process ended, if it has (before `stop`, that is a crash or someone else's kill). */
  exited(): { code: number | null; signal: string | null } | null;
}

/** Set as in production (otherwise generated into DATA_DIR, with a warning). */
export interface ServerSecrets {
  masterKey: string;
  adminToken: string;
}

/** One set per database: a restart on the same database must use the same master key. */
export function newSecrets(): ServerSecrets {
  return {
    masterKey: randomBytes(32).toString('hex'),
    adminToken: randomBytes(32).toString('hex'),
  };
}

export interface StartOptions {
  driver: BlobStoreDriver;
  secrets: ServerSecrets;
  databaseUrl: string;
  dataDir: string;
  logPath: string;
  readyTimeoutMs?: number;
  /** The filesystem driver's root when several instances share it (default: under DATA_DIR). */
  blobDir?: string;
  /** More variables for the server (e.g. a setting a scenario varies). */
  env?: Record<string, string>;
}

export async function startBerth(options: StartOptions): Promise<BerthServer> {
  const main = builtFile('src', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run nest build first`);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(options.logPath, 'a');
  const started = performance.now();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    BLOB_STORE: options.driver,
    DATA_DIR: options.dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    REGISTRY_ID: ACCOUNT_ID,
    // The first account and access key, where Berth authenticates callers (ignored otherwise).
    BOOTSTRAP_ACCOUNT_ID: ACCOUNT_ID,
    BOOTSTRAP_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    BOOTSTRAP_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    // The benchmark measures what an instance can answer, and the target is ECR's quota itself:
    // an instance that enforced the quota would refuse the calls past it (ThrottlingException).
    ECR_RATE_LIMITS: 'ecr,BatchCheckLayerAvailability=off',
    MASTER_KEY: options.secrets.masterKey,
    ADMIN_TOKEN: options.secrets.adminToken,
  };
  if (options.blobDir) env.BLOB_DIR = options.blobDir;
  Object.assign(env, options.env);
  if (process.env.BERTH_SHA256_IMPL) env.BERTH_SHA256_IMPL = process.env.BERTH_SHA256_IMPL;
  // Node flags for the server alone, for profiling: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.BENCH_BERTH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = track(
    spawn(process.execPath, [...nodeArgs, main], {
      cwd: path.dirname(path.dirname(path.dirname(main))),
      env,
      stdio: ['ignore', log, log],
    }),
  );
  fs.closeSync(log);
  const logTail = (lines = 20): string => {
    try {
      return fs
        .readFileSync(options.logPath, 'utf8')
        .split('\n')
        .slice(-lines - 1)
        .join('\n');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Berth (${options.driver}) exited during start (${child.exitCode ?? child.signalCode}):\n${logTail()}`,
      );
    }
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Berth (${options.driver}) was not ready in time:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    url,
    driver: options.driver,
    dataDir: options.dataDir,
    logPath: options.logPath,
    startMs: performance.now() - started,
    stop: () => stopChild(child),
    logTail,
    exited: () =>
      child.exitCode === null && child.signalCode === null
        ? null
        : { code: child.exitCode, signal: child.signalCode },
  };
}

/**
 * Starts `count` Berth instances on one database (as a deployment runs them behind a balancer):
 * one secret set, one blob directory for the filesystem driver (`<dataDir>/blobs`, shared), a
 * DATA_DIR and log of their own (`<dataDir>/instance-<i>`, `<logPath>.<i>`). They start one
 * after the other, so that the first runs the migrations alone. If one fails to start, those
 * already started are stopped.
 */
export async function startBerthInstances(
  count: number,
  options: StartOptions,
): Promise<BerthServer[]> {
  const blobDir = options.blobDir ?? path.join(options.dataDir, 'blobs');
  const servers: BerthServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(
        await startBerth({
          ...options,
          blobDir,
          dataDir: path.join(options.dataDir, `instance-${i}`),
          logPath: `${options.logPath}.${i}`,
        }),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}
