import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A layer of its repository that no image of that repository references. */
const LAYER_UNREFERENCED = `NOT EXISTS (
    SELECT 1 FROM image_layers il JOIN images i ON i.id = il.image_id
     WHERE i.repository_id = l.repository_id AND il.digest = l.digest)`;

/** A blob that no layer of any repository and no upload references. */
const BLOB_UNREFERENCED = `NOT EXISTS (SELECT 1 FROM layers l WHERE l.digest = b.digest)
    AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.storage_key)`;

export interface GarbageEstimate {
  layers: number;
  blobs: number;
  bytes: number;
}

/**
 * The SQL of garbage collection and storage accounting.
 *
 * Collection deletes in two statements per kind, inside one transaction: the first locks
 * candidates `FOR UPDATE SKIP LOCKED` (never waiting, so never deadlocking, and never taking a
 * row another collector or a writer holds), the second deletes them only if, in its own fresh
 * READ COMMITTED snapshot, they are still unreferenced. Why that is enough is written at each
 * pair below.
 */
@Injectable()
export class GcRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Locks up to `limit` layers older than `graceSeconds` that no image of their repository
   * references.
   *
   * Against PutImage, which takes the layer rows it references `FOR KEY SHARE` before it inserts
   * its `image_layers` rows (LayersRepository.existing):
   * - PutImage locked first: the row is skipped here while its transaction is open.
   * - PutImage committed before this statement's snapshot: its `image_layers` rows are seen, the
   *   layer is no candidate.
   * - PutImage committed after the snapshot but before the lock: the layer is locked as a
   *   candidate, and `deleteLayers` (a later snapshot) sees the reference and keeps it.
   * - PutImage arrives while the lock is held: its `FOR KEY SHARE` waits for this transaction;
   *   if the layer was deleted, PutImage does not find it and answers LayersNotFoundException
   *   (the client pushes the layer again); if it was kept, PutImage goes on.
   * Against CompleteLayerUpload re-adding the same layer: its `INSERT … ON CONFLICT` waits for
   * the row lock, then inserts a new layer row if this one was deleted.
   */
  async lockGarbageLayers(
    m: EntityManager,
    graceSeconds: number,
    limit: number,
  ): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(
      `SELECT l.id FROM layers l
        WHERE l.created_at <= now() - make_interval(secs => $1) AND ${LAYER_UNREFERENCED}
        ORDER BY l.id LIMIT $2
        FOR UPDATE OF l SKIP LOCKED`,
      [graceSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes those of the locked layers that a fresh snapshot still finds unreferenced. */
  async deleteLayers(m: EntityManager, ids: string[]): Promise<number> {
    const [rows] = await m.query<[unknown[], number]>(
      `DELETE FROM layers l WHERE l.id = ANY($1::bigint[]) AND ${LAYER_UNREFERENCED} RETURNING l.id`,
      [ids],
    );
    return rows.length;
  }

  /**
   * Locks up to `limit` blobs that no layer and no upload references.
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
  async lockGarbageBlobs(m: EntityManager, limit: number): Promise<string[]> {
    const rows = await m.query<{ digest: string }[]>(
      `SELECT b.digest FROM blobs b WHERE ${BLOB_UNREFERENCED}
        ORDER BY b.digest LIMIT $1
        FOR UPDATE OF b SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.digest);
  }

  /**
   * Deletes those of the locked blobs that a fresh snapshot still finds unreferenced; answers
   * how many and their bytes. Their storage objects become unreferenced: the storage collection
   * removes the bytes, then the rows, after this commits.
   */
  async deleteBlobs(
    m: EntityManager,
    digests: string[],
  ): Promise<{ blobs: number; bytes: number }> {
    const [rows] = await m.query<[{ size: string }[], number]>(
      `DELETE FROM blobs b WHERE b.digest = ANY($1::varchar[]) AND ${BLOB_UNREFERENCED}
        RETURNING b.size`,
      [digests],
    );
    return { blobs: rows.length, bytes: rows.reduce((sum, r) => sum + Number(r.size), 0) };
  }

  /** What a collection with this grace would remove now: a dry run, which locks nothing. */
  async estimate(graceSeconds: number): Promise<GarbageEstimate> {
    const [row] = await this.dataSource.query<{ layers: string; blobs: string; bytes: string }[]>(
      `WITH doomed_layers AS (
         SELECT l.id FROM layers l
          WHERE l.created_at <= now() - make_interval(secs => $1) AND ${LAYER_UNREFERENCED}),
       doomed_blobs AS (
         SELECT b.size FROM blobs b
          WHERE NOT EXISTS (SELECT 1 FROM layers l
                             WHERE l.digest = b.digest
                               AND l.id NOT IN (SELECT id FROM doomed_layers))
            AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = b.storage_key))
       SELECT (SELECT count(*) FROM doomed_layers) AS layers,
              (SELECT count(*) FROM doomed_blobs) AS blobs,
              (SELECT coalesce(sum(size), 0) FROM doomed_blobs) AS bytes`,
      [graceSeconds],
    );
    return { layers: Number(row.layers), blobs: Number(row.blobs), bytes: Number(row.bytes) };
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
}
