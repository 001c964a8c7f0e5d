import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BlobStoreDriver } from '../config/app-config';

/** A storage object that neither an upload nor a blob references. */
export interface OrphanObject {
  key: string;
  driver: BlobStoreDriver;
}

/** A storage object that neither an upload nor a blob references: two unique-index probes. */
const OBJECT_UNREFERENCED = `NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = s.key)
    AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.storage_key = s.key)`;

/**
 * The SQL of storage bookkeeping (the `storage_objects` rows). The drivers keep the SQL of the
 * bytes they store themselves.
 *
 * Which objects to examine comes from `gc_storage_reviews`, filled by triggers when an upload or
 * a blob is deleted (migrations/1765400000000-GcReviewQueues.ts), never from a scan. Lock order:
 * review entries, then storage objects.
 */
@Injectable()
export class StorageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Up to `limit` review entries after entry id `after` (keyset), locked `FOR UPDATE SKIP LOCKED`
   * (instances collecting at once take different entries); with the objects they name.
   */
  async takeReviews(
    manager: EntityManager,
    limit: number,
    after: string,
  ): Promise<{ entries: string[]; keys: string[]; next: string }> {
    const rows = await manager.query<{ id: string; key: string }[]>(
      `SELECT id, key FROM gc_storage_reviews WHERE id > $1 ORDER BY id LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [after, limit],
    );
    return {
      entries: rows.map((r) => r.id),
      keys: [...new Set(rows.map((r) => r.key))],
      next: rows.length > 0 ? rows[rows.length - 1].id : after,
    };
  }

  /**
   * Those of `keys` that are unreferenced, locked until the transaction ends. Rows another
   * transaction holds (another collector, or a foreign key check of a transaction about to
   * reference the object) are skipped.
   */
  lockOrphans(manager: EntityManager, keys: string[]): Promise<OrphanObject[]> {
    return manager.query<OrphanObject[]>(
      `SELECT s.key, s.driver FROM storage_objects s
        WHERE s.key = ANY($1::uuid[]) AND ${OBJECT_UNREFERENCED}
        ORDER BY s.key
        FOR UPDATE OF s SKIP LOCKED`,
      [keys],
    );
  }

  async deleteObjects(manager: EntityManager, keys: string[]): Promise<void> {
    await manager.query('DELETE FROM storage_objects WHERE key = ANY($1::uuid[])', [keys]);
  }

  /**
   * Removes the taken entries that need no second look: their object was locked (and removed),
   * is gone, or is referenced. One whose object is unreferenced but was skipped stays.
   */
  async settleReviews(manager: EntityManager, entries: string[], locked: string[]): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `DELETE FROM gc_storage_reviews q
        WHERE q.id = ANY($1::bigint[])
          AND (q.key = ANY($2::uuid[])
               OR NOT EXISTS (SELECT 1 FROM storage_objects s
                               WHERE s.key = q.key AND ${OBJECT_UNREFERENCED}))`,
      [entries, locked],
    );
  }
}
