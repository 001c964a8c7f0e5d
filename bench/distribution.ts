/**
 * The peer of the /v2 scenarios: CNCF distribution 2.8 (Debian's `docker-registry`), configured
 * as for the tests (tooling/distribution.ts). It is started here rather than through the test
 * helper because test/ is not part of the build the benchmark runs from, and because the
 * benchmark registers every child so that an interrupted run stops it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDistributionConfig } from '../tooling/distribution';
import { freePort } from '../tooling/ports';
import { stopChild, track } from './processes';

export const DISTRIBUTION_BINARY = '/usr/bin/docker-registry';

export interface DistributionServer {
  pid: number;
  url: string;
  dataDir: string;
  version: string;
  startMs: number;
  stop(): Promise<{ code: number | null; signal: string | null; killed: boolean }>;
  /** The last lines it wrote (errors only: normally nothing). */
  logTail(lines?: number): string;
}

/** `docker-registry --version`, e.g. `github.com/docker/distribution 2.8.2+ds1`. */
async function versionOf(binary: string): Promise<string> {
  const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  return out.replace(binary, '').trim() || 'unknown';
}

/** Starts distribution on a free loopback port; its data and config go under `dir`. */
export async function startDistribution(dir: string): Promise<DistributionServer> {
  if (!fs.existsSync(DISTRIBUTION_BINARY)) {
    throw new Error(
      `${DISTRIBUTION_BINARY} is missing: install Debian's docker-registry ` +
        '(`bash scripts/ensure-test-tools.sh` as root), or run with --scenarios=ecr',
    );
  }
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeDistributionConfig(config, dataDir, port);
  const logPath = path.join(dir, 'distribution.log');
  const log = fs.openSync(logPath, 'a');
  const started = performance.now();
  const child = track(
    spawn(DISTRIBUTION_BINARY, ['serve', config], {
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    }),
  );
  fs.closeSync(log);
  const logTail = (lines = 20): string => {
    try {
      return fs
        .readFileSync(logPath, 'utf8')
        .split('\n')
        .slice(-lines - 1)
        .join('\n');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited during start:\n${logTail()}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`docker-registry did not answer within 30 s:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    url,
    dataDir,
    version: await versionOf(DISTRIBUTION_BINARY),
    startMs: performance.now() - started,
    stop: () => stopChild(child),
    logTail,
  };
}
