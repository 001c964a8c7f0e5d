/**
 * Child processes of the benchmark (Berth servers, the ceiling server), the RSS sampler, and CPU
 * accounting from /proc. Every child is registered so that an interrupted run still stops it.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SamplerReply, SamplerRequest } from './rss-sampler';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 10_000,
): Promise<{ code: number | null; signal: string | null; killed: boolean }> {
  if (!alive(child)) return { code: child.exitCode, signal: child.signalCode, killed: false };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    if (alive(child)) {
      killed = true;
      child.kill('SIGKILL');
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return { code: child.exitCode, signal: child.signalCode, killed };
}

export async function stopAllChildren(graceMs = 10_000): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)));
}

/** Last resort, from a synchronous 'exit' handler: no child outlives the benchmark. */
export function killAllChildrenNow(): void {
  for (const child of children) {
    if (alive(child)) child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// RSS sampling

export interface RssPeaks {
  watchedPeakMiB: number;
  selfPeakMiB: number;
  samples: number;
}

export class RssSampler {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: SamplerReply) => void>();

  /** `script`: the built rss-sampler.js. */
  constructor(script: string = path.join(__dirname, 'rss-sampler.js')) {
    this.worker = new Worker(script);
    this.worker.on('message', (reply: SamplerReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.worker.unref();
  }

  watch(pid: number | null): void {
    this.worker.postMessage({ type: 'watch', pid } satisfies SamplerRequest);
  }

  /** Starts a new measurement window; answers the peaks of the window that ends. */
  reset(): Promise<RssPeaks> {
    return this.ask('reset');
  }

  /** Peaks since the last reset. */
  read(): Promise<RssPeaks> {
    return this.ask('read');
  }

  private ask(type: 'reset' | 'read'): Promise<RssPeaks> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (reply) =>
        resolve({
          watchedPeakMiB: reply.watchedPeakKiB / 1024,
          selfPeakMiB: reply.selfPeakKiB / 1024,
          samples: reply.samples,
        }),
      );
      this.worker.postMessage({ type, id } satisfies SamplerRequest);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

let pgPidLister: (() => Promise<number[]>) | null = null;

/**
 * How to find the PostgreSQL processes that work for the benchmark: the backends of its
 * databases and the server's own auxiliary processes (WAL writer, checkpointer, ...). Other
 * users of the same PostgreSQL server count as "other" work.
 */
export function setPgPidLister(lister: (() => Promise<number[]>) | null): void {
  pgPidLister = lister;
}

async function pgCpuByPid(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!pgPidLister) return out;
  for (const pid of await pgPidLister()) {
    const seconds = processCpuSeconds(pid);
    if (Number.isFinite(seconds)) out.set(pid, seconds);
  }
  return out;
}

/** Machine-wide busy and iowait CPU seconds, from the first line of /proc/stat. */
export function machineCpuSeconds(): { busy: number; iowait: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, ...values] = line.trim().split(/\s+/);
    const n = values.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = n[0] + n[1] + n[2] + n[5] + n[6] + (n[7] ?? 0);
    return { busy: busy / ticksPerSecond(), iowait: n[4] / ticksPerSecond() };
  } catch {
    return { busy: NaN, iowait: NaN };
  }
}

/** CPU seconds of this process (every thread), from getrusage. */
export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export interface CpuWindow {
  /** Average cores busy over the window. */
  serverCores: number;
  postgresCores: number;
  clientCores: number;
  /** Everything else on the machine (other users of this shared machine, the kernel). */
  otherCores: number;
  /** Average cores idle while waiting for I/O. */
  iowaitCores: number;
}

/**
 * Starts measuring CPU of `pid` (a server), of PostgreSQL's processes working for the benchmark,
 * of this process and of the whole machine; call the result to stop. A backend that starts in
 * the window counts whole, one that exits in it is lost (a lower bound).
 */
export async function cpuWindow(pid: number | null): Promise<() => Promise<CpuWindow>> {
  const pg0 = await pgCpuByPid();
  const start = process.hrtime.bigint();
  const server0 = pid === null ? 0 : processCpuSeconds(pid);
  const self0 = selfCpuSeconds();
  const machine0 = machineCpuSeconds();
  return async () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const server = pid === null ? 0 : (processCpuSeconds(pid) - server0) / seconds;
    const client = (selfCpuSeconds() - self0) / seconds;
    const machine1 = machineCpuSeconds();
    let pgSeconds = 0;
    for (const [p, t] of await pgCpuByPid()) pgSeconds += t - (pg0.get(p) ?? 0);
    const postgres = pgSeconds / seconds;
    const busy = (machine1.busy - machine0.busy) / seconds;
    return {
      serverCores: server,
      postgresCores: postgres,
      clientCores: client,
      otherCores: Math.max(0, busy - server - postgres - client),
      iowaitCores: (machine1.iowait - machine0.iowait) / seconds,
    };
  };
}
