/**
 * Worker thread that samples VmRSS every 100 ms: of the watched process (a Berth server or a
 * ceiling server) and of the benchmark process itself. It runs on its own thread so that the
 * client's synchronous work (base64, JSON, hashing of 10 MiB parts) does not delay the samples.
 *
 * Messages in: { type: 'watch', pid: number | null }, { type: 'reset', id }, { type: 'read', id }.
 * Messages out: { id, watchedPeakKiB, selfPeakKiB, samples }.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface SamplerRequest {
  type: 'watch' | 'reset' | 'read';
  id?: number;
  pid?: number | null;
}

export interface SamplerReply {
  id: number;
  watchedPeakKiB: number;
  selfPeakKiB: number;
  samples: number;
}

export const SAMPLE_INTERVAL_MS = 100;

function rssKiB(pid: number | 'self'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process is gone (or not yet there)
  }
}

if (parentPort) {
  const port = parentPort;
  let watched: number | null = null;
  let watchedPeak = 0;
  let selfPeak = 0;
  let samples = 0;
  const sample = (): void => {
    if (watched !== null) watchedPeak = Math.max(watchedPeak, rssKiB(watched));
    selfPeak = Math.max(selfPeak, rssKiB('self'));
    samples++;
  };
  setInterval(sample, SAMPLE_INTERVAL_MS);
  port.on('message', (msg: SamplerRequest) => {
    if (msg.type === 'watch') {
      watched = msg.pid ?? null;
      watchedPeak = 0;
      return;
    }
    sample();
    const reply: SamplerReply = {
      id: msg.id ?? 0,
      watchedPeakKiB: watchedPeak,
      selfPeakKiB: selfPeak,
      samples,
    };
    if (msg.type === 'reset') {
      watchedPeak = 0;
      selfPeak = 0;
      samples = 0;
      sample();
    }
    port.postMessage(reply);
  });
}
