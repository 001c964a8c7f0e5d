/** What the benchmark ran on, for the report. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isNativeSha256Available } from '../src/crypto/sha256-state';
import { PROJECT_ROOT } from './berth-server';
import { withClient } from '../tooling/pg';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
  tmpDir: string;
  tmpFreeGB: number;
  berthCommit: string;
  /** Files under src/ or migrations/ that differ from the commit (others edit concurrently). */
  berthUncommitted: string[];
  sha256Engine: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

export function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

const PG_SETTINGS = [
  'fsync',
  'synchronous_commit',
  'wal_level',
  'full_page_writes',
  'shared_buffers',
  'max_wal_size',
  'data_directory',
];

export async function machineInfo(adminUrl: string, tmpDir: string): Promise<MachineInfo> {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model;
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? os.totalmem() / 1024);
  const { version, settings } = await withClient(adminUrl, async (c) => {
    const v = await c.query<{ server_version: string }>('SHOW server_version');
    const s = await c.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
      [PG_SETTINGS],
    );
    const out: Record<string, string> = {};
    for (const row of s.rows) {
      out[row.name] =
        row.unit === '8kB'
          ? `${(Number(row.setting) * 8) / 1024} MB`
          : row.unit === 'MB'
            ? `${row.setting} MB`
            : row.setting;
    }
    return { version: v.rows[0].server_version, settings: out };
  });
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep availableParallelism
  }
  return {
    nproc,
    cpuModel: model ?? 'unknown',
    memTotalGiB: memKiB / 1024 / 1024,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: version,
    postgresSettings: settings,
    tmpDir,
    tmpFreeGB: freeBytes(tmpDir) / 1e9,
    berthCommit: git(['rev-parse', '--short', 'HEAD']),
    berthUncommitted: git(['status', '--porcelain', '--', 'src', 'migrations'])
      .split('\n')
      .filter((l) => l.trim().length > 0),
    sha256Engine: process.env.BERTH_SHA256_IMPL ?? (isNativeSha256Available() ? 'native' : 'wasm'),
  };
}
