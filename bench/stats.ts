/** Small numeric helpers shared by the benchmark. MB = 10^6 bytes, MiB = 2^20 bytes. */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: number[]): LatencySummary {
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    // Not Math.max(...values): a ceiling's 10 s of samples exceed the call stack.
    max: values.length ? values.reduce((a, b) => (b > a ? b : a), -Infinity) : NaN,
    mean: values.length ? sum / values.length : NaN,
  };
}

export function mbPerSecond(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

/** "1 MiB", "64 MiB", "1 GiB", "4 KiB". */
export function formatSize(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

/** Parses "1MiB", "64 MiB", "1GiB", "512KiB", "1048576B"; a bare number is MiB. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?\s*$/i.exec(text);
  if (!match) throw new Error(`not a size: ${JSON.stringify(text)} (use e.g. 1MiB, 64MiB, 1GiB)`);
  const value = Number(match[1]);
  const unit = (match[2] ?? 'MiB').toLowerCase();
  const factor = unit === 'b' ? 1 : unit.startsWith('k') ? KiB : unit.startsWith('m') ? MiB : GiB;
  const bytes = Math.round(value * factor);
  if (bytes <= 0) throw new Error(`size must be positive: ${text}`);
  return bytes;
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
