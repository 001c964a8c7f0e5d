/**
 * What the report's sections share: the targets' shape and the table cells. A leaf, so that the
 * sections (report.ts, oci-report.ts) and the scenarios they render import it, not each other.
 */
import type { BlobStoreDriver } from '../src/config/app-config';
import type { CpuWindow } from './processes';

/** A measurement that was repeated because other work disturbed it: what it gave then. */
export interface Attempt {
  /** MB/s for a push, req/s for BatchCheckLayerAvailability. */
  value: number;
  otherCores: number;
}

export type TargetStatus = 'met' | 'not met' | 'not measured';

export interface Target {
  target: string;
  driver: BlobStoreDriver;
  measured: string;
  against: string;
  ratio: number | null;
  required: string;
  status: TargetStatus;
}

const f2 = (n: number | undefined | null): string =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(2);

/** A markdown table; columns are right-aligned unless `align` says 'l'. */
export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? '---' : '---:'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A CPU window's cores as the report's "server / pg / client / other" cell. */
export const cores = (c: CpuWindow): string =>
  `${f2(c.serverCores)} / ${f2(c.postgresCores)} / ${f2(c.clientCores)} / ${f2(c.otherCores)}`;

/** Cores busy with other work on the shared machine above which a figure is marked. */
export const NOISY_OTHER_CORES = 0.25;
