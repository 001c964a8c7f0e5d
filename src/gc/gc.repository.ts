import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A layer of its repository that no image of that repository references: one probe of
 * `image_layers_repository_digest_idx`.
 */
const LAYER_UNREFERENCED = `NOT EXISTS (
    SELECT 1 FROM image_layers il WHERE il.repository_id = l.repository_id AND il.digest = l.digest)`;

/** A blob that no layer of any repository and no upload references: two index probes. */
const BLOB_UNREFERENCED = `NOT EXISTS (SELECT 1 FROM layers l WHERE l.digest = b.digest)
    AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.storage_key)`;

/** A storage object that neither an upload nor a blob references: two unique-index probes. */
const OBJECT_UNREFERENCED = `NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = s.key)
    AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.storage_key = s.key)`;

/**
 * The dry run's statement (`$1`: the grace in seconds), exported for the scale benchmark's
 * EXPLAIN. Each of the queue's layers is looked up and checked for references in a LATERAL
 * subquery that the planner cannot flatten (`OFFSET 0`): two index probes per entry, so that the
 * cost follows the queue, never the catalogue. Joined plainly, 50,000 entries at 1M images made
 * it hash the whole `layers` table, and with only the lookup inside, all of `image_layers`.
 */
export const ESTIMATE_SQL = `WITH doomed AS MATERIALIZED (
     SELECT l.id, l.digest
       FROM (SELECT DISTINCT layer_id FROM gc_layer_reviews
              WHERE since <= now() - make_interval(secs => $1)) q
       CROSS JOIN LATERAL (
         SELECT l.id, l.digest FROM layers l
          WHERE l.id = q.layer_id AND l.created_at <= now() - make_interval(secs => $1)
            AND ${LAYER_UNREFERENCED}
         OFFSET 0) l),
   per_digest AS MATERIALIZED (SELECT digest, count(*) AS n FROM doomed GROUP BY digest),
   candidates AS MATERIALIZED (
     SELECT digest FROM per_digest UNION SELECT digest FROM gc_blob_reviews),
   doomed_blobs AS (
     SELECT b.size FROM candidates c
       JOIN blobs b ON b.digest = c.digest
       LEFT JOIN per_digest p ON p.digest = c.digest
      WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.storage_key)
        AND (SELECT count(*) FROM layers l WHERE l.digest = b.digest) = coalesce(p.n, 0))
   SELECT (SELECT count(*) FROM doomed) AS layers,
          (SELECT count(*) FROM doomed_blobs) AS blobs,
          (SELECT coalesce(sum(size), 0) FROM doomed_blobs) AS bytes`;

export interface GarbageEstimate {
  layers: number;
  blobs: number;
  bytes: number;
}

/** Review entries taken by one worker batch, and where the next batch starts. */
export interface TakenReviews {
  /** The queue rows, locked until the transaction ends. */
  entries: string[];
  /** Their subjects: layer ids, blob digests or storage keys. */
  subjects: string[];
  /** The keyset position after the last entry (pass it back as `after`). */
  next: string;
}

/** A recorded garbage collection (`gc_runs`). */
export interface GcRunRecord {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  requested: boolean;
  layers: number;
  blobs: number;
  bytes: number;
}

/** How many recorded collections are kept. */
const GC_RUNS_KEPT = 100;

export type ReconciliationStage = 'layers' | 'blobs' | 'storage';

/** The reconciliation row, locked by the batch that reads it. */
export interface ReconciliationState {
  stage: ReconciliationStage | null;
  position: string | null;
  due: boolean;
}

