/**
 * Named points of the garbage collection where a test can make the process die with SIGKILL
 * (`BERTH_KILL_POINT`), to prove that a crash there loses no referenced byte and leaves only what
 * the next run removes. Unset in production: `reach` is then a comparison and nothing more.
 */
export const KILL_POINTS = [
  /** Candidate layers are locked; nothing is deleted yet. */
  'gc.layers.locked',
  /** Layer rows are deleted, not committed. */
  'gc.layers.deleted',
  /** Layer deletions are committed; their blobs are not examined yet. */
  'gc.layers.committed',
  /** Blob rows are deleted, not committed. */
  'gc.blobs.deleted',
  /** Blob deletions are committed; their storage objects and bytes are still there. */
  'gc.blobs.committed',
  /**
   * The bytes of a batch of unreferenced storage objects are removed, their rows not deleted:
   * files are gone already, `blob_chunks` deletions and the rows roll back.
   */
  'gc.storage.removed',
] as const;

/** Points of the reconciliation pass (GarbageCollectorService.reconcile). */
export const RECONCILIATION_KILL_POINTS = [
  /** A batch of the pass has fed the queue and stored its position, and committed. */
  'gc.reconcile.batched',
] as const;

export type KillPoint = (typeof KILL_POINTS)[number] | (typeof RECONCILIATION_KILL_POINTS)[number];

/** Every point `BERTH_KILL_POINT` may name. */
export const ALL_KILL_POINTS: readonly KillPoint[] = [
  ...KILL_POINTS,
  ...RECONCILIATION_KILL_POINTS,
];

/** Dies at once, as a crash would, when `point` is the armed one. */
export function reachKillPoint(armed: KillPoint | undefined, point: KillPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
