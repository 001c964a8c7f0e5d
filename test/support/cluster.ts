import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './app';
import type { S3Config } from '../../src/config/app-config';
import { BerthProcess, startBerthProcess } from './berth-process';
import { driverEnv, s3ConfigOf } from './swift';

export type Driver = 'filesystem' | 'postgres' | 's3';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface ClusterOptions {
  size: number;
  databaseUrl: string;
  driver: Driver;
  /** The filesystem driver's root, shared by every instance (a volume all of them mount). */
  blobDir: string;
  env?: Record<string, string>;
}

/**
 * Several built Berth processes (`node dist/src/main.js`) on one database and one blob
 * directory. Each keeps its port and DATA_DIR across restarts, so a restarted instance is the
 * same address to its clients.
 */
export class Cluster {
  private constructor(
    private readonly options: ClusterOptions,
    private readonly storeEnv: Record<string, string>,
    private readonly ports: number[],
    private readonly dataDirs: string[],
    readonly instances: BerthProcess[],
  ) {}

  static async start(options: ClusterOptions): Promise<Cluster> {
    const ports: number[] = [];
    for (let i = 0; i < options.size; i++) ports.push(await freePort());
    const dataDirs = ports.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-instance-')));
    // One bucket prefix for every instance: they share their objects as they share the database.
    const storeEnv = await driverEnv(options.driver);
    const cluster = new Cluster(options, storeEnv, ports, dataDirs, []);
    try {
      const started = await Promise.all(ports.map((_, i) => cluster.launch(i)));
      cluster.instances.push(...started);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private async launch(i: number): Promise<BerthProcess> {
    // `nest build` empties dist/ before writing it again: a build running meanwhile (another
    // terminal) must not fail a restart.
    for (let waited = 0; !fs.existsSync(MAIN) && waited < 60_000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
    }
    return startBerthProcess({
      DATABASE_URL: this.options.databaseUrl,
      ...this.storeEnv,
      BLOB_DIR: this.options.blobDir,
      DATA_DIR: this.dataDirs[i],
      PORT: String(this.ports[i]),
      ...this.options.env,
    });
  }

  /** The s3 driver's bucket and prefix, for checks below the service; undefined for others. */
  get s3(): S3Config | undefined {
    return s3ConfigOf(this.storeEnv);
  }

  get size(): number {
    return this.ports.length;
  }

  url(i: number): string {
    return `http://127.0.0.1:${this.ports[i % this.ports.length]}`;
  }

  get urls(): string[] {
    return this.ports.map((_, i) => this.url(i));
  }

  pid(i: number): number {
    return this.instances[i].child.pid!;
  }

  /** SIGKILL at once, as a crash: no shutdown hook runs. */
  kill(i: number): Promise<void> {
    return this.instances[i].kill();
  }

  /** Starts instance `i` again (killing it first if it still runs), on its port and DATA_DIR. */
  async restart(i: number): Promise<void> {
    await this.instances[i].kill();
    this.instances[i] = await this.launch(i);
  }

  /** SIGTERM every instance, then removes their DATA_DIRs. */
  async stop(): Promise<void> {
    await Promise.all(this.instances.map((p) => p.stop()));
    for (const dir of this.dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
