import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDistributionConfig } from '../../tooling/distribution';
import { freePort } from './app';
import { toolPath } from './oci-tools';

/**
 * CNCF distribution 2.8 (Debian's `docker-registry`), the registry Berth's /v2 door is measured
 * against: on a free loopback port, with its data in a temporary directory, configured as
 * tooling/distribution.ts says (no auth, deletes enabled, only errors logged).
 */
export interface Distribution {
  readonly url: string;
  readonly host: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startDistribution(options: { port?: number } = {}): Promise<Distribution> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-distribution-'));
  const dataDir = path.join(dir, 'data');
  const port = options.port ?? (await freePort());
  const config = path.join(dir, 'config.yml');
  writeDistributionConfig(config, dataDir, port);
  const child = spawn(toolPath('docker-registry'), ['serve', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    }
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer within 30 s:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, host: `127.0.0.1:${port}`, dataDir, child, output: () => output, stop };
}