/**
 * The SQL of garbage collection and storage accounting.
 *
 * Collection is driven by review queues (`gc_layer_reviews`, `gc_blob_reviews`,
 * `gc_storage_reviews`) that triggers fill in the transaction of the statement that may free
 * something (migrations/1765400000000-GcReviewQueues.ts). A worker batch, in one transaction:
 * takes due entries `FOR UPDATE SKIP LOCKED` (instances share the queue without waiting), locks
 * the subjects that are still unreferenced `FOR UPDATE SKIP LOCKED` (never waiting, so never
 * deadlocking, and never taking a row a writer holds), deletes them in a second statement only
 * if its own fresh READ COMMITTED snapshot still finds them unreferenced, and settles the
 * entries. Why that is enough is written at each pair below: the argument is the one the
 * collector made before the queues, the queue only says where to look.
 *
 * Lock order of a batch: queue entries, then layers (or blobs, or storage objects); writers
 * never lock queue entries (they only insert them), so no cycle can form.
 */
@Injectable()
export class GcRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Up to `limit` layer review entries due under `graceSeconds`, after keyset position `after`
   * (`<since>|<id>`, or undefined for the first batch), locked `FOR UPDATE SKIP LOCKED`.
   */
  async takeLayerReviews(
    m: EntityManager,
    graceSeconds: number,
    limit: number,
    after?: string,
  ): Promise<TakenReviews> {
    const [since, id] = after ? after.split('|') : [null, null];
    const rows = await m.query<{ id: string; layer_id: string; pos: string }[]>(
      `SELECT q.id, q.layer_id, q.since::text || '|' || q.id AS pos FROM gc_layer_reviews q
        WHERE q.since <= now() - make_interval(secs => $1)
          AND ($2::timestamptz IS NULL OR (q.since, q.id) > ($2::timestamptz, $3::bigint))
        ORDER BY q.since, q.id LIMIT $4
        FOR UPDATE SKIP LOCKED`,
      [graceSeconds, since, id, limit],
    );
    return {
      entries: rows.map((r) => r.id),
      subjects: [...new Set(rows.map((r) => r.layer_id))],
      next: rows.length > 0 ? rows[rows.length - 1].pos : (after ?? ''),
    };
  }

  /**
   * Locks those of `layerIds` older than `graceSeconds` that no image of their repository
   * references.
   *
   * Against PutImage, which takes the layer rows it references `FOR KEY SHARE` before it inserts
   * its `image_layers` rows (LayersRepository.existing):
   * - PutImage locked first: the row is skipped here while its transaction is open (its review
   *   entry stays, see `settleLayerReviews`).
   * - PutImage committed before this statement's snapshot: its `image_layers` rows are seen, the
   *   layer is no candidate.
   * - PutImage committed after the snapshot but before the lock: the layer is locked as a
   *   candidate, and `deleteLayers` (a later snapshot) sees the reference and keeps it.
   * - PutImage arrives while the lock is held: its `FOR KEY SHARE` waits for this transaction;
   *   if the layer was deleted, PutImage does not find it and answers LayersNotFoundException
   *   (the client pushes the layer again); if it was kept, PutImage goes on.
   * Against CompleteLayerUpload re-adding the same layer: its `INSERT … ON CONFLICT` waits for
   * the row lock, then inserts a new layer row (and a new review entry) if this one was deleted.
   */
  async lockGarbageLayers(
    m: EntityManager,
    layerIds: string[],
    graceSeconds: number,
  ): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(
      `SELECT l.id FROM layers l
        WHERE l.id = ANY($1::bigint[]) AND l.created_at <= now() - make_interval(secs => $2)
          AND ${LAYER_UNREFERENCED}
        ORDER BY l.id
        FOR UPDATE OF l SKIP LOCKED`,
      [layerIds, graceSeconds],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes those of the locked layers that a fresh snapshot still finds unreferenced. */
  async deleteLayers(m: EntityManager, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [rows] = await m.query<[unknown[], number]>(
      `DELETE FROM layers l WHERE l.id = ANY($1::bigint[]) AND ${LAYER_UNREFERENCED} RETURNING l.id`,
      [ids],
    );
    return rows.length;
  }

  /**
   * Removes the taken entries that need no second look: their layer was locked (and deleted, or
   * found referenced: a later unreference queues it again), is gone, or is referenced now. An
   * entry whose layer is unreferenced but was skipped (a writer held it) stays for a later run.
   */
  async settleLayerReviews(m: EntityManager, entries: string[], locked: string[]): Promise<void> {
    if (entries.length === 0) return;
    await m.query(
      `DELETE FROM gc_layer_reviews q
        WHERE q.id = ANY($1::bigint[])
          AND (q.layer_id = ANY($2::bigint[])
               OR NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = q.layer_id AND ${LAYER_UNREFERENCED}))`,
      [entries, locked],
    );
  }

  /** Up to `limit` blob review entries after entry id `after`, locked `FOR UPDATE SKIP LOCKED`. */
  async takeBlobReviews(m: EntityManager, limit: number, after?: string): Promise<TakenReviews> {
    const rows = await m.query<{ id: string; digest: string }[]>(
      `SELECT id, digest FROM gc_blob_reviews WHERE id > $1 ORDER BY id LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [after ?? '0', limit],
    );
    return {
      entries: rows.map((r) => r.id),
      subjects: [...new Set(rows.map((r) => r.digest))],
      next: rows.length > 0 ? rows[rows.length - 1].id : (after ?? '0'),
    };
  }

  /**
   * Locks those of `digests` that no layer and no upload references.
   *
   * Against CompleteLayerUpload, whose `INSERT … ON CONFLICT (digest) DO UPDATE` row-locks an
   * existing blob before it inserts the layer that references it (and that insert's foreign key
   * check takes the blob `FOR KEY SHARE`):
   * - the upload locked first: the blob is skipped here while its transaction is open;
   * - it committed before the lock: `deleteBlobs` (a later snapshot) sees its layer and keeps
   *   the blob;
   * - it arrives while the lock is held: its upsert waits; if the blob was deleted, PostgreSQL
   *   retries the insert, which stores the upload's own bytes as the blob (nothing is lost, the
   *   old bytes are garbage), and if it was kept, the upsert goes on as before.
   * No layer can reference a blob this transaction holds `FOR UPDATE`: the foreign key check
   * would wait for it.
   */
  async lockGarbageBlobs(m: EntityManager, digests: string[]): Promise<string[]> {
    const rows = await m.query<{ digest: string }[]>(
      `SELECT b.digest FROM blobs b WHERE b.digest = ANY($1::varchar[]) AND ${BLOB_UNREFERENCED}
        ORDER BY b.digest
        FOR UPDATE OF b SKIP LOCKED`,
      [digests],
    );
    return rows.map((r) => r.digest);
  }

  /**
   * Deletes those of the locked blobs that a fresh snapshot still finds unreferenced; answers
   * how many and their bytes. Their storage objects become unreferenced (a trigger queues
   * them): the storage collection removes the bytes, then the rows, after this commits.
   */
  async deleteBlobs(
    m: EntityManager,
    digests: string[],
  ): Promise<{ blobs: number; bytes: number }> {
    if (digests.length === 0) return { blobs: 0, bytes: 0 };
    const [rows] = await m.query<[{ size: string }[], number]>(
      `DELETE FROM blobs b WHERE b.digest = ANY($1::varchar[]) AND ${BLOB_UNREFERENCED}
        RETURNING b.size`,
      [digests],
    );
    return { blobs: rows.length, bytes: rows.reduce((sum, r) => sum + Number(r.size), 0) };
  }

  /** As `settleLayerReviews`, for blobs. */
  async settleBlobReviews(m: EntityManager, entries: string[], locked: string[]): Promise<void> {
    if (entries.length === 0) return;
    await m.query(
      `DELETE FROM gc_blob_reviews q
        WHERE q.id = ANY($1::bigint[])
          AND (q.digest = ANY($2::varchar[])
               OR NOT EXISTS (SELECT 1 FROM blobs b WHERE b.digest = q.digest AND ${BLOB_UNREFERENCED}))`,
      [entries, locked],
    );
  }

  /**
   * What a collection with this grace would remove now, read from the queues: a dry run, which
   * locks nothing. Layers: the due entries' layers that are unreferenced. Blobs: those queued,
   * or held by a doomed layer, that no upload references and whose every layer is doomed
   * (layers counted per digest: an index-only probe each, no anti-join over large sets).
   */
  async estimate(graceSeconds: number): Promise<GarbageEstimate> {
    const [row] = await this.dataSource.query<{ layers: string; blobs: string; bytes: string }[]>(
      ESTIMATE_SQL,
      [graceSeconds],
    );
    return { layers: Number(row.layers), blobs: Number(row.blobs), bytes: Number(row.bytes) };
  }

  /** The reconciliation row, locked for one batch; undefined while another instance holds it. */
  async lockReconciliation(m: EntityManager): Promise<ReconciliationState | undefined> {
    const rows = await m.query<
      { stage: ReconciliationStage | null; position: string | null; due: boolean }[]
    >(
      `SELECT stage, position, due_at <= now() AS due FROM gc_reconciliation
        FOR UPDATE SKIP LOCKED`,
    );
    return rows[0];
  }

  /** Stores where the pass is (`stage` null: finished, next one due in `intervalSeconds`). */
  async storeReconciliation(
    m: EntityManager,
    stage: ReconciliationStage | null,
    position: string | null,
    intervalSeconds: number,
    starting: boolean,
  ): Promise<void> {
    await m.query(
      `UPDATE gc_reconciliation
          SET stage = $1::varchar, position = $2::text,
              started_at = CASE WHEN $4::boolean THEN now() ELSE started_at END,
              finished_at = CASE WHEN $1::varchar IS NULL THEN now() ELSE finished_at END,
              due_at = CASE WHEN $1::varchar IS NULL THEN now() + make_interval(secs => $3)
                            ELSE due_at END`,
      [stage, position, intervalSeconds, starting],
    );
  }

  /**
   * Feeds the queue of `stage` with the garbage among up to `limit` rows after keyset position
   * `after` that no entry names yet. Answers how many rows were read, how many fed, and the
   * position after the last row read.
   */
  async reconcileBatch(
    m: EntityManager,
    stage: ReconciliationStage,
    after: string | null,
    limit: number,
  ): Promise<{ read: number; fed: number; next: string | null }> {
    const sql: Record<ReconciliationStage, string> = {
      layers: `WITH batch AS MATERIALIZED (
                 SELECT id, repository_id, digest, created_at FROM layers
                  WHERE id > coalesce($1::bigint, 0) ORDER BY id LIMIT $2),
               fed AS (
                 INSERT INTO gc_layer_reviews (layer_id, since)
                 SELECT l.id, l.created_at FROM batch l
                  WHERE ${LAYER_UNREFERENCED}
                    AND NOT EXISTS (SELECT 1 FROM gc_layer_reviews q WHERE q.layer_id = l.id)
                 RETURNING 1)
               SELECT (SELECT count(*) FROM batch) AS read, (SELECT count(*) FROM fed) AS fed,
                      (SELECT max(id)::text FROM batch) AS next`,
      blobs: `WITH batch AS MATERIALIZED (
                SELECT digest, storage_key FROM blobs
                 WHERE $1::varchar IS NULL OR digest > $1::varchar ORDER BY digest LIMIT $2),
              fed AS (
                INSERT INTO gc_blob_reviews (digest)
                SELECT b.digest FROM batch b
                 WHERE ${BLOB_UNREFERENCED}
                   AND NOT EXISTS (SELECT 1 FROM gc_blob_reviews q WHERE q.digest = b.digest)
                RETURNING 1)
              SELECT (SELECT count(*) FROM batch) AS read, (SELECT count(*) FROM fed) AS fed,
                     (SELECT max(digest) FROM batch) AS next`,
      storage: `WITH batch AS MATERIALIZED (
                  SELECT key FROM storage_objects
                   WHERE $1::uuid IS NULL OR key > $1::uuid ORDER BY key LIMIT $2),
                fed AS (
                  INSERT INTO gc_storage_reviews (key)
                  SELECT s.key FROM batch s
                   WHERE ${OBJECT_UNREFERENCED}
                     AND NOT EXISTS (SELECT 1 FROM gc_storage_reviews q WHERE q.key = s.key)
                  RETURNING 1)
                SELECT (SELECT count(*) FROM batch) AS read, (SELECT count(*) FROM fed) AS fed,
                       (SELECT max(key::text) FROM batch) AS next`,
    };
    const [row] = await m.query<{ read: string; fed: string; next: string | null }[]>(sql[stage], [
      after,
      limit,
    ]);
    return { read: Number(row.read), fed: Number(row.fed), next: row.next ?? after };
  }

  /** Holds the repository row `FOR SHARE` (it must not be deleted under an expiry); false if gone. */
  async holdRepository(m: EntityManager, repositoryId: string): Promise<boolean> {
    const rows = await m.query<unknown[]>('SELECT 1 FROM repositories WHERE id = $1 FOR SHARE', [
      repositoryId,
    ]);
    return rows.length === 1;
  }

  /**
   * Deletes the repository's image `digest` (tags and references go by cascade) unless an image
   * index of the repository references it. The image row is locked first, as BatchDeleteImage
   * does, and an index being pushed holds its children `FOR KEY SHARE` until it commits.
   */
  async deleteImageUnlessReferenced(
    m: EntityManager,
    repositoryId: string,
    digest: string,
  ): Promise<'deleted' | 'missing' | 'referenced'> {
    const locked = await m.query<{ id: string }[]>(
      'SELECT id FROM images WHERE repository_id = $1 AND digest = $2 FOR UPDATE',
      [repositoryId, digest],
    );
    if (locked.length === 0) return 'missing';
    const referenced = await m.query<unknown[]>(
      `SELECT 1 FROM image_children c JOIN images i ON i.id = c.image_id
        WHERE i.repository_id = $1 AND c.child_digest = $2 LIMIT 1`,
      [repositoryId, digest],
    );
    if (referenced.length > 0) return 'referenced';
    await m.query('DELETE FROM images WHERE id = $1', [locked[0].id]);
    return 'deleted';
  }

  /**
   * Unique stored bytes of each account: every blob one of its repositories holds counted once,
   * however many of them hold it, plus its image manifests.
   */
  async accountBytes(accountIds: string[]): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<{ id: string; bytes: string }[]>(
      `SELECT a.id,
              (SELECT coalesce(sum(b.size), 0) FROM blobs b
                WHERE b.digest IN (SELECT l.digest FROM layers l JOIN repositories r ON r.id = l.repository_id
                                    WHERE r.registry_id = a.id))
              + (SELECT coalesce(sum(octet_length(i.manifest)), 0) FROM images i
                   JOIN repositories r ON r.id = i.repository_id WHERE r.registry_id = a.id) AS bytes
         FROM accounts a WHERE a.id = ANY($1::char(12)[])`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.id, Number(r.bytes)]));
  }

  /** Records a finished collection, and forgets those older than the last GC_RUNS_KEPT. */
  async recordRun(run: Omit<GcRunRecord, 'id' | 'finishedAt'>): Promise<void> {
    await this.dataSource.query(
      `WITH added AS (
         INSERT INTO gc_runs (started_at, requested, layers, blobs, bytes)
         VALUES ($1, $2, $3, $4, $5) RETURNING id)
       DELETE FROM gc_runs WHERE id <= (SELECT id - $6 FROM added)`,
      [run.startedAt, run.requested, run.layers, run.blobs, run.bytes, GC_RUNS_KEPT],
    );
  }

  /** Recorded collections, newest first, after keyset position `before` (a row id). */
  async listRuns(limit: number, before?: string): Promise<GcRunRecord[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        started_at: Date;
        finished_at: Date;
        requested: boolean;
        layers: number;
        blobs: number;
        bytes: string;
      }[]
    >(
      `SELECT id, started_at, finished_at, requested, layers, blobs, bytes FROM gc_runs
        WHERE $1::bigint IS NULL OR id < $1::bigint ORDER BY id DESC LIMIT $2`,
      [before ?? null, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      requested: r.requested,
      layers: r.layers,
      blobs: r.blobs,
      bytes: Number(r.bytes),
    }));
  }
}
